package dev.smimegateway.mailets;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetException;
import org.apache.mailet.ProcessingState;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.smime.ContentEncryption;
import dev.smimegateway.core.smime.KeyTransport;
import dev.smimegateway.core.smime.SmimeAttributes;
import dev.smimegateway.core.smime.SmimeEncryptor;
import dev.smimegateway.core.smime.SmimeException;
import dev.smimegateway.keystore.SmimeKeyStore;
import dev.smimegateway.keystore.StoredCertificate;
import jakarta.inject.Inject;
import jakarta.mail.MessagingException;

/**
 * Encrypts outgoing mail with S/MIME (RFC 8551) to every recipient's certificate: the certificate
 * holding the exact address, else a domain certificate covering it (a partner's gateway), newest
 * first; expired, not-yet-valid and non-encryption certificates are skipped. One encrypted message
 * carries a RecipientInfo per recipient, plus any {@code extraCertificates} (an archive key).
 *
 * <pre>{@code
 * <mailet match="RecipientIsRegex=.*@partner\.example" class="dev.smimegateway.mailets.SMimeEncrypt">
 *     <!-- aes256-cbc (default: every client reads it), aes128-cbc, aes256-gcm, aes128-gcm
 *          (GCM detects tampering; Outlook, NSS 3.87 and gpgsm 2.2 cannot read it) -->
 *     <algorithm>aes256-cbc</algorithm>
 *     <!-- rsa-pkcs1 (default) or rsa-oaep, for RSA recipients; EC recipients get ECDH -->
 *     <keyTransport>rsa-pkcs1</keyTransport>
 *     <!-- when a recipient has no certificate: bounce (default) the mail to its sender, drop it,
 *          split it (encrypted to the recipients with certificates, a plain copy for the others
 *          sent to splitProcessor), or the name of a processor to move it to, unencrypted;
 *          pass is refused: it would send the mail plain without anybody knowing -->
 *     <missingCertificate>bounce</missingCertificate>
 *     <splitProcessor>relay</splitProcessor>
 *     <!-- names of stored certificates (/smime/certificates) every message is also encrypted to -->
 *     <extraCertificates>archive</extraCertificates>
 *     <!-- RFC 9788: copy From/To/Subject/... into the encrypted part, show this Subject outside -->
 *     <protectHeaders>false</protectHeaders>
 *     <subjectPlaceholder>[...]</subjectPlaceholder>
 * </mailet>
 * }</pre>
 * A mail that would be bounced but has a null sender ({@code <>}: itself a bounce or a notification)
 * goes to the {@code error} processor instead: a bounce to {@code <>} reaches nobody.
 * Headers (From, To, Subject) stay visible on encrypted mail, as in all S/MIME, unless
 * {@code protectHeaders} is on. Sets {@code smime.encrypted} and {@code smime.encryption.algorithm}.
 * To split with matchers instead, put {@code RecipientHasSmimeCertificate} on this mailet: the other
 * recipients then go on unencrypted by James's own matcher split.
 */
