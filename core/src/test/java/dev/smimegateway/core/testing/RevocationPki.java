package dev.smimegateway.core.testing;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * TEST-ONLY certification authorities for revocation tests: a root, intermediates and leaves whose
 * certificates name CRL distribution points and OCSP responders (local test servers), CRLs with
 * chosen dates, delegated OCSP responder certificates, and impostors — a CA certificate's subject
 * name on an attacker's key. Every key is generated at test time.
 */
public final class RevocationPki {
    private static final SecureRandom RANDOM = new SecureRandom();

    private RevocationPki() {
    }

    /** A certificate and its private key. */
    public record Issued(PrivateKey privateKey, X509Certificate certificate) {
    }

    public static BigInteger newSerial() {
        return new BigInteger(64, RANDOM).add(BigInteger.ONE);
    }

    /** A certification authority: its key and certificate. */
    public static final class Authority {
        private final KeyPair keys;
        private final X509Certificate certificate;

        private Authority(KeyPair keys, X509Certificate certificate) {
            this.keys = keys;
            this.certificate = certificate;
        }

        /** A self-signed root CA. */
        public static Authority root(String commonName) {
            KeyPair keys = rsaKeyPair();
            X500Name name = new X500Name("O=Revocation Test PKI,CN=" + commonName);
            return new Authority(keys, new CertificateBuilder(name, keys, name, keys.getPrivate()).certificateAuthority().build());
        }

        /** A self-signed CA with this authority's subject name but another key: what an attacker can make. */
        public Authority impostor() {
            KeyPair keys = rsaKeyPair();
            X500Name name = name();
            return new Authority(keys, new CertificateBuilder(name, keys, name, keys.getPrivate()).certificateAuthority().build());
        }

        /** A subordinate CA this authority issues. */
        public CertificateBuilder subordinate(String commonName) {
            return new CertificateBuilder(new X500Name("O=Revocation Test PKI,CN=" + commonName), rsaKeyPair(), name(), keys.getPrivate())
                .certificateAuthority();
        }

        /** An S/MIME end-entity certificate this authority issues. */
        public CertificateBuilder leaf(String commonName) {
            return new CertificateBuilder(new X500Name("O=Revocation Test Org,CN=" + commonName), rsaKeyPair(), name(), keys.getPrivate());
        }

        /** A delegated OCSP responder certificate (extendedKeyUsage id-kp-OCSPSigning) this authority issues. */
        public Issued ocspResponder(String commonName) {
            return leaf(commonName).keyUsage(KeyUsage.digitalSignature).extendedKeyUsage(KeyPurposeId.id_kp_OCSPSigning).issue();
        }

        /** A CRL of this authority: thisUpdate an hour ago, nextUpdate in a week, unless changed. */
        public CrlBuilder crl() {
            return new CrlBuilder(name(), keys.getPrivate());
        }

        public X509Certificate certificate() {
            return certificate;
        }

        public PrivateKey privateKey() {
            return keys.getPrivate();
        }

        private X500Name name() {
            return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        }
    }

    public static final class CertificateBuilder {
        private final X500Name subject;
        private final KeyPair keys;
        private final X500Name issuer;
        private final PrivateKey issuerKey;
        private BigInteger serial = newSerial();
        private boolean certificateAuthority;
        private int keyUsage = KeyUsage.digitalSignature | KeyUsage.keyEncipherment;
        private Optional<KeyPurposeId> extendedKeyUsage = Optional.of(KeyPurposeId.id_kp_emailProtection);
        private final List<String> crlLocations = new ArrayList<>();
        private final List<String> ocspResponders = new ArrayList<>();
        private Instant notBefore = Instant.now().minus(Duration.ofDays(1));
        private Instant notAfter = Instant.now().plus(Duration.ofDays(365));

        private CertificateBuilder(X500Name subject, KeyPair keys, X500Name issuer, PrivateKey issuerKey) {
            this.subject = subject;
            this.keys = keys;
            this.issuer = issuer;
            this.issuerKey = issuerKey;
        }

        private CertificateBuilder certificateAuthority() {
            certificateAuthority = true;
            keyUsage = KeyUsage.keyCertSign | KeyUsage.cRLSign;
            extendedKeyUsage = Optional.empty();
            return this;
        }

        public CertificateBuilder serial(BigInteger value) {
            serial = value;
            return this;
        }

        public CertificateBuilder keyUsage(int bits) {
            keyUsage = bits;
            return this;
        }

        public CertificateBuilder extendedKeyUsage(KeyPurposeId purpose) {
            extendedKeyUsage = Optional.of(purpose);
            return this;
        }

        /** A CRL distribution point with this URI as its full name. */
        public CertificateBuilder crlDistributionPoint(String uri) {
            crlLocations.add(uri);
            return this;
        }

