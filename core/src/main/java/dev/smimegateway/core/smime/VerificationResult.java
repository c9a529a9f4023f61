package dev.smimegateway.core.smime;

import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * The one verdict on a signed message: verified (all checks passed) or not, with the signer's
 * certificate when one could be identified and the reason when not verified.
 */
public record VerificationResult(boolean verified, Optional<X509Certificate> signer, Optional<String> signerAddress,
                                 Optional<String> algorithm, Optional<VerificationFailure> failure, Optional<String> detail) {

    public static VerificationResult verified(X509Certificate signer, String signerAddress, String algorithm) {
        return new VerificationResult(true, Optional.of(signer), Optional.of(signerAddress), Optional.of(algorithm),
            Optional.empty(), Optional.empty());
    }

    public static VerificationResult failed(VerificationFailure failure, String detail) {
        return new VerificationResult(false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(failure),
            Optional.of(detail));
    }

    public static VerificationResult failed(VerificationFailure failure, String detail, X509Certificate signer) {
        return new VerificationResult(false, Optional.of(signer), Optional.empty(), Optional.empty(), Optional.of(failure),
            Optional.of(detail));
    }
}
