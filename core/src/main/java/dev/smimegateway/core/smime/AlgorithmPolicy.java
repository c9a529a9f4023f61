package dev.smimegateway.core.smime;

import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.DSAPublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Map;
import java.util.Optional;

import org.bouncycastle.asn1.pkcs.RSASSAPSSparams;
import org.bouncycastle.cms.SignerInformation;

/**
 * Which algorithms a signature may use, whatever it declares (RFC 8551 section 2, RFC 8550): MD5 and
 * its relatives never (collisions are practical), SHA-1 only when the administrator accepts it,
 * RSA and DSA keys of at least 2048 bits, EC keys of at least 256 bits. Checked for the signature
 * itself (digest and signature algorithm, RSA-PSS's inner hash included) and for the signer's
 * certificate (its key and the algorithm its issuer signed it with).
 */
final class AlgorithmPolicy {
    private static final int MIN_RSA_BITS = 2048;
    private static final int MIN_EC_BITS = 256;
    private static final String SHA1 = "1.3.14.3.2.26";
    private static final String RSASSA_PSS = "1.2.840.113549.1.1.10";

    /** Never accepted. */
    private static final Map<String, String> BROKEN = Map.of(
        "1.2.840.113549.2.5", "MD5",
        "1.2.840.113549.2.2", "MD2",
        "1.2.840.113549.2.4", "MD4",
        "1.2.840.113549.1.1.2", "MD2 with RSA",
        "1.2.840.113549.1.1.3", "MD4 with RSA",
        "1.2.840.113549.1.1.4", "MD5 with RSA");

    /** Accepted only when SHA-1 is allowed. */
    private static final Map<String, String> SHA1_BASED = Map.of(
        SHA1, "SHA-1",
        "1.2.840.113549.1.1.5", "SHA-1 with RSA",
        "1.3.14.3.2.29", "SHA-1 with RSA",
        "1.2.840.10045.4.1", "ECDSA with SHA-1",
        "1.2.840.10040.4.3", "DSA with SHA-1");

    private AlgorithmPolicy() {
    }

    /** Why the signature or the signer's certificate is too weak, if it is. */
    static Optional<String> weakness(SignerInformation signer, X509Certificate certificate, boolean allowSha1) {
        Optional<String> digest = weakAlgorithm(signer.getDigestAlgOID(), null, allowSha1);
        if (digest.isPresent()) {
            return digest.map(name -> "the signature's digest algorithm is " + name + refusal(name));
        }
        Optional<String> signature = weakAlgorithm(signer.getEncryptionAlgOID(), signer.getEncryptionAlgParams(), allowSha1);
        if (signature.isPresent()) {
            return signature.map(name -> "the signature algorithm is " + name + refusal(name));
        }
        Optional<String> key = weakKey(certificate.getPublicKey());
        if (key.isPresent()) {
            return key.map(description -> "the signer's key is " + description);
        }
        Optional<String> issuerSignature = weakAlgorithm(certificate.getSigAlgOID(), certificate.getSigAlgParams(), allowSha1);
        return issuerSignature.map(name -> "the signer's certificate is signed with " + name + refusal(name));
    }

    private static String refusal(String name) {
        return name.contains("SHA-1") ? ", refused unless SHA-1 is allowed (allowSha1)" : ", which is never accepted";
    }

    private static Optional<String> weakAlgorithm(String oid, Object parameters, boolean allowSha1) {
        if (oid == null) {
            return Optional.empty();
        }
        if (BROKEN.containsKey(oid)) {
            return Optional.of(BROKEN.get(oid));
        }
        if (!allowSha1 && SHA1_BASED.containsKey(oid)) {
            return Optional.of(SHA1_BASED.get(oid));
        }
        if (!allowSha1 && RSASSA_PSS.equals(oid) && pssHash(parameters).equals(SHA1)) {
            return Optional.of("RSA-PSS with SHA-1");
        }
        return Optional.empty();
    }

    /** The hash of RSA-PSS parameters; absent parameters mean SHA-1 (RFC 4055). */
    private static String pssHash(Object parameters) {
        try {
            Object encoded = parameters instanceof byte[] ? org.bouncycastle.asn1.ASN1Primitive.fromByteArray((byte[]) parameters) : parameters;
            if (encoded == null || encoded instanceof org.bouncycastle.asn1.ASN1Null) {
                return SHA1;
            }
            return RSASSAPSSparams.getInstance(encoded).getHashAlgorithm().getAlgorithm().getId();
        } catch (java.io.IOException | RuntimeException e) {
            return SHA1;
        }
    }

    private static Optional<String> weakKey(PublicKey key) {
        if (key instanceof RSAPublicKey && ((RSAPublicKey) key).getModulus().bitLength() < MIN_RSA_BITS) {
            return Optional.of("RSA of " + ((RSAPublicKey) key).getModulus().bitLength() + " bits; at least " + MIN_RSA_BITS + " are required");
        }
        if (key instanceof DSAPublicKey && ((DSAPublicKey) key).getParams().getP().bitLength() < MIN_RSA_BITS) {
            return Optional.of("DSA of " + ((DSAPublicKey) key).getParams().getP().bitLength() + " bits; at least " + MIN_RSA_BITS + " are required");
        }
        if (key instanceof ECPublicKey && ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize() < MIN_EC_BITS) {
            return Optional.of("EC of " + ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize() + " bits; at least "
                + MIN_EC_BITS + " are required");
        }
        return Optional.empty();
    }
}
