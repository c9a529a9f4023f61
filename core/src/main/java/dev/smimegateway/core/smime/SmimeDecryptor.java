package dev.smimegateway.core.smime;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.KeyAgreeRecipientId;
import org.bouncycastle.cms.KeyTransRecipientId;
import org.bouncycastle.cms.RecipientId;
import org.bouncycastle.cms.RecipientInformation;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.crypto.ContentDecryption;
import dev.smimegateway.core.crypto.LruMaps;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

/**
 * Decrypts an S/MIME message whose root entity is EnvelopedData (AES-CBC) or AuthEnvelopedData
 * (AES-GCM), with whichever stored private key matches one of its RecipientInfos (issuer and serial,
 * or subjectKeyIdentifier; old keys included) and belongs to one of the mail's envelope recipients:
 * its certificate binds the recipient's address, or, for an organisation identity, a dNSName of its
 * subjectAltName covers the recipient's domain. Identities named as escrow (archive) decrypt for any
 * recipient. So a ciphertext captured and sent on to another local mailbox is not decrypted for it.
 *
 * <p>AuthEnvelopedData releases no plaintext unless its tag verifies. The decrypted entity replaces
 * the body, byte for byte; outer headers stay. RFC 9788 protected headers are restored only from an
 * authenticated (AES-GCM) layer, only for an allow-list and never From (see
 * {@link MimeEntities#replaceContentRestoringHeaders}); CBC plaintext is attacker-malleable, so header
 * fields inside it are ignored.
 *
 * <p>A failure of the {@link KeyLookup} itself (a database outage) is not a verdict on the message:
 * it propagates unchanged, never as a {@link SmimeException}.
 */
public final class SmimeDecryptor {
    /** Room left in front of the decrypted entity for the header section of the message made of it, beyond the outer header section. */
    private static final int HEADER_ROOM = 4096;
    private static final int REMEMBERED_CERTIFICATES = 64;
    /** The first guess at the size of a body whose size the message does not know. */
    private static final long DEFAULT_EXPECTED = 64 * 1024;

    /**
     * Where decryption keys come from (the key store, in the gateway). A failure of the store is
     * thrown unchecked and reaches the caller unchanged.
     */
    public interface KeyLookup {
        Optional<KeyAndCertificate> byIssuerAndSerial(X500Principal issuer, BigInteger serial);

        Optional<KeyAndCertificate> bySubjectKeyIdentifier(byte[] subjectKeyIdentifier);
    }

    /** @param owner the name of the identity the key belongs to, as {@code escrowIdentities} names it */
    public record KeyAndCertificate(String owner, PrivateKey privateKey, X509Certificate certificate) {
    }

    /** @param authenticated AES-GCM whose tag verified: the plaintext is exactly what was encrypted */
    public record Decrypted(MimeMessage message, String algorithm, String keyOwner, boolean authenticated) {
    }

    /**
     * What the certificates of the last {@value #REMEMBERED_CERTIFICATES} keys used bind (addresses,
     * domains), so that a certificate is not parsed again for every mail. Keyed by the certificate itself
     * (its encoding decides equality), so an entry can only describe that very certificate; it may outlive
     * the key's deletion until pushed out, which changes nothing, as only a key the store still returns is
     * ever looked up here.
     */
    private final Map<X509Certificate, CertificateFacts> certificateFacts = LruMaps.bounded(REMEMBERED_CERTIFICATES);
    private final KeyLookup keys;
    private final int maxBytes;
    private final Set<String> escrowIdentities;

    /**
     * @param maxBytes         the largest encrypted body read
     * @param escrowIdentities names of identities that may decrypt mail for any recipient (archive,
     *                         escrow); every other identity decrypts only for its own addresses or domains
     */
    public SmimeDecryptor(KeyLookup keys, int maxBytes, Set<String> escrowIdentities) {
        this.keys = keys;
        this.maxBytes = maxBytes;
        this.escrowIdentities = Set.copyOf(escrowIdentities);
    }

    /**
     * @param envelopeRecipients the mail's envelope recipients (RCPT TO addresses): a key decrypts only
     *                           when its identity covers one of them, or is an escrow identity
     */
    public Decrypted decrypt(MimeMessage message, Collection<String> envelopeRecipients) throws SmimeException {
        List<String> recipients = List.copyOf(envelopeRecipients);
        InputStream body;
        long expected = expectedCiphertext(message);
        try {
            // base64, nearly every S/MIME body: decoded here a chunk at a time, several times faster than Jakarta Mail
            String encoding = message.getEncoding();
            body = encoding != null && encoding.trim().equalsIgnoreCase("base64") ? new Base64Input(message.getRawInputStream(), message.getSize())
                : message.getInputStream();
        } catch (MessagingException | IOException e) {
            throw new SmimeException("the encrypted body cannot be decoded: " + e.getMessage(), e);
        }
        try (body) {
            DerInput in = new DerInput(body, maxBytes, expected);
            EnvelopedContent envelope = EnvelopedContent.begin(in);
            return open(message, in, envelope, recipients, expected);
        } catch (IOException e) {
            throw new SmimeException("the encrypted body cannot be decoded: " + e.getMessage(), e);
        }
    }

