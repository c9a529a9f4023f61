package dev.smimegateway.core.smime;

import java.util.Locale;

/** Digests the gateway signs with; SHA-1 is not offered (RFC 8551 section 2.1). */
public enum DigestAlgorithm {
    SHA256("SHA256", "sha-256"),
    SHA384("SHA384", "sha-384"),
    SHA512("SHA512", "sha-512");

    private final String jcaPrefix;
    private final String micalg;

    DigestAlgorithm(String jcaPrefix, String micalg) {
        this.jcaPrefix = jcaPrefix;
        this.micalg = micalg;
    }

    public static DigestAlgorithm parse(String value) {
        String normalised = value.trim().toUpperCase(Locale.ROOT).replace("-", "");
        try {
            return valueOf(normalised);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown digest '" + value + "'; use sha256, sha384 or sha512");
        }
    }

    String jcaPrefix() {
        return jcaPrefix;
    }

    /** The {@code micalg} parameter of multipart/signed (RFC 8551 section 3.5.3.2). */
    public String micalg() {
        return micalg;
    }
}
