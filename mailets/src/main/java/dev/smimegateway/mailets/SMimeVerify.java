package dev.smimegateway.mailets;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.mailet.Mail;
import org.apache.mailet.MailetException;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.smime.SmimeAttributes;
import dev.smimegateway.core.smime.SmimeException;
import dev.smimegateway.core.smime.SmimeLayer;
import dev.smimegateway.core.smime.SmimeVerifier;
import dev.smimegateway.core.smime.VerificationFailure;
import dev.smimegateway.core.smime.VerificationResult;
import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.inject.Inject;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;

/**
 * Verifies the S/MIME signature of incoming mail (after SMimeDecrypt), all or nothing: one signer,
 * valid digest and signature, a chain to a trust anchor imported under {@code /smime/trust-anchors}
 * (never to a root the message carries), validity at signing time and now, key usage, no known
 * revocation, and the From address being the signer's. Only a signature over the whole message
 * counts: a signed part inside unsigned MIME is reported {@code PARTIAL_SIGNATURE}.
 *
 * <p>The result goes to mail attributes for matchers ({@code SmimeVerified}, {@code IsSmime},
 * {@code SmimeFailureReasonIs}) and to the header {@code X-Smime-Gateway-Status}, e.g.
 * {@code verified; signer=alice@example.com} or {@code not-verified; reason=UNTRUSTED}; a header of
 * that name arriving from outside is removed first, so a sender cannot forge it.
 * <pre>{@code
 * <mailet match="All" class="dev.smimegateway.mailets.SMimeVerify">
 *     <!-- keep (default) or remove the signature of a verified message; for a triple-wrapped
 *          message this is the inner signature, SMimeDecrypt having removed the outer one -->
 *     <signature>keep</signature>
 *     <maxSizeMegabytes>50</maxSizeMegabytes>
 * </mailet>
 * }</pre>
 * A message that fails is kept exactly as it arrived (signature included), for the policy to route.
 */
public class SMimeVerify extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(SMimeVerify.class);
    private static final Set<String> OUR_HEADERS = Set.of(SmimeAttributes.STATUS_HEADER.toLowerCase(Locale.ROOT));

    private final SmimeKeyStore keyStore;
    private final Clock clock;
    private boolean removeSignature;
    private int maxBytes;

    @Inject
    public SMimeVerify(SmimeKeyStore keyStore) {
        this(keyStore, Clock.systemUTC());
    }

    SMimeVerify(SmimeKeyStore keyStore, Clock clock) {
        this.keyStore = keyStore;
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        String signature = getInitParameter("signature", "keep").trim().toLowerCase(Locale.ROOT);
        if (!signature.equals("keep") && !signature.equals("remove")) {
            throw new MailetException("SMimeVerify: signature must be keep or remove, not '" + signature + "'");
        }
        removeSignature = signature.equals("remove");
        try {
            maxBytes = Integer.parseInt(getInitParameter("maxSizeMegabytes", "50").trim()) * 1024 * 1024;
        } catch (NumberFormatException e) {
            throw new MailetException("SMimeVerify: maxSizeMegabytes must be a whole number");
        }
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        try {
            MimeMessage message = MimeEntities.rewriteHeaders(mail.getMessage(), OUR_HEADERS, null);
            SmimeLayer layer = SmimeLayer.of(message);
            String status;
            if (!layer.isSigned() && layer != SmimeLayer.PKCS7_UNKNOWN) {
                if (containsSignedPart(message, 0)) {
                    status = record(mail, VerificationResult.failed(VerificationFailure.PARTIAL_SIGNATURE,
                        "only a part of the message is signed; the rest could have been added by anyone"));
                } else {
                    MailAttributes.set(mail, SmimeAttributes.VERIFIED, false);
                    MailAttributes.set(mail, SmimeAttributes.VERIFICATION_STATUS, "not-signed");
                    status = "not-signed";
                }
            } else {
                MailAttributes.set(mail, SmimeAttributes.RECEIVED_SIGNED, true);
                List<X509Certificate> anchors = keyStore.listTrustAnchors().stream()
                    .map(anchor -> anchor.certificate().certificate()).collect(Collectors.toList());
                SmimeVerifier verifier = new SmimeVerifier(anchors, keyStore.listCrls(), clock, maxBytes);
                VerificationResult result = verifier.verify(message);
                status = record(mail, result);
                if (result.verified() && removeSignature) {
                    message = SmimeVerifier.withoutSignature(message, maxBytes);
                }
            }
            mail.setMessage(MimeEntities.rewriteHeaders(message, OUR_HEADERS, SmimeAttributes.STATUS_HEADER + ": " + status));
        } catch (SmimeException | IOException | RuntimeException e) {
            LOGGER.warn("Cannot verify mail {}: {}", mail.getName(), e.getMessage());
            record(mail, VerificationResult.failed(VerificationFailure.MALFORMED, String.valueOf(e.getMessage())));
        }
    }

    private String record(Mail mail, VerificationResult result) {
        MailAttributes.set(mail, SmimeAttributes.VERIFIED, result.verified());
        MailAttributes.set(mail, SmimeAttributes.VERIFICATION_STATUS, result.verified() ? "verified" : "not-verified");
        result.signer().ifPresent(signer -> {
            MailAttributes.set(mail, SmimeAttributes.SIGNER_SUBJECT, signer.getSubjectX500Principal().getName());
            MailAttributes.set(mail, SmimeAttributes.SIGNER_ISSUER, signer.getIssuerX500Principal().getName());
            MailAttributes.set(mail, SmimeAttributes.SIGNER_SERIAL, signer.getSerialNumber().toString(16));
        });
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
