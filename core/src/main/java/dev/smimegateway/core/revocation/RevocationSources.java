package dev.smimegateway.core.revocation;

import java.net.URI;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;

/**
 * Where revocation information comes from when a certificate names it: CRL distribution points and
 * OCSP responders. An implementation only fetches; it vouches for nothing. {@link SignerPathValidator}
 * checks every answer against the validated certification path, so a source may hand back whatever
 * the network delivered. The mailet keeps one instance for all mail, which is where a cache belongs
 * ({@link HttpRevocationSources} has one).
 */
public interface RevocationSources {
    /**
     * The CRL published at {@code location}, or why it could not be had.
     *
     * @param timeout how long to wait to connect, and then for the answer
     */
    Answer<X509CRL> crl(URI location, Duration timeout);

    /**
     * The OCSP responder's answer (not yet checked: signature, CertID and dates are the caller's
     * business) about one certificate, or why there is none.
     */
    Answer<BasicOCSPResp> ocsp(URI responder, CertificateID certificate, Duration timeout);

    /**
     * What a source delivered, or a sentence for the mail administrator saying why it delivered
     * nothing ("the OCSP responder http://ocsp.example/ did not answer within 5 s").
     */
    record Answer<T>(Optional<T> value, String problem) {
        public Answer {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(problem, "problem");
        }

        public static <T> Answer<T> of(T value) {
            return new Answer<>(Optional.of(value), "");
        }

        public static <T> Answer<T> unavailable(String problem) {
            return new Answer<>(Optional.empty(), problem);
        }
    }
}
