package dev.smimegateway.core.certificate;

import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Optional;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * The kinds of public key an S/MIME certificate may carry here, read from the key's
 * SubjectPublicKeyInfo so that the answer does not depend on which JCA provider decoded it.
 */
public enum KeyKind {
    RSA("RSA", true, true),
    /** An RSA key restricted to RSASSA-PSS by its algorithm identifier: it can sign but never receive keys. */
    RSA_PSS("RSA-PSS", true, false),
    EC_P256("EC P-256", true, true),
    EC_P384("EC P-384", true, true),
    EC_P521("EC P-521", true, true),
    ED25519("Ed25519", true, false),
    ED448("Ed448", true, false);

    public static final int MINIMUM_RSA_BITS = 2048;

    private static final ASN1ObjectIdentifier RSA_ENCRYPTION = new ASN1ObjectIdentifier("1.2.840.113549.1.1.1");
    private static final ASN1ObjectIdentifier RSASSA_PSS = new ASN1ObjectIdentifier("1.2.840.113549.1.1.10");
    private static final ASN1ObjectIdentifier EC_PUBLIC_KEY = new ASN1ObjectIdentifier("1.2.840.10045.2.1");
    private static final ASN1ObjectIdentifier SECP256R1 = new ASN1ObjectIdentifier("1.2.840.10045.3.1.7");
    private static final ASN1ObjectIdentifier SECP384R1 = new ASN1ObjectIdentifier("1.3.132.0.34");
    private static final ASN1ObjectIdentifier SECP521R1 = new ASN1ObjectIdentifier("1.3.132.0.35");
    private static final ASN1ObjectIdentifier ID_ED25519 = new ASN1ObjectIdentifier("1.3.101.112");
    private static final ASN1ObjectIdentifier ID_ED448 = new ASN1ObjectIdentifier("1.3.101.113");

    private final String displayName;
    private final boolean canSign;
    private final boolean canReceiveKeys;

    KeyKind(String displayName, boolean canSign, boolean canReceiveKeys) {
        this.displayName = displayName;
        this.canSign = canSign;
        this.canReceiveKeys = canReceiveKeys;
    }

    /** The key's kind, or empty for a key this gateway does not support (DSA, Brainpool curves, X25519, ...). */
    public static Optional<KeyKind> of(PublicKey key) {
        SubjectPublicKeyInfo info;
        try {
            info = SubjectPublicKeyInfo.getInstance(key.getEncoded());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
        if (RSA_ENCRYPTION.equals(algorithm)) {
            return Optional.of(RSA);
        }
        if (RSASSA_PSS.equals(algorithm)) {
            return Optional.of(RSA_PSS);
        }
        if (ID_ED25519.equals(algorithm)) {
            return Optional.of(ED25519);
        }
        if (ID_ED448.equals(algorithm)) {
            return Optional.of(ED448);
        }
        if (EC_PUBLIC_KEY.equals(algorithm) && info.getAlgorithm().getParameters() instanceof ASN1ObjectIdentifier) {
            ASN1ObjectIdentifier curve = (ASN1ObjectIdentifier) info.getAlgorithm().getParameters();
            if (SECP256R1.equals(curve)) {
                return Optional.of(EC_P256);
            }
            if (SECP384R1.equals(curve)) {
                return Optional.of(EC_P384);
            }
            if (SECP521R1.equals(curve)) {
                return Optional.of(EC_P521);
            }
        }
        return Optional.empty();
    }

    /** "RSA 2048", "EC P-256", "Ed25519": how the key is shown to an administrator. */
    public static String describe(PublicKey key) {
        return of(key)
            .map(kind -> kind.isRsa() && key instanceof RSAPublicKey
                ? kind.displayName + " " + ((RSAPublicKey) key).getModulus().bitLength()
                : kind.displayName)
            .orElse("unsupported " + key.getAlgorithm() + " key");
    }

    public boolean isRsa() {
        return this == RSA || this == RSA_PSS;
    }

    public boolean isEc() {
        return this == EC_P256 || this == EC_P384 || this == EC_P521;
    }

    public boolean canSign() {
        return canSign;
    }

    /** Whether mail can be encrypted to this key (RSA key transport or ECDH key agreement). */
    public boolean canReceiveKeys() {
        return canReceiveKeys;
    }

    public String displayName() {
        return displayName;
    }
}
