package dev.smimegateway.keystore;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/** The private key that opens a CMS RecipientInfo, with the certificate the sender encrypted to. */
public record DecryptionKey(String identityName, PrivateKey privateKey, X509Certificate certificate) {

    @Override
    public String toString() {
        return "DecryptionKey[" + identityName + ", " + certificate.getSubjectX500Principal().getName() + "]";
    }
}
