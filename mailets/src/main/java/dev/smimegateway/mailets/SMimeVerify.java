package dev.smimegateway.mailets;

import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetException;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.smime.ProtectedHeaders;
import dev.smimegateway.core.smime.SmimeAttributes;
import dev.smimegateway.core.smime.SmimeException;
import dev.smimegateway.core.smime.SmimeLayer;
import dev.smimegateway.core.smime.SmimeVerifier;
import dev.smimegateway.core.smime.VerificationFailure;
import dev.smimegateway.core.smime.VerificationResult;
import dev.smimegateway.keystore.KeyStoreFailureException;
import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.inject.Inject;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;

/**
 * Verifies the S/MIME signature of incoming mail (after SMimeDecrypt), all or nothing: one signer,
 * valid digest and signature over a MIME entity that is exactly what the reader is shown, signed
 * attributes, no weak algorithm (MD5 never; SHA-1 only with {@code allowSha1}; RSA keys of 2048 bits
 * or more), a chain to a trust anchor imported under {@code /smime/trust-anchors} (never to a root the
 * message carries; intermediates from {@code /smime/intermediates} help build it), validity at
 * signing time and now, key usage, no revocation that the path vouches for, and the From address the
 * reader will see being the signer's. Only a signature over the whole message counts: a signed part
 * inside unsigned MIME is reported {@code PARTIAL_SIGNATURE}.
 *
 * <p>The result goes to mail attributes for matchers ({@code SmimeVerified}, {@code IsSmime},
 * {@code SmimeFailureReasonIs}) and to the header {@code X-Smime-Gateway-Status}, e.g.
 * {@code verified; signer=alice@example.com} or {@code not-verified; reason=UNTRUSTED}. A header of
 * that name arriving from outside is removed first, before anything else can fail, so a sender cannot
 * forge it: every path ends with our own status or none.
 *
 * <p>For mailets that come after it (harvesting a partner's certificate), the signature it checked is
 * described by {@code smime.signer.certificate} (the certificate the SignerInfo names, DER in base64,
 * also on refusals), {@code smime.signature.valid} (true when the signature value and digest verified
 * with that certificate's key, even if the certificate was then refused as UNTRUSTED, EXPIRED,
 * REVOKED, KEY_USAGE, FROM_MISMATCH, ...; false otherwise: BAD_SIGNATURE, WEAK_ALGORITHM, MALFORMED,
 * a failed signature over the ciphertext), and,
 * only when it is valid, {@code smime.signing.time} (ISO-8601) and {@code smime.signer.capabilities}
 * (e.g. {@code aes256-gcm,aes128-gcm,aes256-cbc,aes128-cbc,rsa-oaep}: the content encryptions the
 * signer announced that we know, its preference first, and RSA-OAEP if announced). A mail verified by
 * its outer signature alone (see below) gets no certificate, signing time or capabilities: that
 * signature was checked by SMimeDecrypt, which hands on only its verdict and signer address. Every
 * verdict attribute this mailet writes is removed when it starts, so none is left from an earlier run.
 *
 * <p>When SMimeDecrypt peeled a signature over the ciphertext (encrypt-then-sign, triple wrap), its
 * result counts too: all signatures must verify. A message whose only signature was that outer one is
 * verified by it ({@code verified; signer=alice@example.com; layer=outer}). When a decrypted message's
 * inner signature verifies, {@code smime.decryption.authenticated} becomes true.
 *
 * <p>When the signed content carries RFC 9788 protected headers ({@code hp} on its Content-Type) and
 * the signature verifies, those of From, To, Cc, Subject, Date, Message-ID, Reply-To, In-Reply-To and
 * References replace the outer ones: the reader sees what was signed, and the From check ran on it.
 *
 * <p>A key store that cannot be reached is not a verdict: the mailet fails, and James sends the mail
 * to the processor its {@code onMailetException} names (by default {@code error}), from where an
 * administrator can reprocess it.
 * <pre>{@code
 * <mailet match="All" class="dev.smimegateway.mailets.SMimeVerify">
 *     <!-- keep (default) or remove the signature of a verified message; for a triple-wrapped
 *          message this is the inner signature, SMimeDecrypt having removed the outer one -->
 *     <signature>keep</signature>
 *     <maxSizeMegabytes>50</maxSizeMegabytes>      <!-- 1 to 2047 -->
 *     <allowSha1>false</allowSha1>                  <!-- true accepts SHA-1 signatures; MD5 never -->
 *     <requireSignedAttributes>true</requireSignedAttributes>
 *     <fetchRevocation>true</fetchRevocation>        <!-- CRL distribution points and OCSP over http -->
 *     <revocationTimeoutSeconds>5</revocationTimeoutSeconds>
 *     <staleCrl>fail</staleCrl>                      <!-- or accept -->
 *     <revocationUnavailable>fail</revocationUnavailable>  <!-- or accept -->
 * </mailet>
 * }</pre>
 * Revocation is checked for every certificate on the validated path (leaf and intermediates): a CRL
 * counts only when it verifies with the key of the issuer on that path (never a certificate merely
 * carried in the message); OCSP responders and CRL distribution points the certificates name are
 * asked over http (cached; {@code fetchRevocation=false} turns this off). When revocation cannot be
 * decided — only CRLs past their nextUpdate, or a named source that does not answer — the mail is
 * {@code REVOKED_UNKNOWN} unless {@code staleCrl} / {@code revocationUnavailable} say accept.
 * <pre>{@code
 * }</pre>
 * A message that fails is kept exactly as it arrived (signature included, forged status removed), for
 * the policy to route.
 *
 * <p>Metrics (James's {@code MetricFactory}), one count per mail: {@code smime.verify.verified},
 * {@code smime.verify.not_signed}, {@code smime.verify.failed.<REASON>} for each
 * {@link VerificationFailure} (e.g. {@code smime.verify.failed.BAD_SIGNATURE}) and {@code KEY_STORE},
 * and the timer {@code smime.verify.time}.
 */
