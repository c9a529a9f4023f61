package dev.smimegateway.keystore;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Signature algorithms for certificates the gateway creates. SHA-1 is deliberately absent.
 * Each value names the key it needs, so choosing the algorithm chooses the key type.
 */
public enum SignatureAlgorithm {
    RSA_SHA256("RSA-SHA256", "SHA256withRSA", KeyType.RSA),
    RSA_SHA384("RSA-SHA384", "SHA384withRSA", KeyType.RSA),
    RSA_SHA512("RSA-SHA512", "SHA512withRSA", KeyType.RSA),
    RSA_PSS_SHA256("RSA-PSS-SHA256", "SHA256withRSAandMGF1", KeyType.RSA),
    RSA_PSS_SHA384("RSA-PSS-SHA384", "SHA384withRSAandMGF1", KeyType.RSA),
    ECDSA_P256_SHA256("ECDSA-P256-SHA256", "SHA256withECDSA", KeyType.EC_P256),
    ECDSA_P384_SHA384("ECDSA-P384-SHA384", "SHA384withECDSA", KeyType.EC_P384),
    ED25519("Ed25519", "Ed25519", KeyType.ED25519);

    enum KeyType {
        RSA,
        EC_P256,
        EC_P384,
        ED25519
    }

    private final String displayName;
    private final String jcaName;
    private final KeyType keyType;

    SignatureAlgorithm(String displayName, String jcaName, KeyType keyType) {
        this.displayName = displayName;
        this.jcaName = jcaName;
        this.keyType = keyType;
    }

    /** Parses "RSA-SHA256", "rsa-pss-sha256", "ECDSA-P384-SHA384", "Ed25519", ... */
    public static SignatureAlgorithm parse(String name) {
        return Arrays.stream(values())
            .filter(value -> value.displayName.equalsIgnoreCase(name.trim()) || value.name().equalsIgnoreCase(name.trim()))
            .findFirst()
            .orElseThrow(() -> new InvalidRequestException("unknown signatureAlgorithm '" + name + "'; use one of " + names()));
    }

    public static String names() {
        return Arrays.stream(values()).map(SignatureAlgorithm::displayName).collect(Collectors.joining(", "));
    }

    public String displayName() {
        return displayName;
    }

    String jcaName() {
        return jcaName;
    }

    KeyType keyType() {
        return keyType;
    }
}
