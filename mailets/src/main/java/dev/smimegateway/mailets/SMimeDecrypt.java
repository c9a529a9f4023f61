package dev.smimegateway.mailets;

import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import javax.security.auth.x500.X500Principal;

import org.apache.james.core.MailAddress;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.ProcessingState;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.smime.SmimeAttributes;
import dev.smimegateway.core.smime.SmimeDecryptor;
import dev.smimegateway.core.smime.SmimeException;
import dev.smimegateway.core.smime.SmimeLayer;
import dev.smimegateway.core.smime.SmimeVerifier;
import dev.smimegateway.core.smime.VerificationFailure;
import dev.smimegateway.core.smime.VerificationResult;
import dev.smimegateway.keystore.DecryptionKey;
import dev.smimegateway.keystore.KeyStoreFailureException;
import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.inject.Inject;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

/**
 * Decrypts incoming S/MIME mail with whichever stored private key matches one of its recipients
 * (all identities, active or not, and every certificate their keys ever had: key rollover works),
 * provided the key's identity belongs to one of the mail's envelope recipients: its certificate
 * names the recipient's address, or, for an organisation identity, a subjectAltName domain covers
 * the recipient's domain. A ciphertext captured and sent on to another local mailbox is therefore
 * not decrypted for that mailbox. Identities named in {@code escrowIdentities} (an archive or
 * escrow key) decrypt for any recipient.
 *
 * <p>Only an encrypted <em>whole message</em> is decrypted: the root entity, or the content of an
 * outer signature around it (triple wrap, encrypt-then-sign). An encrypted part next to other parts
 * is never decrypted, so an attacker cannot wrap a captured ciphertext in his own HTML and have the
 * gateway reveal it (EFAIL). AES-GCM releases nothing unless its tag verifies. Layers are unwrapped
 * up to {@code maxDepth}.
 *
 * <p>An outer signature over the ciphertext is verified before it is taken off, by the same rules as
 * SMimeVerify (trust anchors, intermediates and CRLs of the key store, revocation, algorithm policy,
 * the From check; the parameters {@code allowSha1}, {@code requireSignedAttributes},
 * {@code fetchRevocation}, {@code revocationTimeoutSeconds}, {@code staleCrl} and
 * {@code revocationUnavailable} are read here too), and its verdict recorded in
 * {@code smime.outer.verification.status} ({@code verified} or {@code not-verified}),
 * {@code smime.outer.verification.failure}, {@code smime.outer.verification.detail} and
 * {@code smime.outer.signer.address}; what is decrypted is then exactly the content that signature
 * covers. A signature that wraps no encryption stays for SMimeVerify.
 *
 * <p>{@code smime.decryption.authenticated} is true when the decrypted content is authenticated: the
 * innermost encryption layer is AES-GCM whose tag verified, or an outer signature over the ciphertext
 * verified. It is false for AES-CBC otherwise, whose plaintext an attacker can alter (EFAIL gadgets),
 * even inside a GCM layer (anyone can encrypt to us, so GCM vouches only for its own ciphertext);
 * RFC 9788 protected headers are then not restored either, and from GCM never From.
 *
 * <p>An {@code X-Smime-Gateway-Status} header arriving from outside is removed first, on every path,
 * so that no sender can forge the verdict SMimeVerify writes.
 *
 * <p>Any failure about the message — no matching key, a key of none of the recipients, altered or
 * corrupt data, too deep, too large — leaves the message as it arrived and records the reason in
 * {@code smime.decryption.failure}; the mail goes on ({@code onFailure} {@code pass}, the default),
 * or to the processor {@code onFailure} names. It is never bounced nor dropped: {@code bounce},
 * {@code drop} and {@code split} are refused at start. A failure of the key store itself (its
 * database unreachable) is no verdict on the message: the mailet throws, and James sends the mail
 * to the processor named by the mailet's {@code onMailetException} attribute ({@code error} by
 * default), where it waits for the administrator.
 * <pre>{@code
 * <mailet match="All" class="dev.smimegateway.mailets.SMimeDecrypt">
 *     <maxDepth>8</maxDepth>                    <!-- S/MIME layers unwrapped at most -->
 *     <maxSizeMegabytes>50</maxSizeMegabytes>   <!-- 1 to 2047 -->
 *     <!-- <escrowIdentities>archive, legal-hold</escrowIdentities>  identities that decrypt for any recipient -->
 *     <!-- when the mail cannot be decrypted: pass (default) it on as it arrived, or the name of a
 *          processor to move it to; bounce, drop and split are refused -->
 *     <onFailure>pass</onFailure>
 * </mailet>
 * }</pre>
 * Sets {@code smime.received.encrypted}, {@code smime.received.signed}, {@code smime.decrypted},
 * {@code smime.decryption.algorithm}, {@code smime.decryption.identity},
 * {@code smime.decryption.authenticated}, {@code smime.decryption.failure} and the
 * {@code smime.outer.*} attributes above.
 *
 * <p>Metrics (James's {@code MetricFactory}): {@code smime.decrypt.decrypted} (mails decrypted),
 * {@code smime.decrypt.failed.<REASON>} for each {@link Failure} and {@code KEY_STORE}, and the timer
 * {@code smime.decrypt.time}. Mail that is not encrypted moves no counter.
 */
