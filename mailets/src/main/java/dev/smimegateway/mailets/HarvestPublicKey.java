package dev.smimegateway.mailets;

import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.apache.james.core.MailAddress;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.MailAddresses;
import dev.smimegateway.core.smime.SmimeAttributes;
import dev.smimegateway.core.smime.VerificationFailure;
import dev.smimegateway.keystore.HarvestRequest;
import dev.smimegateway.keystore.HarvestResult;
import dev.smimegateway.keystore.RiskAlert;
import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.inject.Inject;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * Learns partners' encryption certificates from their signed mail. It goes after
 * {@code SMimeVerify} and reads its verdict from the mail's attributes: it never verifies again, and
 * never looks at the message's certificate bag, which is the sender's to fill. Only the certificate
 * of the signer whose signature SMimeVerify checked is harvested, and only for the addresses of it
 * that the mail's From holds (as the reader sees it).
 * <pre>{@code
 * <mailet match="All" class="dev.smimegateway.mailets.HarvestPublicKey">
 *     <!-- also harvest when the chain failed (UNTRUSTED, EXPIRED, KEY_USAGE, REVOKED_UNKNOWN) but the
 *          signature itself is valid; never from BAD_SIGNATURE, MALFORMED, PARTIAL_SIGNATURE,
 *          FROM_MISMATCH, MULTIPLE_SIGNERS, WEAK_ALGORITHM or REVOKED -->
 *     <harvestOnFailedVerification>false</harvestOnFailedVerification>
 *     <!-- store a newer certificate for an address that has one (it then encrypts; the old one is
 *          kept); when false it is recorded as a rejected update, listed under /smime/harvested/updates -->
 *     <harvestUpdatedKeys>false</harvestUpdatedKeys>
 *     <harvestExpired>false</harvestExpired>          <!-- certificates not valid now -->
 *     <harvestSelfSigned>false</harvestSelfSigned>
 *     <alertWindowHours>48</alertWindowHours>         <!-- two updates for an address or domain within it: alert -->
 *     <alertPostmaster>false</alertPostmaster>        <!-- also mail each alert to the postmaster -->
 *     <maxStoreMegabytes>512</maxStoreMegabytes>      <!-- size cap of the harvested store; LRU eviction -->
 * </mailet>
 * }</pre>
 * A certificate is never harvested when it cannot receive encrypted mail (keyEncipherment for RSA,
 * keyAgreement for EC, emailProtection when extendedKeyUsage is present), when none of its addresses
 * is the From address, or when the signature over the content did not verify. The signer's announced
 * smimeCapabilities are recorded for its certificate with its signing time (the newest wins; a time
 * in the future counts as now); SMimeEncrypt reads those of the certificate it encrypts to, to choose
 * GCM. Kept per certificate, so a refused update never changes how mail to the known key is sent.
 *
 * <p>Sets {@code smime.harvest} on the mail: the outcome ({@code STORED}, {@code UPDATED},
 * {@code UPDATE_REJECTED}, {@code SEEN_AGAIN}, {@code ALREADY_KNOWN}, {@code OLDER}), or {@code skipped: <reason>}.
 * A key store failure never holds the mail up: it goes on, and the failure is logged and counted.
 *
 * <p>Metrics (James's {@code MetricFactory}): {@code smime.harvest.<OUTCOME>} for each outcome above
 * (e.g. {@code smime.harvest.STORED}), {@code smime.harvest.skipped} (a signed mail whose certificate
 * is not harvested), {@code smime.harvest.alerts} (risk alerts raised: two updates for an address or
 * domain within {@code alertWindowHours}), {@code smime.harvest.failed.KEY_STORE}, and the timer
 * {@code smime.harvest.time}.
 */
public class HarvestPublicKey extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(HarvestPublicKey.class);
    private static final AttributeName OUTCOME = AttributeName.of(SmimeAttributes.HARVEST);

    /** The verdicts that leave the signed content genuine and only the certificate in doubt. */
    private static final Set<VerificationFailure> CHAIN_FAILURES = EnumSet.of(VerificationFailure.UNTRUSTED, VerificationFailure.EXPIRED,
        VerificationFailure.KEY_USAGE, VerificationFailure.REVOKED_UNKNOWN);

    private static final String SKIPPED = "skipped";
    private static final String ALERTS = "alerts";

    private final SmimeKeyStore keyStore;
    private final GatewayMetrics metrics;
    private final Clock clock;
    private final AtomicLong failures = new AtomicLong();
    private boolean onFailedVerification;
    private boolean updatedKeys;
    private boolean expired;
    private boolean selfSigned;
    private boolean alertPostmaster;
    private Duration alertWindow;
    private long capacityBytes;

    /** Without metrics, for use outside James (tests, benchmarks). */
    public HarvestPublicKey(SmimeKeyStore keyStore) {
        this(keyStore, GatewayMetrics.none(), Clock.systemUTC());
    }

    @Inject
    public HarvestPublicKey(SmimeKeyStore keyStore, MetricFactory metricFactory) {
        this(keyStore, metricFactory, Clock.systemUTC());
    }

    HarvestPublicKey(SmimeKeyStore keyStore, Clock clock) {
        this(keyStore, GatewayMetrics.none(), clock);
    }

    HarvestPublicKey(SmimeKeyStore keyStore, MetricFactory metricFactory, Clock clock) {
        this.keyStore = keyStore;
        this.metrics = new GatewayMetrics(metricFactory, "harvest",
            Stream.concat(GatewayMetrics.names(HarvestResult.Outcome.values()).stream(), Stream.of(SKIPPED, ALERTS)).toList(), List.of());
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        onFailedVerification = MailetParameters.bool(this, "harvestOnFailedVerification", false);
        updatedKeys = MailetParameters.bool(this, "harvestUpdatedKeys", false);
        expired = MailetParameters.bool(this, "harvestExpired", false);
        selfSigned = MailetParameters.bool(this, "harvestSelfSigned", false);
        alertPostmaster = MailetParameters.bool(this, "alertPostmaster", false);
        alertWindow = Duration.ofHours(MailetParameters.wholeNumber(this, "alertWindowHours", 48, 1, 24 * 365));
        capacityBytes = MailetParameters.wholeNumber(this, "maxStoreMegabytes", 512, 1, 1024 * 1024) * 1024L * 1024L;
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        metrics.measure(mail, this::harvest);
    }

    private void harvest(Mail mail) {
        mail.removeAttribute(OUTCOME);
        Optional<HarvestRequest> request;
        try {
            request = request(mail);
        } catch (Refusal refusal) {
            metrics.count(SKIPPED);
            MailAttributes.set(mail, SmimeAttributes.HARVEST, "skipped: " + refusal.getMessage());
            LOGGER.debug("Not harvesting from mail {}: {}", mail.getName(), refusal.getMessage());
            return;
        }
        if (request.isEmpty()) {
            return;
        }
        try {
            HarvestResult result = keyStore.harvest(request.get());
            MailAttributes.set(mail, SmimeAttributes.HARVEST, result.outcome().name());
            metrics.count(result.outcome().name());
            result.alert().ifPresent(alert -> {
                metrics.count(ALERTS);
                mailPostmaster(alert, mail);
            });
        } catch (RuntimeException e) {
            long count = failures.incrementAndGet();
            metrics.keyStoreFailed();
            MailAttributes.set(mail, SmimeAttributes.HARVEST, "skipped: the key store failed");
            LOGGER.error("Cannot harvest the certificate of mail {} ({} harvest failures since start); the mail goes on: {}",
                mail.getName(), count, e.getMessage(), e);
        }
    }

    /** Harvest failures since this mailet started (the key store unreachable, ...). */
    long failures() {
        return failures.get();
    }

    /** What to harvest from the mail; empty for mail without a checked signature; a refusal says why not. */
    private Optional<HarvestRequest> request(Mail mail) throws Refusal {
        Optional<String> encoded = text(mail, SmimeAttributes.SIGNER_CERTIFICATE);
        if (encoded.isEmpty()) {
            return Optional.empty();
        }
        if (!flag(mail, SmimeAttributes.SIGNATURE_VALID)) {
            throw new Refusal("the signature over the content did not verify");
        }
        if (!flag(mail, SmimeAttributes.VERIFIED)) {
            VerificationFailure failure = text(mail, SmimeAttributes.VERIFICATION_FAILURE).map(HarvestPublicKey::failure)
                .orElse(VerificationFailure.MALFORMED);
            if (!CHAIN_FAILURES.contains(failure)) {
                throw new Refusal("verification failed with " + failure + ", which is never harvested");
            }
            if (!onFailedVerification) {
                throw new Refusal("verification failed with " + failure + " (harvestOnFailedVerification is off)");
            }
        }
        CertificateFacts certificate;
        try {
            certificate = CertificateFacts.fromDer(Base64.getDecoder().decode(encoded.get()));
        } catch (RuntimeException e) {
            throw new Refusal("the signer's certificate cannot be read: " + e.getMessage());
        }
        Instant now = clock.instant();
        if (!expired && !certificate.isValidAt(now)) {
            throw new Refusal("the certificate is not valid now (" + certificate.notBefore() + " to " + certificate.notAfter() + ")");
        }
        if (!selfSigned && isSelfSigned(certificate)) {
            throw new Refusal("the certificate is self-signed");
        }
        if (!certificate.canReceiveEncryptedMail()) {
            throw new Refusal("the certificate cannot receive encrypted mail (it needs " + certificate.encryptionKeyUsageName() + ")");
        }
        List<String> addresses;
        Optional<String> messageId;
        try {
            addresses = fromAddressesBoundBy(mail.getMessage(), certificate);
            messageId = Optional.ofNullable(mail.getMessage().getMessageID());
        } catch (MessagingException e) {
            throw new Refusal("the From or Message-ID header cannot be read: " + e.getMessage());
        }
        if (addresses.isEmpty()) {
            throw new Refusal("none of the certificate's addresses " + certificate.emailAddresses() + " is the From address");
        }
        return Optional.of(new HarvestRequest(certificate, addresses, messageId, updatedKeys, alertWindow, capacityBytes,
            text(mail, SmimeAttributes.SIGNER_CAPABILITIES), signingTime(mail)));
    }

    private static List<String> fromAddressesBoundBy(MimeMessage message, CertificateFacts certificate) throws MessagingException {
        List<String> result = new ArrayList<>();
        Address[] from = message.getFrom();
        for (Address address : from == null ? new Address[0] : from) {
            if (address instanceof InternetAddress internet && internet.getAddress() != null) {
                String normalised = MailAddresses.normalise(internet.getAddress());
                if (certificate.bindsAddress(normalised) && !result.contains(normalised)) {
                    result.add(normalised);
                }
            }
        }
        return result;
    }

    private static boolean isSelfSigned(CertificateFacts certificate) {
        if (certificate.isSelfIssued()) {
            return true;
        }
        try {
            certificate.certificate().verify(certificate.certificate().getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private void mailPostmaster(RiskAlert alert, Mail mail) {
        if (!alertPostmaster) {
            return;
        }
        try {
            MailAddress postmaster = getMailetContext().getPostmaster();
            MimeMessage message = new MimeMessage(jakarta.mail.Session.getInstance(new java.util.Properties()));
            message.setFrom(new InternetAddress(postmaster.asString()));
            message.setRecipient(jakarta.mail.Message.RecipientType.TO, new InternetAddress(postmaster.asString()));
            message.setSubject("S/MIME risk alert: updated certificates for " + alert.subject(), "UTF-8");
            message.setText("The S/MIME gateway raised a risk alert.\n\n" + alert.detail() + "\n\nIt came with mail " + mail.getName()
                + ". Review it with GET /smime/alerts and GET /smime/harvested/updates, and acknowledge it with "
                + "POST /smime/alerts/" + alert.id() + "?action=ack\n", "UTF-8");
            message.saveChanges();
            getMailetContext().sendMail(postmaster, List.of(postmaster), message);
        } catch (MessagingException | RuntimeException e) {
            LOGGER.error("Cannot mail S/MIME risk alert {} to the postmaster: {}", alert.id(), e.getMessage(), e);
        }
    }

    private static Optional<Instant> signingTime(Mail mail) {
        try {
            return text(mail, SmimeAttributes.SIGNING_TIME).map(Instant::parse);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static VerificationFailure failure(String name) {
        try {
            return VerificationFailure.valueOf(name);
        } catch (IllegalArgumentException e) {
            return VerificationFailure.MALFORMED;
        }
    }

    private static Optional<String> text(Mail mail, String name) {
        return mail.getAttribute(AttributeName.of(name)).map(attribute -> String.valueOf(attribute.getValue().getValue()));
    }

    private static boolean flag(Mail mail, String name) {
        return text(mail, name).map(Boolean::parseBoolean).orElse(false);
    }

    /** Why a mail's certificate is not harvested. */
    private static final class Refusal extends Exception {
        Refusal(String reason) {
            super(reason, null, false, false);
        }
    }

    @Override
    public String getMailetInfo() {
        return "S/MIME public key harvesting";
    }
}
