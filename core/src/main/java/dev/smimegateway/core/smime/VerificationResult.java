package dev.smimegateway.core.smime;

import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * The one verdict on a signed message: verified (all checks passed) or not, with the signer's
 * certificate when one could be identified and the reason when not verified. A verified result
 * carries the exact bytes whose digest was checked ({@link #signedContent()}, CRLF-canonical MIME
 * entity), so that callers and tests can prove that what is shown is what was verified.
 */
public record VerificationResult(boolean verified, Optional<X509Certificate> signer, Optional<String> signerAddress,
                                 Optional<String> algorithm, Optional<VerificationFailure> failure, Optional<String> detail,
                                 Optional<byte[]> signedContent) {

    public static VerificationResult verified(X509Certificate signer, String signerAddress, String algorithm, byte[] signedContent) {
        return new VerificationResult(true, Optional.of(signer), Optional.of(signerAddress), Optional.of(algorithm),
            Optional.empty(), Optional.empty(), Optional.of(signedContent));
    }

    public static VerificationResult failed(VerificationFailure failure, String detail) {
        return new VerificationResult(false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(failure),
            Optional.of(detail), Optional.empty());
    }

    public static VerificationResult failed(VerificationFailure failure, String detail, X509Certificate signer) {
        return new VerificationResult(false, Optional.of(signer), Optional.empty(), Optional.empty(), Optional.of(failure),
            Optional.of(detail), Optional.empty());
    }
}
