package dev.smimegateway.core.revocation;

import java.net.URI;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;

/** Revocation sources that remember every address they were asked about, then ask the real ones. */
final class RecordingSources implements RevocationSources {
    private final RevocationSources delegate;
    private final List<URI> asked = new CopyOnWriteArrayList<>();

    RecordingSources(RevocationSources delegate) {
        this.delegate = delegate;
    }

    @Override
    public Answer<X509CRL> crl(URI location, Duration timeout) {
        asked.add(location);
        return delegate.crl(location, timeout);
    }

    @Override
    public Answer<BasicOCSPResp> ocsp(URI responder, CertificateID certificate, Duration timeout) {
        asked.add(responder);
        return delegate.ocsp(responder, certificate, timeout);
    }

    List<URI> asked() {
        return List.copyOf(asked);
    }
}