        /** An authorityInfoAccess id-ad-ocsp entry. */
        public CertificateBuilder ocspResponder(String uri) {
            ocspResponders.add(uri);
            return this;
        }

        public CertificateBuilder notAfter(Instant instant) {
            notAfter = instant;
            return this;
        }

        public Issued issue() {
            return new Issued(keys.getPrivate(), build());
        }

        public Authority issueAuthority() {
            return new Authority(keys, build());
        }

        private X509Certificate build() {
            try {
                X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial, Date.from(notBefore), Date.from(notAfter),
                    subject, keys.getPublic());
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(certificateAuthority));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
                if (extendedKeyUsage.isPresent()) {
                    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(extendedKeyUsage.get()));
                }
                builder.addExtension(Extension.subjectKeyIdentifier, false, new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
                if (!crlLocations.isEmpty()) {
                    DistributionPoint[] points = crlLocations.stream()
                        .map(uri -> new DistributionPoint(new DistributionPointName(new GeneralNames(
                            new GeneralName(GeneralName.uniformResourceIdentifier, uri))), null, null))
                        .toArray(DistributionPoint[]::new);
                    builder.addExtension(Extension.cRLDistributionPoints, false, new CRLDistPoint(points));
                }
                if (!ocspResponders.isEmpty()) {
                    AccessDescription[] descriptions = ocspResponders.stream()
                        .map(uri -> new AccessDescription(AccessDescription.id_ad_ocsp, new GeneralName(GeneralName.uniformResourceIdentifier, uri)))
                        .toArray(AccessDescription[]::new);
                    builder.addExtension(Extension.authorityInfoAccess, false, new AuthorityInformationAccess(descriptions));
                }
                return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKey)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public static final class CrlBuilder {
        private final X500Name issuer;
        private PrivateKey signingKey;
        private Instant thisUpdate = Instant.now().minus(Duration.ofHours(1));
        private Optional<Instant> nextUpdate = Optional.of(Instant.now().plus(Duration.ofDays(7)));
        private final List<BigInteger> revoked = new ArrayList<>();
        private boolean onlyCaCertificates;

        private CrlBuilder(X500Name issuer, PrivateKey signingKey) {
            this.issuer = issuer;
            this.signingKey = signingKey;
        }

        public CrlBuilder revoking(X509Certificate... certificates) {
            for (X509Certificate certificate : certificates) {
                revoked.add(certificate.getSerialNumber());
            }
            return this;
        }

        public CrlBuilder thisUpdate(Instant instant) {
            thisUpdate = instant;
            return this;
        }

        public CrlBuilder nextUpdate(Instant instant) {
            nextUpdate = Optional.of(instant);
            return this;
        }

        /** A critical issuingDistributionPoint limiting the CRL to CA certificates (RFC 5280 §5.2.5). */
        public CrlBuilder onlyCaCertificates() {
            onlyCaCertificates = true;
            return this;
        }

        /** Signs with another key than the issuer's, keeping the issuer's name: a forged CRL. */
        public CrlBuilder signedWith(PrivateKey key) {
            signingKey = key;
            return this;
        }

        public X509CRL build() {
            try {
                X509v2CRLBuilder builder = new X509v2CRLBuilder(issuer, Date.from(thisUpdate));
                nextUpdate.ifPresent(instant -> builder.setNextUpdate(Date.from(instant)));
                if (onlyCaCertificates) {
                    builder.addExtension(Extension.issuingDistributionPoint, true,
                        new IssuingDistributionPoint(null, false, true, null, false, false));
                }
                for (BigInteger serial : revoked) {
                    builder.addCRLEntry(serial, Date.from(thisUpdate.minus(Duration.ofMinutes(30))), CRLReason.keyCompromise);
                }
                return new JcaX509CRLConverter().getCRL(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(signingKey)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * An encoded successful OCSP response, made here rather than by a responder so that its
     * signer, CertID and dates can be wrong on purpose.
     */
    public static byte[] ocspResponse(X509Certificate issuer, BigInteger serial, CertificateStatus status, Instant thisUpdate,
                                      Optional<Instant> nextUpdate, PrivateKey signingKey, X509Certificate... included) {
        try {
            CertificateID id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
                new JcaX509CertificateHolder(issuer), serial);
            BasicOCSPRespBuilder builder = new BasicOCSPRespBuilder(new RespID(X500Name.getInstance(
                (included.length > 0 ? included[0] : issuer).getSubjectX500Principal().getEncoded())));
            builder.addResponse(id, status, Date.from(thisUpdate), nextUpdate.map(Date::from).orElse(null));
            X509CertificateHolder[] chain = new X509CertificateHolder[included.length];
            for (int i = 0; i < included.length; i++) {
                chain[i] = new JcaX509CertificateHolder(included[i]);
            }
            BasicOCSPResp basic = builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(signingKey), chain, new Date());
            return new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, basic).getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair rsaKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, RANDOM);
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
