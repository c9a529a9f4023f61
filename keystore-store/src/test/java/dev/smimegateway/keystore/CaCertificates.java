package dev.smimegateway.keystore;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A root CA that issues intermediate CA certificates of every shape the store must accept or refuse. */
final class CaCertificates {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair rootKeys;
    private final X509Certificate root;

    private CaCertificates(KeyPair rootKeys, X509Certificate root) {
        this.rootKeys = rootKeys;
        this.root = root;
    }

    static CaCertificates create(String rootName) {
        KeyPair keys = rsa();
        X500Name name = new X500Name("CN=" + rootName + ",O=Test PKI");
        return new CaCertificates(keys, build(name, name, keys, keys, true, Optional.of(KeyUsage.keyCertSign | KeyUsage.cRLSign),
            Instant.now().plus(Duration.ofDays(3650))));
    }

    X509Certificate root() {
        return root;
    }

    /** A proper intermediate: cA, keyCertSign, issued by the root. */
    X509Certificate intermediate(String name) {
        return intermediate(name, true, Optional.of(KeyUsage.keyCertSign | KeyUsage.cRLSign), Instant.now().plus(Duration.ofDays(1000)));
    }

    X509Certificate intermediate(String name, boolean ca, Optional<Integer> keyUsage, Instant notAfter) {
        return build(X500Name.getInstance(root.getSubjectX500Principal().getEncoded()), new X500Name("CN=" + name + ",O=Test PKI"), rsa(),
            rootKeys, ca, keyUsage, notAfter);
    }

    /** Issued by the same name as its subject but signed by the root's other key: a key-rollover certificate, not a self-signed one. */
    X509Certificate selfIssuedWithAnotherKey() {
        X500Name name = X500Name.getInstance(root.getSubjectX500Principal().getEncoded());
        return build(name, name, rsa(), rootKeys, true, Optional.of(KeyUsage.keyCertSign), Instant.now().plus(Duration.ofDays(100)));
    }

    private static X509Certificate build(X500Name issuer, X500Name subject, KeyPair subjectKeys, KeyPair issuerKeys, boolean ca,
                                         Optional<Integer> keyUsage, Instant notAfter) {
        try {
            Instant notBefore = notAfter.isBefore(Instant.now()) ? notAfter.minus(Duration.ofDays(365)) : Instant.now().minus(Duration.ofDays(1));
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).add(BigInteger.ONE),
                Date.from(notBefore), Date.from(notAfter), subject, subjectKeys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (keyUsage.isPresent()) {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage.get()));
            }
            return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair rsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
