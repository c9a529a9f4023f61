package dev.smimegateway.mailets;

import java.io.IOException;
import java.math.BigInteger;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import javax.security.auth.x500.X500Principal;

import org.apache.mailet.Mail;
import org.apache.mailet.MailetException;
import org.apache.mailet.ProcessingState;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.smime.SmimeAttributes;
import dev.smimegateway.core.smime.SmimeDecryptor;
import dev.smimegateway.core.smime.SmimeException;
import dev.smimegateway.core.smime.SmimeLayer;
import dev.smimegateway.core.smime.SmimeVerifier;
import dev.smimegateway.keystore.DecryptionKey;
import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.inject.Inject;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

/**
 * Decrypts incoming S/MIME mail with whichever stored private key matches one of its recipients
 * (all identities, active or not, and every certificate their keys ever had: key rollover works).
 *
 * <p>Only an encrypted <em>whole message</em> is decrypted: the root entity, or the content of an
 * outer signature around it (triple wrap; the outer signature is then dropped and SMimeVerify checks
 * the inner one). An encrypted part next to other parts is never decrypted, so an attacker cannot
 * wrap a captured ciphertext in his own HTML and have the gateway reveal it (EFAIL). AES-GCM
 * releases nothing unless its tag verifies. Layers are unwrapped up to {@code maxDepth}.
 *
 * <p>Any failure — no matching key, altered or corrupt data, too deep, too large — leaves the message
 * as it arrived and records the reason in {@code smime.decryption.failure}; the mail goes on, or to
 * the {@code onFailure} processor. It is never dropped.
 * <pre>{@code
 * <mailet match="All" class="dev.smimegateway.mailets.SMimeDecrypt">
 *     <maxDepth>8</maxDepth>             <!-- S/MIME layers unwrapped at most -->
 *     <maxSizeMegabytes>50</maxSizeMegabytes>
 *     <!-- <onFailure>smime-undecryptable</onFailure>  a processor; default: go on -->
 * </mailet>
 * }</pre>
 * Sets {@code smime.received.encrypted}, {@code smime.received.signed}, {@code smime.decrypted},
 * {@code smime.decryption.algorithm}, {@code smime.decryption.identity}, {@code smime.decryption.failure}.
 */
public class SMimeDecrypt extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(SMimeDecrypt.class);

    private final SmimeKeyStore keyStore;
    private int maxDepth;
    private int maxBytes;
    private Optional<String> onFailure;
    private SmimeDecryptor decryptor;

    @Inject
    public SMimeDecrypt(SmimeKeyStore keyStore) {
        this.keyStore = keyStore;
    }

    @Override
    public void init() throws MessagingException {
        maxDepth = positive("maxDepth", 8);
        maxBytes = positive("maxSizeMegabytes", 50) * 1024 * 1024;
        onFailure = Optional.ofNullable(getInitParameter("onFailure")).map(String::trim).filter(value -> !value.isEmpty());
        decryptor = new SmimeDecryptor(new StoreKeys(keyStore), maxBytes);
    }

    private int positive(String name, int defaultValue) throws MailetException {
        try {
            int value = Integer.parseInt(getInitParameter(name, Integer.toString(defaultValue)).trim());
            if (value < 1) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new MailetException("SMimeDecrypt: " + name + " must be a positive whole number, not '" + getInitParameter(name) + "'");
        }
    }

    @Override
    public Collection<ProcessingState> requiredProcessingState() {
        return onFailure.map(name -> List.of(new ProcessingState(name))).orElse(List.of());
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        MimeMessage message = mail.getMessage();
        try {
            MimeMessage result = unwrap(mail, message);
            if (result != message) {
                mail.setMessage(result);
            }
        } catch (SmimeException | IOException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            LOGGER.warn("Cannot decrypt mail {} from {}: {}", mail.getName(), mail.getMaybeSender().asString(), reason);
            MailAttributes.set(mail, SmimeAttributes.DECRYPTED, false);
            MailAttributes.set(mail, SmimeAttributes.DECRYPTION_FAILURE, reason);
            onFailure.ifPresent(mail::setState);
        }
    }

    /**
     * Peels layers from the root: an outer signature is taken off only on the way to an encryption
     * layer beneath it (triple wrap); what is returned is the message after its last decryption, so
     * signatures that wrap no encryption stay for SMimeVerify.
     */
    private MimeMessage unwrap(Mail mail, MimeMessage message) throws MessagingException, IOException, SmimeException {
        MimeMessage current = message;
        MimeMessage result = message;
        boolean decrypted = false;
        for (int depth = 0; ; depth++) {
            SmimeLayer layer = SmimeLayer.of(current);
            if (layer.isEncrypted()) {
                MailAttributes.set(mail, SmimeAttributes.RECEIVED_ENCRYPTED, true);
            } else if (layer.isSigned()) {
                MailAttributes.set(mail, SmimeAttributes.RECEIVED_SIGNED, true);
            }
            if (!layer.isSmime()) {
                break;
            }
            if (depth >= maxDepth) {
                throw new SmimeException("more than " + maxDepth + " nested S/MIME layers");
            }
            if (layer.isSigned()) {
                try {
                    current = SmimeVerifier.withoutSignature(current, maxBytes);
                } catch (SmimeException | RuntimeException e) {
                    // An unreadable signature hides no encryption we could reach; SMimeVerify reports it.
                    break;
                }
                continue;
            }
            SmimeDecryptor.Decrypted decryption;
            try {
                decryption = decryptor.decrypt(current);
            } catch (SmimeException e) {
                if (layer == SmimeLayer.PKCS7_UNKNOWN && e.getMessage().startsWith("not encrypted data")) {
                    MailAttributes.set(mail, SmimeAttributes.RECEIVED_SIGNED, true);
                    break;
                }
                throw e;
            }
            MailAttributes.set(mail, SmimeAttributes.RECEIVED_ENCRYPTED, true);
            MailAttributes.set(mail, SmimeAttributes.DECRYPTION_ALGORITHM, decryption.algorithm());
            MailAttributes.set(mail, SmimeAttributes.DECRYPTION_IDENTITY, decryption.keyOwner());
            current = decryption.message();
            result = current;
            decrypted = true;
        }
        if (decrypted) {
            MailAttributes.set(mail, SmimeAttributes.DECRYPTED, true);
            LOGGER.debug("Decrypted mail {} from {}", mail.getName(), mail.getMaybeSender().asString());
        }
        return result;
    }

    /** The key store as the engine's key lookup. */
    private static final class StoreKeys implements SmimeDecryptor.KeyLookup {
        private final SmimeKeyStore keyStore;

        StoreKeys(SmimeKeyStore keyStore) {
            this.keyStore = keyStore;
        }

        @Override
        public Optional<SmimeDecryptor.KeyAndCertificate> byIssuerAndSerial(X500Principal issuer, BigInteger serial) {
            return keyStore.decryptionKeyFor(issuer, serial).map(StoreKeys::convert);
        }

        @Override
        public Optional<SmimeDecryptor.KeyAndCertificate> bySubjectKeyIdentifier(byte[] subjectKeyIdentifier) {
            return keyStore.decryptionKeyFor(subjectKeyIdentifier).map(StoreKeys::convert);
        }

        private static SmimeDecryptor.KeyAndCertificate convert(DecryptionKey key) {
            return new SmimeDecryptor.KeyAndCertificate(key.identityName(), key.privateKey(), key.certificate());
        }
    }

    @Override
    public String getMailetInfo() {
        return "S/MIME decryption";
    }
}
