package dev.smimegateway.core.smime;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;

import org.bouncycastle.cert.X509CertificateHolder;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.crypto.LruMaps;

/**
 * The certificates carried in signatures, parsed by the JDK once per distinct DER encoding rather than
 * once per message: a sender's certificate and chain come with every mail it signs. An
 * {@link X509Certificate} is immutable and a pure function of its encoding, so a cached one is exactly
 * what parsing again would give; nothing here is trusted or checked, and nothing goes stale. At most
 * {@value #SIZE} certificates are kept (the least recently used leave first), a few megabytes.
 *
 * <p>The same holds for what {@link CertificateFacts} reads from a signer's certificate (addresses, key
 * usage, fingerprint): kept for the last {@value #SIZE} signers, keyed by the certificate (its DER).
 *
 * <p>Sharing the object has one more effect: the JDK remembers, per certificate object, the key its
 * signature last verified with, so building the same path again does not repeat that RSA check.
 */
final class ParsedCertificates {
    static final int SIZE = 1024;

    private static final Map<ByteBuffer, X509Certificate> PARSED = LruMaps.bounded(SIZE);

    private static final Map<X509Certificate, CertificateFacts> FACTS = LruMaps.bounded(SIZE);

    private ParsedCertificates() {
    }

    static CertificateFacts facts(X509Certificate certificate) {
        CertificateFacts cached = FACTS.get(certificate);
        if (cached != null) {
            return cached;
        }
        CertificateFacts facts = CertificateFacts.of(certificate);
        FACTS.put(certificate, facts);
        return facts;
    }

    static X509Certificate of(X509CertificateHolder holder) throws IOException, CertificateException {
        byte[] der = holder.getEncoded();
        ByteBuffer key = ByteBuffer.wrap(der);
        X509Certificate cached = PARSED.get(key);
        if (cached != null) {
            return cached;
        }
        X509Certificate parsed = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        PARSED.put(key, parsed);
        return parsed;
    }
}