public class SMimeDecrypt extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(SMimeDecrypt.class);

    /**
     * What this mailet records about decryption. A mail released from the quarantine into the policy
     * again still carries them from its first run: they are removed when this run finds an encryption
     * layer to open (the first run could not: its failure must not outlive the key imported since),
     * and kept otherwise (the first run decrypted the mail, and only it saw the layers it removed).
     */
    private static final List<String> DECRYPTION_ATTRIBUTES = List.of(SmimeAttributes.RECEIVED_ENCRYPTED, SmimeAttributes.DECRYPTED,
        SmimeAttributes.DECRYPTION_ALGORITHM, SmimeAttributes.DECRYPTION_IDENTITY, SmimeAttributes.DECRYPTION_AUTHENTICATED,
        SmimeAttributes.DECRYPTION_FAILURE, SmimeAttributes.OUTER_VERIFICATION_STATUS, SmimeAttributes.OUTER_VERIFICATION_FAILURE,
        SmimeAttributes.OUTER_VERIFICATION_DETAIL, SmimeAttributes.OUTER_SIGNER_ADDRESS);

    /** Why a mail was not decrypted, as counted in {@code smime.decrypt.failed.<REASON>}. */
    enum Failure {
        /** No stored private key matches any recipient of the message. */
        NO_KEY,
        /** A stored key matches, but it belongs to none of the envelope recipients (and is no escrow identity). */
        NOT_RECIPIENT,
        /** The content does not decrypt: altered or corrupt data (a GCM tag, CBC padding), or a wrong key. */
        ALTERED_OR_CORRUPT,
        /** Over {@code maxSizeMegabytes}. */
        TOO_LARGE,
        /** More than {@code maxDepth} nested S/MIME layers. */
        TOO_DEEP,
        /** Anything else: not well-formed CMS or MIME. */
        MALFORMED;

        /** The kind of a failure, from the engine's message (the engine reports failures as text only). */
        static Failure of(String reason) {
            if (reason.startsWith("no stored private key matches")) {
                return NO_KEY;
            }
            if (reason.contains("belongs to none of the envelope recipients")) {
                return NOT_RECIPIENT;
            }
            if (reason.startsWith("decryption failed") || reason.startsWith("authenticated decryption failed")) {
                return ALTERED_OR_CORRUPT;
            }
            if (reason.contains(" larger than ")) {
                return TOO_LARGE;
            }
            if (reason.startsWith("more than ") && reason.endsWith(TOO_DEEP_SUFFIX)) {
                return TOO_DEEP;
            }
            return MALFORMED;
        }
    }

    private static final String TOO_DEEP_SUFFIX = " nested S/MIME layers";

    private final SmimeKeyStore keyStore;
    private final GatewayMetrics metrics;
    private final Clock clock;
    private StoreVerifiers verifiers;
    private int maxDepth;
    private int maxBytes;
    private FailureAction onFailure;
    private Set<String> escrowIdentities;
    private SmimeDecryptor decryptor;

    /** Without metrics, for use outside James (tests, benchmarks). */
    public SMimeDecrypt(SmimeKeyStore keyStore) {
        this(keyStore, GatewayMetrics.none(), Clock.systemUTC());
    }

    @Inject
    public SMimeDecrypt(SmimeKeyStore keyStore, MetricFactory metricFactory) {
        this(keyStore, metricFactory, Clock.systemUTC());
    }

    SMimeDecrypt(SmimeKeyStore keyStore, Clock clock) {
        this(keyStore, GatewayMetrics.none(), clock);
    }

    SMimeDecrypt(SmimeKeyStore keyStore, MetricFactory metricFactory, Clock clock) {
        this.keyStore = keyStore;
        this.metrics = new GatewayMetrics(metricFactory, "decrypt", List.of("decrypted"), GatewayMetrics.names(Failure.values()));
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        maxDepth = MailetParameters.wholeNumber(this, "maxDepth", 8, 1, Integer.MAX_VALUE);
        maxBytes = MailetParameters.megabytes(this, "maxSizeMegabytes", 50);
        onFailure = FailureAction.parse(this, "onFailure", FailureAction.Kind.PASS,
            EnumSet.of(FailureAction.Kind.PASS, FailureAction.Kind.PROCESSOR));
        escrowIdentities = Arrays.stream(getInitParameter("escrowIdentities", "").split(","))
            .map(String::trim).filter(name -> !name.isEmpty()).collect(Collectors.toUnmodifiableSet());
        decryptor = new SmimeDecryptor(new StoreKeys(keyStore), maxBytes, escrowIdentities);
        verifiers = StoreVerifiers.fromParameters(this, keyStore, clock, maxBytes);
    }

    @Override
    public Collection<ProcessingState> requiredProcessingState() {
        return onFailure.requiredProcessingState();
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        metrics.measure(mail, this::decrypt);
    }

    private void decrypt(Mail mail) throws MessagingException {
        MimeMessage message = StatusHeader.withoutForged(mail);
        try {
            MimeMessage result = unwrap(mail, message, envelopeRecipients(mail));
            if (result != message) {
                mail.setMessage(result);
            }
        } catch (KeyStoreFailureException e) {
            metrics.keyStoreFailed();
            LOGGER.error("Cannot decrypt mail {} from {}: the key store failed: {}", mail.getName(), mail.getMaybeSender().asString(),
                e.getMessage());
            throw new MessagingException("SMimeDecrypt: the key store failed, mail " + mail.getName() + " is not decrypted: "
                + e.getMessage(), e);
        } catch (SmimeException | IOException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            metrics.failed(Failure.of(reason).name());
            LOGGER.warn("Cannot decrypt mail {} from {} to {}: {}", mail.getName(), mail.getMaybeSender().asString(),
                envelopeRecipients(mail), reason);
            MailAttributes.set(mail, SmimeAttributes.DECRYPTED, false);
            MailAttributes.set(mail, SmimeAttributes.DECRYPTION_FAILURE, reason);
            onFailure.apply(mail, reason, reason, getMailetContext(), LOGGER);
        }
    }

    private static List<String> envelopeRecipients(Mail mail) {
        return mail.getRecipients().stream().map(MailAddress::asString).collect(Collectors.toList());
    }

    /**
     * Peels layers from the root: outer signatures are taken off only on the way to an encryption
     * layer beneath them (triple wrap, encrypt-then-sign), and verified then; what is returned is the
     * message after its last decryption, so signatures that wrap no encryption stay for SMimeVerify.
     */
    private MimeMessage unwrap(Mail mail, MimeMessage message, List<String> recipients)
        throws MessagingException, IOException, SmimeException {
        MimeMessage current = message;
        MimeMessage result = message;
        boolean decrypted = false;
        boolean vouchedBySignature = false;
        boolean innermostAuthenticated = false;
        List<MimeMessage> signedLayers = new ArrayList<>();
        OuterSignatures outer = new OuterSignatures();
        boolean decrypting = false;
        for (int depth = 0; ; depth++) {
            SmimeLayer layer = SmimeLayer.of(current);
            if (layer.isEncrypted()) {
                if (!decrypting) {
                    MailAttributes.remove(mail, DECRYPTION_ATTRIBUTES);
                    decrypting = true;
                }
                MailAttributes.set(mail, SmimeAttributes.RECEIVED_ENCRYPTED, true);
            } else if (layer.isSigned()) {
                MailAttributes.set(mail, SmimeAttributes.RECEIVED_SIGNED, true);
            }
            if (!layer.isSmime()) {
                break;
            }
            if (depth >= maxDepth) {
                throw new SmimeException("more than " + maxDepth + TOO_DEEP_SUFFIX);
            }
            if (layer.isSigned()) {
                try {
                    MimeMessage beneath = SmimeVerifier.withoutSignature(current, maxBytes);
                    signedLayers.add(current);
                    current = beneath;
                } catch (SmimeException | RuntimeException e) {
                    // An unreadable signature hides no encryption we could reach; SMimeVerify reports it.
                    break;
                }
                continue;
            }
            Optional<OuterCheck> check = signedLayers.isEmpty() ? Optional.empty() : Optional.of(verifyOuterSignatures(signedLayers, current));
            signedLayers.clear();
            if (check.isPresent()) {
                current = check.get().beneath();
            }
            SmimeDecryptor.Decrypted decryption;
            try {
                decryption = decryptor.decrypt(current, recipients);
            } catch (SmimeException e) {
                if (layer == SmimeLayer.PKCS7_UNKNOWN && e.getMessage().startsWith("not encrypted data")) {
                    MailAttributes.set(mail, SmimeAttributes.RECEIVED_SIGNED, true);
                    break;
                }
                check.ifPresent(outer::add);
                outer.record(mail);
                throw e;
            }
            check.ifPresent(outer::add);
            MailAttributes.set(mail, SmimeAttributes.RECEIVED_ENCRYPTED, true);
            MailAttributes.set(mail, SmimeAttributes.DECRYPTION_ALGORITHM, decryption.algorithm());
            MailAttributes.set(mail, SmimeAttributes.DECRYPTION_IDENTITY, decryption.keyOwner());
            // A verified signature vouches for every byte beneath it. A GCM tag vouches only for its own
            // ciphertext: anyone can encrypt to us, so a GCM layer around a captured (EFAIL-altered) CBC
            // ciphertext must not make that CBC plaintext authenticated. Hence the innermost layer decides.
            vouchedBySignature |= check.map(OuterCheck::verified).orElse(false);
            innermostAuthenticated = decryption.authenticated();
            current = decryption.message();
            result = current;
            decrypted = true;
        }
        outer.record(mail);
        boolean authenticated = vouchedBySignature || innermostAuthenticated;
        if (decrypted) {
            metrics.count("decrypted");
            MailAttributes.set(mail, SmimeAttributes.DECRYPTED, true);
            MailAttributes.set(mail, SmimeAttributes.DECRYPTION_AUTHENTICATED, authenticated);
            LOGGER.debug("Decrypted mail {} from {} (authenticated: {})", mail.getName(), mail.getMaybeSender().asString(), authenticated);
        }
        return result;
    }

    /** The verdicts on the signatures peeled on the way to one encryption layer, and the content beneath them. */
    private record OuterCheck(List<VerificationResult> results, MimeMessage beneath) {
        boolean verified() {
            return results.stream().allMatch(VerificationResult::verified);
        }
    }

    /**
     * Verifies each signed layer, outermost first. Beneath a signature that verified, the content is
     * rebuilt from the very bytes it covers, so what is decrypted is what was verified.
     */
    private OuterCheck verifyOuterSignatures(List<MimeMessage> signedLayers, MimeMessage peeled) {
        SmimeVerifier verifier = verifiers.verifier();
        List<VerificationResult> results = new ArrayList<>();
        MimeMessage layer = signedLayers.get(0);
        for (int i = 0; i < signedLayers.size(); i++) {
            VerificationResult result = verifier.verify(layer);
            results.add(result);
            MimeMessage next = i + 1 < signedLayers.size() ? signedLayers.get(i + 1) : peeled;
            if (result.verified() && result.signedContent().isPresent()) {
                try {
                    next = MimeEntities.replaceContent(layer, result.signedContent().get());
                } catch (MessagingException | IOException e) {
                    results.set(i, VerificationResult.failed(VerificationFailure.MALFORMED,
                        "the signed content is not MIME: " + e.getMessage()));
                }
            }
            layer = next;
        }
        return new OuterCheck(results, layer);
    }

    /** All outer signatures of one mail: verified only when every one verified; the first failure is reported. */
    private static final class OuterSignatures {
        private final List<VerificationResult> results = new ArrayList<>();

        void add(OuterCheck check) {
            results.addAll(check.results());
        }

        void record(Mail mail) {
            if (results.isEmpty()) {
                return;
            }
            Optional<VerificationResult> failed = results.stream().filter(result -> !result.verified()).findFirst();
            MailAttributes.set(mail, SmimeAttributes.OUTER_VERIFICATION_STATUS, failed.isEmpty() ? "verified" : "not-verified");
            if (failed.isPresent()) {
                failed.get().failure().ifPresent(failure -> MailAttributes.set(mail, SmimeAttributes.OUTER_VERIFICATION_FAILURE, failure.name()));
                failed.get().detail().ifPresent(detail -> MailAttributes.set(mail, SmimeAttributes.OUTER_VERIFICATION_DETAIL, detail));
                LOGGER.info("Mail {} from {}: the signature over its encryption is not verified: {} ({})", mail.getName(),
                    mail.getMaybeSender().asString(), failed.get().failure().map(Enum::name).orElse("?"), failed.get().detail().orElse(""));
            } else {
                results.get(results.size() - 1).signerAddress()
                    .ifPresent(address -> MailAttributes.set(mail, SmimeAttributes.OUTER_SIGNER_ADDRESS, address));
            }
        }
    }

    /** The key store as the engine's key lookup; its failures (KeyStoreFailureException) pass through. */
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
