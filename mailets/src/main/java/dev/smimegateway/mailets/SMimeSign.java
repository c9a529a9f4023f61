package dev.smimegateway.mailets;

import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

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

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.smime.DigestAlgorithm;
import dev.smimegateway.core.smime.SignMode;
import dev.smimegateway.core.smime.SmimeAttributes;
import dev.smimegateway.core.smime.SmimeException;
import dev.smimegateway.core.smime.SmimeSigner;
import dev.smimegateway.keystore.SigningIdentity;
import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.inject.Inject;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * Signs outgoing mail with S/MIME (RFC 8551).
 *
 * <p>The signing identity is either a named organisation identity, or the sender's own: the active
 * identity whose certificate holds the From address, else the active organisation identity whose
 * subjectAltName covers the sender's domain. Keys are administered under {@code /smime/identities}.
 * When no usable identity exists (none, expired, not yet valid, key usage forbids signing) the mail
 * is bounced to its sender with the reason and not delivered unsigned, unless {@code onFailure}
 * says otherwise. Mail an authenticated SMTP user submitted is signed only when its From is that
 * user's own address (James's {@code verifyIdentity} checks only MAIL FROM), else it is handled by
 * {@code onFailure} too. A mail with a null sender ({@code <>}: a bounce or a notification) is never
 * bounced, since nobody would receive the bounce: it goes to the {@code error} processor.
 *
 * <pre>{@code
 * <mailet match="SenderHostIs=example.com" class="dev.smimegateway.mailets.SMimeSign">
 *     <!-- optional: always sign with this identity instead of the sender's -->
 *     <identity>example-org</identity>
 *     <!-- detached (multipart/signed, default) or opaque (application/pkcs7-mime) -->
 *     <mode>detached</mode>
 *     <!-- sha256 (default), sha384 or sha512; Ed25519 keys always use sha512 -->
 *     <digest>sha256</digest>
 *     <!-- pkcs1 (default) or pss, for RSA keys -->
 *     <rsaPadding>pkcs1</rsaPadding>
 *     <!-- when the mail cannot be signed: bounce (default) it to its sender, pass it on unsigned,
 *          or the name of a processor to move it to; drop and split are refused -->
 *     <onFailure>bounce</onFailure>
 *     <!-- true: also sign From, To, Cc, Subject, Date, Message-ID, Reply-To, In-Reply-To and
 *          References inside the signed content (RFC 9788); with SMimeEncrypt's protectHeaders, the
 *          receiving gateway restores the real Subject from there after verifying -->
 *     <protectHeaders>false</protectHeaders>
 * </mailet>
 * }</pre>
 * The content is re-encoded 7-bit safe and CRLF-canonical before signing, so relays that convert
 * 8bit or rewrite line ends do not break the signature; the outer headers are kept. Sets the mail
 * attributes {@code smime.signed} and {@code smime.signer}, or, when the mail is not signed,
 * {@code smime.failure} with the reason.
 *
 * <p>Metrics (James's {@code MetricFactory}): {@code smime.sign.signed}, {@code smime.sign.failed.<REASON>}
 * for each {@link Failure} and {@code KEY_STORE}, and the timer {@code smime.sign.time}.
 */
public class SMimeSign extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(SMimeSign.class);

    /** Why a mail was not signed, as counted in {@code smime.sign.failed.<REASON>}. */
    enum Failure {
        /** An authenticated SMTP user's mail whose From is somebody else's address. */
        IMPERSONATION,
        /** No signing identity for the sender (or the named identity does not exist), or no sender address. */
        NO_IDENTITY,
        /** The named identity is decrypt-only. */
        DECRYPT_ONLY,
        /** The identity's certificate has expired. */
        CERTIFICATE_EXPIRED,
        /** The identity's certificate is not valid yet. */
        CERTIFICATE_NOT_YET_VALID,
        /** The identity's certificate may not sign mail (keyUsage or extendedKeyUsage). */
        KEY_USAGE,
        /** Signing itself failed (the engine threw). */
        SIGNING_ERROR
    }

    /** A reason not to sign: its kind for the metrics, and the words for the sender and the log. */
    private record Refusal(Failure failure, String reason) {
    }

    private final SmimeKeyStore keyStore;
    private final GatewayMetrics metrics;
    private final Clock clock;
    private Optional<String> identityName;
    private SignMode mode;
    private DigestAlgorithm digest;
    private boolean rsaPss;
    private boolean protectHeaders;
    private FailureAction onFailure;

    /** Without metrics, for use outside James (tests, benchmarks). */
    public SMimeSign(SmimeKeyStore keyStore) {
        this(keyStore, GatewayMetrics.none(), Clock.systemUTC());
    }

    @Inject
    public SMimeSign(SmimeKeyStore keyStore, MetricFactory metricFactory) {
        this(keyStore, metricFactory, Clock.systemUTC());
    }

    SMimeSign(SmimeKeyStore keyStore, Clock clock) {
        this(keyStore, GatewayMetrics.none(), clock);
    }

    SMimeSign(SmimeKeyStore keyStore, MetricFactory metricFactory, Clock clock) {
        this.keyStore = keyStore;
        this.metrics = new GatewayMetrics(metricFactory, "sign", List.of("signed"), GatewayMetrics.names(Failure.values()));
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        identityName = Optional.ofNullable(getInitParameter("identity")).map(String::trim).filter(name -> !name.isEmpty());
        mode = parameter("mode", "detached", SignMode::parse);
        digest = parameter("digest", "sha256", DigestAlgorithm::parse);
        String padding = getInitParameter("rsaPadding", "pkcs1").trim();
        if (!padding.equals("pkcs1") && !padding.equals("pss")) {
            throw new MailetException("SMimeSign: rsaPadding must be pkcs1 or pss, not '" + padding + "'");
        }
        rsaPss = padding.equals("pss");
        onFailure = FailureAction.parse(this, "onFailure", FailureAction.Kind.BOUNCE,
            EnumSet.of(FailureAction.Kind.BOUNCE, FailureAction.Kind.PASS, FailureAction.Kind.PROCESSOR));
        protectHeaders = MailetParameters.bool(this, "protectHeaders", false);
        identityName.ifPresent(name -> {
            if (keyStore.identity(name).isEmpty()) {
                LOGGER.warn("SMimeSign: identity '{}' does not exist yet; mail will be handled with onFailure until it is added", name);
            }
        });
    }

    private <T> T parameter(String name, String defaultValue, java.util.function.Function<String, T> parser) throws MailetException {
        try {
            return parser.apply(getInitParameter(name, defaultValue));
        } catch (IllegalArgumentException e) {
            throw new MailetException("SMimeSign: parameter " + name + ": " + e.getMessage());
        }
    }

    @Override
    public Collection<ProcessingState> requiredProcessingState() {
        return onFailure.requiredProcessingState();
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        metrics.measure(mail, this::sign);
    }

    private void sign(Mail mail) throws MessagingException {
        Optional<String> sender = senderAddress(mail);
        Optional<Refusal> impersonation = impersonation(mail, sender);
        if (impersonation.isPresent()) {
            fail(mail, impersonation.get());
            return;
        }
        Optional<SigningIdentity> identity = identityName.isPresent()
            ? keyStore.signingIdentity(identityName.get())
            : sender.flatMap(keyStore::signingIdentityFor);
        Optional<Refusal> problem = identity.map(this::unusable).orElseGet(() -> Optional.of(noIdentityReason(sender)));
        if (problem.isPresent()) {
            fail(mail, problem.get());
            return;
        }
        SigningIdentity signer = identity.get();
        try {
            MimeMessage signed = new SmimeSigner(signer.privateKey(), signer.chain(), digest, rsaPss).sign(mail.getMessage(), mode, protectHeaders);
            mail.setMessage(signed);
            mail.setAttribute(new Attribute(AttributeName.of(SmimeAttributes.SIGNED), AttributeValue.of(true)));
            mail.setAttribute(new Attribute(AttributeName.of(SmimeAttributes.SIGNER), AttributeValue.of(signer.name())));
            metrics.count("signed");
            LOGGER.debug("Signed mail {} from {} with identity {}", mail.getName(), sender.orElse("?"), signer.name());
        } catch (SmimeException | RuntimeException e) {
            fail(mail, new Refusal(Failure.SIGNING_ERROR, "S/MIME signing failed: " + e.getMessage()));
        }
    }

    private void fail(Mail mail, Refusal refusal) throws MessagingException {
        metrics.failed(refusal.failure().name());
        MailAttributes.set(mail, SmimeAttributes.FAILURE, refusal.reason());
        onFailure.apply(mail, refusal.reason(), refusal.reason(), getMailetContext(), LOGGER);
    }

    /** Why a named identity cannot sign now, or empty when it can. */
    private Optional<Refusal> unusable(SigningIdentity identity) {
        CertificateFacts facts = CertificateFacts.of(identity.certificate());
        Instant now = clock.instant();
        if (facts.isExpiredAt(now)) {
            return Optional.of(new Refusal(Failure.CERTIFICATE_EXPIRED,
                "the S/MIME signing certificate of identity '" + identity.name() + "' expired on " + facts.notAfter()));
        }
        if (now.isBefore(facts.notBefore())) {
            return Optional.of(new Refusal(Failure.CERTIFICATE_NOT_YET_VALID,
                "the S/MIME signing certificate of identity '" + identity.name() + "' is not valid before " + facts.notBefore()));
        }
        if (!facts.canSignMail()) {
            return Optional.of(new Refusal(Failure.KEY_USAGE,
                "the certificate of identity '" + identity.name() + "' may not sign mail (keyUsage or extendedKeyUsage)"));
        }
        return Optional.empty();
    }

    private Refusal noIdentityReason(Optional<String> sender) {
        if (identityName.isPresent()) {
            boolean decryptOnly = keyStore.identity(identityName.get()).map(dev.smimegateway.keystore.Identity::decryptOnly).orElse(false);
            return decryptOnly
                ? new Refusal(Failure.DECRYPT_ONLY,
                    "the S/MIME identity '" + identityName.get() + "' is decrypt-only (kept to read archived mail) and never signs")
                : new Refusal(Failure.NO_IDENTITY, "the S/MIME signing identity '" + identityName.get() + "' does not exist");
        }
        return new Refusal(Failure.NO_IDENTITY, sender.map(address -> "no valid S/MIME signing certificate for " + address
                + " (none, expired, or not allowed to sign)")
            .orElse("the message has no sender address to choose an S/MIME signing certificate by"));
    }

    /**
     * Why this mail may not be signed: it was submitted by an authenticated SMTP user, and its From
     * names somebody else. James's {@code verifyIdentity} checks only the envelope sender (MAIL FROM),
     * while the signature vouches for the From address; without this check any user could have mail
     * signed as a colleague, or as the organisation on a colleague's behalf. Mail relayed without
     * authentication (from the organisation's own mail servers) is not concerned.
     */
    private static Optional<Refusal> impersonation(Mail mail, Optional<String> from) {
        Optional<String> user = mail.getAttribute(Mail.SMTP_AUTH_USER).map(attribute -> String.valueOf(attribute.getValue().value()));
        if (user.isEmpty() || from.isEmpty() || isOwnAddress(user.get(), from.get())) {
            return Optional.empty();
        }
        return Optional.of(new Refusal(Failure.IMPERSONATION,
            "authenticated user " + user.get() + " may not have mail signed as " + from.get() + " (its From address)"));
    }

    /** A user named by full address owns exactly that address; a user without domain, any address with that local part. */
    private static boolean isOwnAddress(String user, String address) {
        String owner = user.trim().toLowerCase(Locale.ROOT);
        String candidate = address.trim().toLowerCase(Locale.ROOT);
        return owner.contains("@") ? candidate.equals(owner) : candidate.startsWith(owner + "@");
    }

    /** The From address recipients will compare the signature with, else the envelope sender. */
    private static Optional<String> senderAddress(Mail mail) throws MessagingException {
        String[] from = mail.getMessage().getHeader("From");
        if (from != null && from.length == 1) {
            try {
                InternetAddress[] addresses = InternetAddress.parseHeader(from[0], false);
                if (addresses.length == 1) {
                    return Optional.of(addresses[0].getAddress());
                }
            } catch (AddressException e) {
                LOGGER.debug("Unparsable From header on mail {}: {}", mail.getName(), e.getMessage());
            }
        }
        return mail.getMaybeSender().asOptional().map(MailAddress::asString);
    }

    @Override
    public String getMailetInfo() {
        return "S/MIME signing";
    }
}