public class SMimeEncrypt extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(SMimeEncrypt.class);

    private final SmimeKeyStore keyStore;
    private SmimeEncryptor encryptor;
    private ContentEncryption algorithm;
    private FailureAction missingCertificate;
    private List<String> extraCertificates;
    private Optional<String> subjectPlaceholder;

    @Inject
    public SMimeEncrypt(SmimeKeyStore keyStore) {
        this.keyStore = keyStore;
    }

    @Override
    public void init() throws MessagingException {
        try {
            algorithm = ContentEncryption.parse(getInitParameter("algorithm", "aes256-cbc"));
            KeyTransport keyTransport = KeyTransport.parse(getInitParameter("keyTransport", "rsa-pkcs1"));
            encryptor = new SmimeEncryptor(algorithm, keyTransport);
        } catch (IllegalArgumentException e) {
            throw new MailetException("SMimeEncrypt: " + e.getMessage());
        }
        // pass is refused: mail would leave unencrypted, silently, for a recipient without a certificate
        missingCertificate = FailureAction.parse(this, "missingCertificate", FailureAction.Kind.BOUNCE,
            EnumSet.of(FailureAction.Kind.BOUNCE, FailureAction.Kind.DROP, FailureAction.Kind.SPLIT, FailureAction.Kind.PROCESSOR));
        extraCertificates = Arrays.stream(getInitParameter("extraCertificates", "").split(","))
            .map(String::trim).filter(name -> !name.isEmpty()).collect(Collectors.toList());
        boolean protectHeaders = getBooleanParameter(getInitParameter("protectHeaders"), false);
        subjectPlaceholder = protectHeaders ? Optional.of(getInitParameter("subjectPlaceholder", "[...]")) : Optional.empty();
    }

    @Override
    public Collection<ProcessingState> requiredProcessingState() {
        return missingCertificate.requiredProcessingState();
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        Map<MailAddress, X509Certificate> withCertificate = new LinkedHashMap<>();
        List<MailAddress> without = new ArrayList<>();
        for (MailAddress recipient : mail.getRecipients()) {
            List<X509Certificate> certificates = keyStore.encryptionCertificatesFor(recipient.asString());
            if (certificates.isEmpty()) {
                without.add(recipient);
            } else {
                withCertificate.put(recipient, certificates.get(0));
            }
        }
        if (!without.isEmpty() && !handleMissing(mail, without)) {
            return;
        }
        List<X509Certificate> certificates = new ArrayList<>(withCertificate.values());
        certificates.addAll(extraCertificates());
        try {
            mail.setMessage(encryptor.encrypt(mail.getMessage(), certificates, subjectPlaceholder));
            mail.setAttribute(new Attribute(AttributeName.of(SmimeAttributes.ENCRYPTED), AttributeValue.of(true)));
            mail.setAttribute(new Attribute(AttributeName.of(SmimeAttributes.ENCRYPTION_ALGORITHM), AttributeValue.of(algorithm.parameterName())));
            LOGGER.debug("Encrypted mail {} ({}) to {}", mail.getName(), algorithm.parameterName(), withCertificate.keySet());
        } catch (SmimeException | RuntimeException e) {
            String reason = "S/MIME encryption failed: " + e.getMessage();
            LOGGER.error("Cannot encrypt mail {} from {}: {}", mail.getName(), mail.getMaybeSender().asString(), reason, e);
            mail.setAttribute(new Attribute(AttributeName.of(SmimeAttributes.FAILURE), AttributeValue.of(reason)));
            FailureAction.bounce(mail, reason, reason, getMailetContext(), LOGGER);
        }
    }

    /** Applies missingCertificate; true when the mail (now only for recipients with certificates) is to be encrypted. */
    private boolean handleMissing(Mail mail, List<MailAddress> without) throws MessagingException {
        String names = without.stream().map(MailAddress::asString).collect(Collectors.joining(", "));
        String reason = "no S/MIME encryption certificate for " + names;
        mail.setAttribute(new Attribute(AttributeName.of(SmimeAttributes.FAILURE), AttributeValue.of(reason)));
        if (missingCertificate.splits()) {
            return missingCertificate.split(mail, without, getMailetContext(), LOGGER);
        }
        missingCertificate.apply(mail, reason, "Message not sent: " + reason, getMailetContext(), LOGGER);
        return false;
    }

    private List<X509Certificate> extraCertificates() {
        List<X509Certificate> result = new ArrayList<>();
        for (String name : extraCertificates) {
            Optional<StoredCertificate> stored = keyStore.certificate(name);
            if (stored.isPresent()) {
                result.add(stored.get().certificate().certificate());
            } else {
                LOGGER.warn("SMimeEncrypt: extra certificate '{}' is not in the key store; mail is encrypted without it", name);
            }
        }
        return result;
    }

    @Override
    public String getMailetInfo() {
        return "S/MIME encryption";
    }
}