    private Decrypted open(MimeMessage message, DerInput in, EnvelopedContent envelope, List<String> envelopeRecipients, long expected)
        throws SmimeException, IOException {
        boolean authenticated = envelope.authenticated();
        List<KeyAndCertificate> refused = new ArrayList<>();
        for (RecipientInformation recipient : envelope.recipients()) {
            Optional<KeyAndCertificate> key = keyFor(recipient.getRID());
            if (key.isEmpty()) {
                continue;
            }
            if (!belongsToARecipient(key.get(), envelopeRecipients)) {
                refused.add(key.get());
                continue;
            }
            ContentDecryption decryption;
            try {
                Key contentKey = ContentKeys.unwrap(recipient, key.get().privateKey(), authenticated || ContentDecryption.isGcm(envelope.algorithm()));
                decryption = ContentDecryption.create(envelope.algorithm(), contentKey);
            } catch (CMSException | GeneralSecurityException | RuntimeException e) {
                throw new SmimeException((authenticated ? "authenticated decryption failed (altered or corrupt message): "
                    : "decryption failed: ") + e.getMessage(), e);
            }
            byte[] outerHeaders;
            try {
                outerHeaders = MimeEntities.headerSection(message);
            } catch (MessagingException e) {
                throw new SmimeException("the encrypted message cannot be read: " + e.getMessage(), e);
            }
            EnvelopedContent.Plaintext plaintext = envelope.decrypt(decryption, outerHeaders.length + HEADER_ROOM, expected);
            try {
                MimeMessage decrypted = MimeEntities.replaceContentInPlace(outerHeaders, plaintext.bytes(), plaintext.start(), plaintext.end(),
                    authenticated);
                return new Decrypted(decrypted, algorithmName(envelope.algorithm().getAlgorithm().getId()), key.get().owner(), authenticated);
            } catch (MessagingException | RuntimeException e) {
                throw new SmimeException("the decrypted content is not MIME: " + e.getMessage(), e);
            }
        }
        in.drain();
        if (!refused.isEmpty()) {
            throw new SmimeException(refusal(refused, envelopeRecipients));
        }
        throw new SmimeException("no stored private key matches any of the " + envelope.recipients().size()
            + " recipients of the message");
    }

    /** The size of the decoded body, from the size of its transfer encoding (base64: 3 bytes in 4), when the message knows it. */
    private long expectedCiphertext(MimeMessage message) {
        try {
            int size = message.getSize();
            if (size < 0) {
                return DEFAULT_EXPECTED;
            }
            String encoding = message.getEncoding();
            long decoded = encoding != null && encoding.trim().equalsIgnoreCase("base64") ? size / 4L * 3 + 3 : size;
            return Math.min(decoded, maxBytes);
        } catch (MessagingException e) {
            return DEFAULT_EXPECTED;
        }
    }

    /** The key's identity is an escrow identity, or its certificate covers one of the envelope recipients. */
    private boolean belongsToARecipient(KeyAndCertificate key, List<String> envelopeRecipients) {
        if (escrowIdentities.contains(key.owner())) {
            return true;
        }
        CertificateFacts facts = facts(key.certificate());
        return envelopeRecipients.stream().anyMatch(address -> facts.bindsAddress(address) || facts.coversDomainOf(address));
    }

    private CertificateFacts facts(X509Certificate certificate) {
        return certificateFacts.computeIfAbsent(certificate, CertificateFacts::of);
    }

    private static String refusal(List<KeyAndCertificate> refused, List<String> envelopeRecipients) {
        String identities = refused.stream()
            .map(key -> "'" + key.owner() + "' (" + CertificateFacts.of(key.certificate()).displayName() + ")")
            .distinct()
            .collect(Collectors.joining(", "));
        String recipients = envelopeRecipients.isEmpty() ? "none" : String.join(", ", envelopeRecipients);
        return "the stored key of identity " + identities + " belongs to none of the envelope recipients (" + recipients
            + "); an identity decrypts only for its own addresses or domains unless it is named in escrowIdentities";
    }

    private Optional<KeyAndCertificate> keyFor(RecipientId id) {
        X500Name issuer = null;
        BigInteger serial = null;
        byte[] ski = null;
        if (id instanceof KeyTransRecipientId) {
            issuer = ((KeyTransRecipientId) id).getIssuer();
            serial = ((KeyTransRecipientId) id).getSerialNumber();
            ski = ((KeyTransRecipientId) id).getSubjectKeyIdentifier();
        } else if (id instanceof KeyAgreeRecipientId) {
            issuer = ((KeyAgreeRecipientId) id).getIssuer();
            serial = ((KeyAgreeRecipientId) id).getSerialNumber();
            ski = ((KeyAgreeRecipientId) id).getSubjectKeyIdentifier();
        }
        if (issuer != null && serial != null) {
            try {
                Optional<KeyAndCertificate> found = keys.byIssuerAndSerial(new X500Principal(issuer.getEncoded()), serial);
                if (found.isPresent()) {
                    return found;
                }
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return ski == null ? Optional.empty() : keys.bySubjectKeyIdentifier(ski);
    }

    private static String algorithmName(String oid) {
        switch (oid) {
            case "2.16.840.1.101.3.4.1.2":
                return "aes128-cbc";
            case "2.16.840.1.101.3.4.1.22":
                return "aes192-cbc";
            case "2.16.840.1.101.3.4.1.42":
                return "aes256-cbc";
            case "2.16.840.1.101.3.4.1.6":
                return "aes128-gcm";
            case "2.16.840.1.101.3.4.1.46":
                return "aes256-gcm";
            case "1.2.840.113549.3.7":
                return "des-ede3-cbc";
            default:
                return oid;
        }
    }

}
