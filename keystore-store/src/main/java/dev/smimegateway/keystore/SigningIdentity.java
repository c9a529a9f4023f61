package dev.smimegateway.keystore;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * An identity the gateway can sign with: its private key and certificate chain (leaf first).
 * Returned by look-ups only; never serialised.
 */
public record SigningIdentity(String name, PrivateKey privateKey, List<X509Certificate> chain) {

    public SigningIdentity {
        chain = List.copyOf(chain);
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    @Override
    public String toString() {
        return "SigningIdentity[" + name + ", " + certificate().getSubjectX500Principal().getName() + "]";
    }
}
