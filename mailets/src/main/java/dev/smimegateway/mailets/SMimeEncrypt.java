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
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.james.core.MailAddress;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetException;
import org.apache.mailet.ProcessingState;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.certificate.KeyKind;
import dev.smimegateway.core.smime.ContentEncryption;
import dev.smimegateway.core.smime.KeyTransport;
import dev.smimegateway.core.smime.SmimeAttributes;
import dev.smimegateway.core.smime.SmimeCapabilities;
import dev.smimegateway.core.smime.SmimeEncryptor;
import dev.smimegateway.core.smime.SmimeException;
import dev.smimegateway.keystore.EncryptionTarget;
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
 *     <!-- leave algorithm out to choose per message: aes256-gcm when every recipient announced it,
 *          else compatibleAlgorithm. Set it (aes256-cbc, aes128-cbc, aes256-gcm, aes128-gcm) to use
 *          it for every message, whatever the recipients announced -->
 *     <!-- <algorithm>aes256-cbc</algorithm> -->
 *     <!-- when some recipient did not announce aes256-gcm: aes256-cbc (default: every client,
 *          Outlook included, reads it), aes128-cbc, aes256-gcm or aes128-gcm (GCM detects
 *          tampering; Outlook, NSS 3.87 and gpgsm 2.2 cannot read it) -->
 *     <compatibleAlgorithm>aes256-cbc</compatibleAlgorithm>
 *     <!-- for RSA recipients; leave it out for rsa-oaep when every RSA recipient announced it, else
 *          rsa-pkcs1. Set rsa-pkcs1 or rsa-oaep to use it always. EC recipients get ECDH -->
 *     <!-- <keyTransport>rsa-pkcs1</keyTransport> -->
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
 * <b>Choosing the encryption.</b> A partner's client announces what it can decrypt in the
 * smimeCapabilities of its signed mail (RFC 8551 section 2.5.2); {@code HarvestPublicKey} keeps the
 * newest announcement of each address, and this mailet uses it as RFC 8551 section 2.7.1 asks: a
 * message gets AES-256-GCM only when every one of its recipients announced it, since one message
 * serves them all, and RSA-OAEP only when every RSA recipient announced it. A recipient that never
 * sent us signed mail with an announcement (also one reached through its domain's gateway
 * certificate) counts as announcing neither, so mail to it gets {@code compatibleAlgorithm} and
 * RSA PKCS#1 v1.5. The {@code extraCertificates} announce nothing and do not constrain the choice:
 * an archive key is read by this gateway's own SMimeDecrypt, which reads GCM and OAEP; pin
 * {@code algorithm} and {@code keyTransport} if it is read by a tool that cannot.
 *
 * <p>A mail that would be bounced but has a null sender ({@code <>}: itself a bounce or a notification)
 * goes to the {@code error} processor instead: a bounce to {@code <>} reaches nobody.
 * Headers (From, To, Subject) stay visible on encrypted mail, as in all S/MIME, unless
 * {@code protectHeaders} is on. Sets {@code smime.encrypted}, {@code smime.encryption.algorithm},
 * {@code smime.encryption.key-transport} (what RSA recipients got) and {@code smime.encryption.choice}:
 * why that content encryption, {@code pinned} ({@code algorithm} is set), {@code announced} (every
 * recipient announced aes256-gcm) or {@code compatible-default} ({@code compatibleAlgorithm}).
 * To split with matchers instead, put {@code RecipientHasSmimeCertificate} on this mailet: the other
 * recipients then go on unencrypted by James's own matcher split.
 *
 * <p>Metrics (James's {@code MetricFactory}): {@code smime.encrypt.encrypted} (mails encrypted),
 * {@code smime.encrypt.failed.NO_CERTIFICATE} (mails with a recipient without certificate, whatever
 * {@code missingCertificate} then did: a split mail is also counted encrypted),
 * {@code smime.encrypt.failed.ENCRYPTION_ERROR}, {@code smime.encrypt.failed.KEY_STORE}, and the timer
 * {@code smime.encrypt.time}.
 */
public class SMimeEncrypt extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(SMimeEncrypt.class);

    private static final String PINNED = "pinned";
    private static final String ANNOUNCED = "announced";
    private static final String COMPATIBLE_DEFAULT = "compatible-default";
    /** What a recipient that never announced anything, or whose announcement cannot be read, counts as announcing. */
    private static final SmimeCapabilities NOTHING = new SmimeCapabilities(List.of(), false);

    /** Why a mail was not (wholly) encrypted, as counted in {@code smime.encrypt.failed.<REASON>}. */
    enum Failure {
        /** A recipient has no usable encryption certificate. */
        NO_CERTIFICATE,
        /** Encryption itself failed (the engine threw). */
        ENCRYPTION_ERROR
    }

    private final SmimeKeyStore keyStore;
    private final GatewayMetrics metrics;
    private Optional<ContentEncryption> pinnedAlgorithm;
    private ContentEncryption compatibleAlgorithm;
    private Optional<KeyTransport> pinnedKeyTransport;
    private FailureAction missingCertificate;
    private List<String> extraCertificates;
    private Optional<String> subjectPlaceholder;

    /** The encryption of one message, and why that content encryption ({@code smime.encryption.choice}). */
    private record Choice(ContentEncryption algorithm, KeyTransport keyTransport, String reason) {
    }

    /** Without metrics, for use outside James (tests, benchmarks). */
    public SMimeEncrypt(SmimeKeyStore keyStore) {
        this(keyStore, GatewayMetrics.none());
    }

    @Inject
    public SMimeEncrypt(SmimeKeyStore keyStore, MetricFactory metricFactory) {
        this.keyStore = keyStore;
        this.metrics = new GatewayMetrics(metricFactory, "encrypt", List.of("encrypted"), GatewayMetrics.names(Failure.values()));
    }

    @Override
    public void init() throws MessagingException {
        pinnedAlgorithm = parameter("algorithm", ContentEncryption::parse);
        compatibleAlgorithm = parameter("compatibleAlgorithm", ContentEncryption::parse).orElse(ContentEncryption.AES256_CBC);
        pinnedKeyTransport = parameter("keyTransport", KeyTransport::parse);
        // pass is refused: mail would leave unencrypted, silently, for a recipient without a certificate
        missingCertificate = FailureAction.parse(this, "missingCertificate", FailureAction.Kind.BOUNCE,
            EnumSet.of(FailureAction.Kind.BOUNCE, FailureAction.Kind.DROP, FailureAction.Kind.SPLIT, FailureAction.Kind.PROCESSOR));
        extraCertificates = Arrays.stream(getInitParameter("extraCertificates", "").split(","))
            .map(String::trim).filter(name -> !name.isEmpty()).collect(Collectors.toList());
        boolean protectHeaders = getBooleanParameter(getInitParameter("protectHeaders"), false);
        subjectPlaceholder = protectHeaders ? Optional.of(getInitParameter("subjectPlaceholder", "[...]")) : Optional.empty();
    }

    /** The parameter's value read by {@code parse}; empty when it is absent or blank. */
    private <T> Optional<T> parameter(String name, Function<String, T> parse) throws MailetException {
        Optional<String> value = Optional.ofNullable(getInitParameter(name)).filter(text -> !text.isBlank());
        try {
            return value.map(parse);
        } catch (IllegalArgumentException e) {
            throw new MailetException("SMimeEncrypt: " + name + ": " + e.getMessage());
        }
    }

    @Override
    public Collection<ProcessingState> requiredProcessingState() {
        return missingCertificate.requiredProcessingState();
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        metrics.measure(mail, this::encrypt);
    }

    private void encrypt(Mail mail) throws MessagingException {
        Map<MailAddress, EncryptionTarget> targets = new LinkedHashMap<>();
        List<MailAddress> without = new ArrayList<>();
        for (MailAddress recipient : mail.getRecipients()) {
            keyStore.encryptionTargetFor(recipient.asString()).ifPresentOrElse(target -> targets.put(recipient, target),
                () -> without.add(recipient));
        }
        if (!without.isEmpty() && !handleMissing(mail, without)) {
            return;
        }
        Choice choice = choose(mail, targets);
        List<X509Certificate> certificates = targets.values().stream().map(EncryptionTarget::certificate)
            .collect(Collectors.toCollection(ArrayList::new));
        certificates.addAll(extraCertificates());
        try {
            SmimeEncryptor encryptor = new SmimeEncryptor(choice.algorithm(), choice.keyTransport());
            mail.setMessage(encryptor.encrypt(mail.getMessage(), certificates, subjectPlaceholder));
            mail.setAttribute(new Attribute(AttributeName.of(SmimeAttributes.ENCRYPTED), AttributeValue.of(true)));
            mail.setAttribute(new Attribute(AttributeName.of(SmimeAttributes.ENCRYPTION_ALGORITHM),
                AttributeValue.of(choice.algorithm().parameterName())));
            mail.setAttribute(new Attribute(AttributeName.of(SmimeAttributes.ENCRYPTION_KEY_TRANSPORT),
                AttributeValue.of(choice.keyTransport().parameterName())));
            mail.setAttribute(new Attribute(AttributeName.of(SmimeAttributes.ENCRYPTION_CHOICE), AttributeValue.of(choice.reason())));
            metrics.count("encrypted");
            LOGGER.debug("Encrypted mail {} ({}, {}, {}) to {}", mail.getName(), choice.algorithm().parameterName(),
                choice.keyTransport().parameterName(), choice.reason(), targets.keySet());
        } catch (SmimeException | RuntimeException e) {
            String reason = "S/MIME encryption failed: " + e.getMessage();
            metrics.failed(Failure.ENCRYPTION_ERROR.name());
            LOGGER.error("Cannot encrypt mail {} from {}: {}", mail.getName(), mail.getMaybeSender().asString(), reason, e);
            mail.setAttribute(new Attribute(AttributeName.of(SmimeAttributes.FAILURE), AttributeValue.of(reason)));
            FailureAction.bounce(mail, reason, reason, getMailetContext(), LOGGER);
        }
    }

    /** What is pinned, else the strongest that every recipient announced; extra certificates do not count. */
    private Choice choose(Mail mail, Map<MailAddress, EncryptionTarget> targets) {
        Map<MailAddress, SmimeCapabilities> announced = new LinkedHashMap<>();
        targets.forEach((recipient, target) -> announced.put(recipient, announcedBy(recipient, target)));
        KeyTransport keyTransport = pinnedKeyTransport.orElseGet(() -> announcedKeyTransport(targets, announced));
        if (pinnedAlgorithm.isPresent()) {
            return new Choice(pinnedAlgorithm.get(), keyTransport, PINNED);
        }
        List<MailAddress> withoutGcm = announced.entrySet().stream()
            .filter(entry -> !entry.getValue().contentEncryption().contains(ContentEncryption.AES256_GCM))
            .map(Map.Entry::getKey).toList();
        if (withoutGcm.isEmpty()) {
            return new Choice(ContentEncryption.AES256_GCM, keyTransport, ANNOUNCED);
        }
        LOGGER.debug("Mail {}: {} did not announce aes256-gcm; encrypting with compatibleAlgorithm {}", mail.getName(), withoutGcm,
            compatibleAlgorithm.parameterName());
        return new Choice(compatibleAlgorithm, keyTransport, COMPATIBLE_DEFAULT);
    }

    private static SmimeCapabilities announcedBy(MailAddress recipient, EncryptionTarget target) {
        try {
            return target.capabilities().map(SmimeCapabilities::parse).orElse(NOTHING);
        } catch (IllegalArgumentException e) {
            LOGGER.debug("Announced S/MIME capabilities of {} cannot be read, counted as none: {}", recipient.asString(), e.getMessage());
            return NOTHING;
        }
    }

    /** rsa-oaep when there are RSA recipients and every one announced it, else rsa-pkcs1; EC recipients get ECDH either way. */
    private static KeyTransport announcedKeyTransport(Map<MailAddress, EncryptionTarget> targets, Map<MailAddress, SmimeCapabilities> announced) {
        List<MailAddress> rsaRecipients = targets.entrySet().stream()
            .filter(entry -> KeyKind.of(entry.getValue().certificate().getPublicKey()).equals(Optional.of(KeyKind.RSA)))
            .map(Map.Entry::getKey).toList();
        boolean allAnnouncedOaep = !rsaRecipients.isEmpty() && rsaRecipients.stream().allMatch(recipient -> announced.get(recipient).rsaOaep());
        return allAnnouncedOaep ? KeyTransport.RSA_OAEP : KeyTransport.RSA_PKCS1;
    }

    /** Applies missingCertificate; true when the mail (now only for recipients with certificates) is to be encrypted. */
    private boolean handleMissing(Mail mail, List<MailAddress> without) throws MessagingException {
        String names = without.stream().map(MailAddress::asString).collect(Collectors.joining(", "));
        String reason = "no S/MIME encryption certificate for " + names;
        metrics.failed(Failure.NO_CERTIFICATE.name());
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
