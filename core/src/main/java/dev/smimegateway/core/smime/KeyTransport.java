package dev.smimegateway.core.smime;

import java.util.Locale;

/** How the content key is encrypted to an RSA recipient. EC recipients always get ECDH (RFC 5753). */
public enum KeyTransport {
    /** RSA PKCS#1 v1.5: what every client reads. */
    RSA_PKCS1("rsa-pkcs1"),
    /** RSAES-OAEP with SHA-256 (RFC 8017, RFC 3560): not read by NSS 3.87, gpgsm 2.2 or pyca. */
    RSA_OAEP("rsa-oaep");

    private final String parameterName;

    KeyTransport(String parameterName) {
        this.parameterName = parameterName;
    }

    public static KeyTransport parse(String value) {
        String normalised = value.trim().toLowerCase(Locale.ROOT);
        for (KeyTransport candidate : values()) {
            if (candidate.parameterName.equals(normalised)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("unknown key transport '" + value + "'; use rsa-pkcs1 or rsa-oaep");
    }

    public String parameterName() {
        return parameterName;
    }
}