public class SMimeVerify extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(SMimeVerify.class);

    /**
     * What this mailet alone writes: removed before anything else, so that no verdict of an earlier run
     * (a second SMimeVerify, a layer since taken off) outlives this one, whatever path it takes.
     */
    private static final List<String> VERDICT_ATTRIBUTES = List.of(SmimeAttributes.VERIFIED, SmimeAttributes.VERIFICATION_STATUS,
        SmimeAttributes.VERIFICATION_FAILURE, SmimeAttributes.VERIFICATION_DETAIL, SmimeAttributes.SIGNER_ADDRESS,
        SmimeAttributes.SIGNER_SUBJECT, SmimeAttributes.SIGNER_ISSUER, SmimeAttributes.SIGNER_SERIAL, SmimeAttributes.SIGNATURE_ALGORITHM,
        SmimeAttributes.SIGNER_CERTIFICATE, SmimeAttributes.SIGNATURE_VALID, SmimeAttributes.SIGNING_TIME,
        SmimeAttributes.SIGNER_CAPABILITIES);

    private static final String VERIFIED = "verified";
    private static final String NOT_SIGNED = "not_signed";

    private final SmimeKeyStore keyStore;
    private final GatewayMetrics metrics;
    private final Clock clock;
    private boolean removeSignature;
    private StoreVerifiers verifiers;

    /** Without metrics, for use outside James (tests, benchmarks). */
    public SMimeVerify(SmimeKeyStore keyStore) {
        this(keyStore, GatewayMetrics.none(), Clock.systemUTC());
    }

    @Inject
    public SMimeVerify(SmimeKeyStore keyStore, MetricFactory metricFactory) {
        this(keyStore, metricFactory, Clock.systemUTC());
    }

    SMimeVerify(SmimeKeyStore keyStore, Clock clock) {
        this(keyStore, GatewayMetrics.none(), clock);
    }

    SMimeVerify(SmimeKeyStore keyStore, MetricFactory metricFactory, Clock clock) {
        this.keyStore = keyStore;
        this.metrics = new GatewayMetrics(metricFactory, "verify", List.of(VERIFIED, NOT_SIGNED),
            GatewayMetrics.names(VerificationFailure.values()));
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        String signature = getInitParameter("signature", "keep").trim().toLowerCase(Locale.ROOT);
        if (!signature.equals("keep") && !signature.equals("remove")) {
            throw new MailetException("SMimeVerify: signature must be keep or remove, not '" + signature + "'");
        }
        removeSignature = signature.equals("remove");
        int maxBytes = MailetParameters.megabytes(this, "maxSizeMegabytes", 50);
        verifiers = StoreVerifiers.fromParameters(this, keyStore, clock, maxBytes);
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        metrics.measure(mail, this::verifyAndCount);
    }

    private void verifyAndCount(Mail mail) throws MessagingException {
        verifyAndRecord(mail);
        countVerdict(mail);
    }

    /** One count per mail, from the verdict this run recorded on it (its attributes were cleared first). */
    private void countVerdict(Mail mail) {
        if (attribute(mail, SmimeAttributes.VERIFIED).map(Boolean::parseBoolean).orElse(false)) {
            metrics.count(VERIFIED);
            return;
        }
        Optional<String> failure = attribute(mail, SmimeAttributes.VERIFICATION_FAILURE);
        if (failure.isPresent()) {
            metrics.failed(failure.get());
        } else {
            metrics.count(NOT_SIGNED);
        }
    }

    private void verifyAndRecord(Mail mail) throws MessagingException {
        MailAttributes.remove(mail, VERDICT_ATTRIBUTES);
        MimeMessage message = StatusHeader.withoutForged(mail);
        try {
            String status = verify(mail, message);
            mail.setMessage(StatusHeader.with(mail.getMessage(), status));
        } catch (KeyStoreFailureException e) {
            metrics.keyStoreFailed();
            LOGGER.error("Cannot verify mail {}: the key store is unavailable ({}); the mail goes to the error processor",
                mail.getName(), e.getMessage());
            throw new MessagingException("S/MIME verification postponed: the key store is unavailable: " + e.getMessage(), e);
        } catch (SmimeException | IOException | MessagingException | RuntimeException e) {
            LOGGER.warn("Cannot verify mail {}: {}", mail.getName(), e.getMessage());
            String status = record(mail, VerificationResult.failed(VerificationFailure.MALFORMED, String.valueOf(e.getMessage())));
            StatusHeader.set(mail, status);
        }
    }

    /** Verifies, records the result, and leaves on the mail the message to deliver (without status header); returns the status. */
    private String verify(Mail mail, MimeMessage message) throws MessagingException, IOException, SmimeException {
        SmimeLayer layer = SmimeLayer.of(message);
        Optional<String> outer = attribute(mail, SmimeAttributes.OUTER_VERIFICATION_STATUS);
        if (!layer.isSigned() && layer != SmimeLayer.PKCS7_UNKNOWN) {
            if (containsSignedPart(message, 0)) {
                return record(mail, VerificationResult.failed(VerificationFailure.PARTIAL_SIGNATURE,
                    "only a part of the message is signed; the rest could have been added by anyone"));
            }
            if (outer.isPresent()) {
                return recordOuterOnly(mail, outer.get());
            }
            MailAttributes.set(mail, SmimeAttributes.VERIFIED, false);
            MailAttributes.set(mail, SmimeAttributes.VERIFICATION_STATUS, "not-signed");
            return "not-signed";
        }
        MailAttributes.set(mail, SmimeAttributes.RECEIVED_SIGNED, true);
        VerificationResult result = verifiers.verifier().verify(message);
        if (result.verified() && outer.isPresent() && !outer.get().equals("verified")) {
            return recordOuterFailure(mail);
        }
        String status = record(mail, result);
        if (result.verified()) {
            if (attribute(mail, SmimeAttributes.DECRYPTED).isPresent()) {
                MailAttributes.set(mail, SmimeAttributes.DECRYPTION_AUTHENTICATED, true);
            }
            byte[] signedContent = result.signedContent().orElseThrow();
            // the bytes whose digest was checked: taking the signature off does not read the message again
            MimeMessage delivered = removeSignature ? SmimeVerifier.withoutSignature(message, signedContent) : message;
            delivered = ProtectedHeaders.restore(delivered, ProtectedHeaders.carriedBy(signedContent));
            if (delivered != mail.getMessage()) {
                mail.setMessage(delivered);
            }
        }
        return outer.isPresent() ? status + "; outer=" + outer.get() : status;
    }

    /** The only signature was over the ciphertext, checked by SMimeDecrypt: its verdict is the message's. */
    private String recordOuterOnly(Mail mail, String outerStatus) {
        if (!outerStatus.equals("verified")) {
            return recordOuterFailure(mail);
        }
        String signer = attribute(mail, SmimeAttributes.OUTER_SIGNER_ADDRESS).orElse("");
        MailAttributes.set(mail, SmimeAttributes.RECEIVED_SIGNED, true);
        MailAttributes.set(mail, SmimeAttributes.VERIFIED, true);
        MailAttributes.set(mail, SmimeAttributes.VERIFICATION_STATUS, "verified");
        MailAttributes.set(mail, SmimeAttributes.SIGNER_ADDRESS, signer);
        LOGGER.debug("Mail {} verified by its outer signature, signed by {}", mail.getName(), signer);
        return "verified; signer=" + signer + "; layer=outer";
    }

    private String recordOuterFailure(Mail mail) {
        VerificationFailure failure = attribute(mail, SmimeAttributes.OUTER_VERIFICATION_FAILURE)
            .map(name -> {
                try {
                    return VerificationFailure.valueOf(name);
                } catch (IllegalArgumentException e) {
                    return VerificationFailure.MALFORMED;
                }
            }).orElse(VerificationFailure.MALFORMED);
        String detail = "the signature over the encrypted content: "
            + attribute(mail, SmimeAttributes.OUTER_VERIFICATION_DETAIL).orElse("not verified");
        MailAttributes.set(mail, SmimeAttributes.RECEIVED_SIGNED, true);
        return record(mail, VerificationResult.failed(failure, detail)) + "; layer=outer";
    }

    private static Optional<String> attribute(Mail mail, String name) {
        return mail.getAttribute(AttributeName.of(name)).map(attribute -> String.valueOf(attribute.getValue().getValue()));
    }

    private String record(Mail mail, VerificationResult result) {
        MailAttributes.set(mail, SmimeAttributes.VERIFIED, result.verified());
        MailAttributes.set(mail, SmimeAttributes.VERIFICATION_STATUS, result.verified() ? "verified" : "not-verified");
        result.signer().ifPresent(signer -> {
            MailAttributes.set(mail, SmimeAttributes.SIGNER_SUBJECT, signer.getSubjectX500Principal().getName());
            MailAttributes.set(mail, SmimeAttributes.SIGNER_ISSUER, signer.getIssuerX500Principal().getName());
            MailAttributes.set(mail, SmimeAttributes.SIGNER_SERIAL, signer.getSerialNumber().toString(16));
            MailAttributes.set(mail, SmimeAttributes.SIGNER_CERTIFICATE, base64(signer));
        });
        MailAttributes.set(mail, SmimeAttributes.SIGNATURE_VALID, result.signatureValid());
        result.signingTime().ifPresent(time -> MailAttributes.set(mail, SmimeAttributes.SIGNING_TIME, time.toString()));
        result.capabilities().ifPresent(capabilities -> MailAttributes.set(mail, SmimeAttributes.SIGNER_CAPABILITIES, capabilities.text()));
        result.signerAddress().ifPresent(address -> MailAttributes.set(mail, SmimeAttributes.SIGNER_ADDRESS, address));
        result.algorithm().ifPresent(algorithm -> MailAttributes.set(mail, SmimeAttributes.SIGNATURE_ALGORITHM, algorithm));
        result.failure().ifPresent(failure -> MailAttributes.set(mail, SmimeAttributes.VERIFICATION_FAILURE, failure.name()));
        result.detail().ifPresent(detail -> MailAttributes.set(mail, SmimeAttributes.VERIFICATION_DETAIL, detail));
        if (result.verified()) {
            LOGGER.debug("Verified mail {} signed by {}", mail.getName(), result.signerAddress().orElse("?"));
            return "verified; signer=" + result.signerAddress().orElse("");
        }
        LOGGER.info("Mail {} from {} not verified: {} ({})", mail.getName(), mail.getMaybeSender().asString(),
            result.failure().map(Enum::name).orElse("?"), result.detail().orElse(""));
        return "not-verified; reason=" + result.failure().map(Enum::name).orElse("MALFORMED");
    }

    private static String base64(X509Certificate certificate) {
        try {
            return Base64.getEncoder().encodeToString(certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("a certificate that was parsed cannot be encoded again", e);
        }
    }

    private static boolean containsSignedPart(Part part, int depth) throws MessagingException, IOException {
        if (depth > 16) {
            return false;
        }
        if (part.isMimeType("multipart/*")) {
            Object content = part.getContent();
            if (!(content instanceof Multipart)) {
                return false;
            }
            Multipart multipart = (Multipart) content;
            for (int i = 0; i < multipart.getCount(); i++) {
                if (SmimeLayer.of(multipart.getBodyPart(i)).isSigned() || containsSignedPart(multipart.getBodyPart(i), depth + 1)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public String getMailetInfo() {
        return "S/MIME verification";
    }
}
