package dev.smimegateway.core.smime;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Optional;

/**
 * The one verdict on a signed message: verified (all checks passed) or not, with the signer's
 * certificate when one could be identified and the reason when not verified. A verified result
 * carries the exact bytes whose digest was checked ({@link #signedContent()}, CRLF-canonical MIME
 * entity), so that callers and tests can prove that what is shown is what was verified.
 *
 * <p>{@link #signatureValid()} sets apart the refusals whose signature value and message digest did
 * verify — the content is exactly what the holder of the signer certificate's key signed, but that
 * certificate is untrusted, expired, revoked, not for signing, or not the From address's — from those
 * where the signature did not verify or was never checked (malformed, weak algorithm, no
 * certificate). The signing time and the announced capabilities are read from the signed attributes
 * only when the signature is valid: before that, they are anybody's words.
 *
 * <p>The signer is only ever the certificate the SignerInfo's identifier (issuer and serial, or
 * subject key identifier) names, carried in the message or stored for its From address.
 */
public record VerificationResult(boolean verified, boolean signatureValid, Optional<X509Certificate> signer,
                                 Optional<String> signerAddress, Optional<String> algorithm, Optional<VerificationFailure> failure,
                                 Optional<String> detail, Optional<byte[]> signedContent, Optional<Instant> signingTime,
                                 Optional<SmimeCapabilities> capabilities) {

    /** A signature whose value and message digest verified with the signer's key, and what its signed attributes say. */
    record ValidSignature(X509Certificate signer, Optional<Instant> signingTime, Optional<SmimeCapabilities> capabilities) {
    }

    static VerificationResult verified(ValidSignature signature, String signerAddress, String algorithm, byte[] signedContent) {
        return new VerificationResult(true, true, Optional.of(signature.signer()), Optional.of(signerAddress), Optional.of(algorithm),
            Optional.empty(), Optional.empty(), Optional.of(signedContent), signature.signingTime(), signature.capabilities());
    }

    /** A good signature whose certificate, or the From it must match, failed a check. */
    static VerificationResult refused(ValidSignature signature, VerificationFailure failure, String detail) {
        return new VerificationResult(false, true, Optional.of(signature.signer()), Optional.empty(), Optional.empty(),
            Optional.of(failure), Optional.of(detail), Optional.empty(), signature.signingTime(), signature.capabilities());
    }

    public static VerificationResult failed(VerificationFailure failure, String detail) {
        return new VerificationResult(false, false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(failure),
            Optional.of(detail), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** A refusal before the signature was found valid: the signer identified, nothing it signed believed. */
    public static VerificationResult failed(VerificationFailure failure, String detail, X509Certificate signer) {
        return new VerificationResult(false, false, Optional.of(signer), Optional.empty(), Optional.empty(), Optional.of(failure),
            Optional.of(detail), Optional.empty(), Optional.empty(), Optional.empty());
    }
}
