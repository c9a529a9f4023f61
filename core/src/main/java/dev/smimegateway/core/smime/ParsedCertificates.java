package dev.smimegateway.core.smime;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.bouncycastle.cert.X509CertificateHolder;

/**
 * The certificates carried in signatures, parsed by the JDK once per distinct DER encoding rather than
 * once per message: a sender's certificate and chain come with every mail it signs. An
 * {@link X509Certificate} is immutable and a pure function of its encoding, so a cached one is exactly
 * what parsing again would give; nothing here is trusted or checked, and nothing goes stale. At most
 * {@value #SIZE} certificates are kept (the least recently used leave first), a few megabytes.
 *
 * <p>Sharing the object has one more effect: the JDK remembers, per certificate object, the key its
 * signature last verified with, so building the same path again does not repeat that RSA check.
 */
final class ParsedCertificates {
    static final int SIZE = 1024;

    private static final Map<ByteBuffer, X509Certificate> PARSED = Collections.synchronizedMap(
        new LinkedHashMap<ByteBuffer, X509Certificate>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ByteBuffer, X509Certificate> eldest) {
                return size() > SIZE;
            }
        });

    private ParsedCertificates() {
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
