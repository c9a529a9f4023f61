package dev.smimegateway.core.testing;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * TEST-ONLY certificate authority. Mints CA, leaf, expired, wrong-usage and malformed certificates
 * and PKCS#12 files for tests; every key it makes is generated at test time and never leaves the
 * test run.
 */
public final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair caKeys;
    private final X509Certificate caCertificate;

    private TestPki(KeyPair caKeys, X509Certificate caCertificate) {
        this.caKeys = caKeys;
        this.caCertificate = caCertificate;
    }

    public record Issued(PrivateKey privateKey, X509Certificate certificate, List<X509Certificate> chain) {
        public byte[] pkcs12(String password) {
            return TestPki.pkcs12(privateKey, chain, password, "key");
        }

        public String pem() {
            return TestPki.pem(certificate);
        }
    }

    public static TestPki create(String caCommonName) {
        try {
            KeyPair keys = rsaKeyPair(2048);
            X500Name name = new X500Name("CN=" + caCommonName + ",O=Test PKI");
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(Duration.ofDays(3650))), name, keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate certificate = new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
            return new TestPki(keys, certificate);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A "CA" whose key and certificate are those of an issued certificate, e.g. a leaf posing as a CA. */
    public static TestPki fromIssuer(Issued issuer) {
        return new TestPki(new KeyPair(issuer.certificate().getPublicKey(), issuer.privateKey()), issuer.certificate());
    }

    /** A CRL of this CA revoking the given certificates. */
    public java.security.cert.X509CRL crlRevoking(X509Certificate... revoked) {
        try {
            Instant now = Instant.now();
            org.bouncycastle.cert.X509v2CRLBuilder builder = new org.bouncycastle.cert.X509v2CRLBuilder(
                X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded()), Date.from(now.minus(Duration.ofHours(1))));
            builder.setNextUpdate(Date.from(now.plus(Duration.ofDays(7))));
            for (X509Certificate certificate : revoked) {
                builder.addCRLEntry(certificate.getSerialNumber(), Date.from(now.minus(Duration.ofMinutes(30))),
                    org.bouncycastle.asn1.x509.CRLReason.keyCompromise);
            }
            return new org.bouncycastle.cert.jcajce.JcaX509CRLConverter()
                .getCRL(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(caKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    public LeafBuilder leaf(String commonName) {
        return new LeafBuilder(commonName);
    }

    /** Signs a PKCS#10 request the way a CA would: subject and extensions from the request. */
    public X509Certificate sign(String csrPem, Duration validity) {
        try {
            String base64 = csrPem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            PKCS10CertificationRequest request = new PKCS10CertificationRequest(Base64.getDecoder().decode(base64));
            PublicKey publicKey = new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest(request).getPublicKey();
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCertificate, serial(),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), request.getSubject(), publicKey);
            for (org.bouncycastle.asn1.pkcs.Attribute attribute : request.getAttributes(
                org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
                org.bouncycastle.asn1.x509.Extensions extensions = org.bouncycastle.asn1.x509.Extensions.getInstance(
                    attribute.getAttrValues().getObjectAt(0));
                for (org.bouncycastle.asn1.ASN1ObjectIdentifier oid : extensions.getExtensionOIDs()) {
                    builder.addExtension(extensions.getExtension(oid));
                }
            }
            return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(caKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public final class LeafBuilder {
        private final String commonName;
        private final List<String> emails = new ArrayList<>();
        private final List<String> domains = new ArrayList<>();
        private String keyType = "RSA";
        private int rsaBits = 2048;
        private Optional<Integer> keyUsage = Optional.of(KeyUsage.digitalSignature | KeyUsage.keyEncipherment);
        private Optional<KeyPurposeId> extendedKeyUsage = Optional.of(KeyPurposeId.id_kp_emailProtection);
        private Instant notBefore = Instant.now().minus(Duration.ofDays(1));
        private Instant notAfter = Instant.now().plus(Duration.ofDays(365));
        private boolean selfSigned;
        private boolean subjectKeyIdentifier = true;

        private LeafBuilder(String commonName) {
            this.commonName = commonName;
        }

        public LeafBuilder email(String email) {
            emails.add(email);
            return this;
        }

        public LeafBuilder domain(String domain) {
            domains.add(domain);
            return this;
        }

        public LeafBuilder rsa(int bits) {
            keyType = "RSA";
            rsaBits = bits;
            return this;
        }

        public LeafBuilder ec() {
            keyType = "EC";
            keyUsage = Optional.of(KeyUsage.digitalSignature | KeyUsage.keyAgreement);
            return this;
        }

        public LeafBuilder ed25519() {
            keyType = "Ed25519";
            keyUsage = Optional.of(KeyUsage.digitalSignature);
            return this;
        }

        /** A KeyUsage bit mask, e.g. {@code KeyUsage.digitalSignature}. */
        public LeafBuilder keyUsage(int bits) {
            keyUsage = Optional.of(bits);
            return this;
        }

        public LeafBuilder extendedKeyUsage(KeyPurposeId purpose) {
            extendedKeyUsage = Optional.of(purpose);
            return this;
        }

        public LeafBuilder validity(Instant from, Instant to) {
            notBefore = from;
            notAfter = to;
            return this;
        }

        public LeafBuilder selfSigned() {
            selfSigned = true;
            return this;
        }

        public LeafBuilder withoutSubjectKeyIdentifier() {
            subjectKeyIdentifier = false;
            return this;
        }

        public Issued issue() {
            try {
                KeyPair keys = keyType.equals("RSA") ? rsaKeyPair(rsaBits)
                    : keyType.equals("EC") ? ecKeyPair() : KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                X500Name subject = new X500Name("CN=" + commonName + ",O=Test Org");
                X500Name issuer = selfSigned ? subject : X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded());
                X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial(), Date.from(notBefore),
                    Date.from(notAfter), subject, keys.getPublic());
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                if (keyUsage.isPresent()) {
                    builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage.get()));
                }
                if (extendedKeyUsage.isPresent()) {
                    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(extendedKeyUsage.get()));
                }
                List<GeneralName> names = new ArrayList<>();
                emails.forEach(email -> names.add(new GeneralName(GeneralName.rfc822Name, email)));
                domains.forEach(domain -> names.add(new GeneralName(GeneralName.dNSName, domain)));
                if (!names.isEmpty()) {
                    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
                }
                if (subjectKeyIdentifier) {
                    builder.addExtension(Extension.subjectKeyIdentifier, false,
                        new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
                }
                PrivateKey signingKey = selfSigned ? keys.getPrivate() : caKeys.getPrivate();
                String algorithm = selfSigned && keyType.equals("EC") ? "SHA256withECDSA"
                    : selfSigned && keyType.equals("Ed25519") ? "Ed25519" : "SHA256withRSA";
                X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(signingKey)));
                List<X509Certificate> chain = selfSigned ? List.of(certificate) : List.of(certificate, caCertificate);
                return new Issued(keys.getPrivate(), certificate, chain);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public static byte[] pkcs12(PrivateKey key, List<X509Certificate> chain, String password, String alias) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(alias, key, password.toCharArray(), chain.toArray(Certificate[]::new));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            store.store(out, password.toCharArray());
            return out.toByteArray();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String pem(X509Certificate... certificates) {
        StringBuilder text = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            try {
                text.append("-----BEGIN CERTIFICATE-----\n")
                    .append(Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(certificate.getEncoded()))
                    .append("\n-----END CERTIFICATE-----\n");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        return text.toString();
    }

    private static KeyPair rsaKeyPair(int bits) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(bits, RANDOM);
        return generator.generateKeyPair();
    }

    private static KeyPair ecKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(120, RANDOM).add(BigInteger.ONE);
    }
}
