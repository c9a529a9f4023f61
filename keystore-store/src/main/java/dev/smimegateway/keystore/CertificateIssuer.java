package dev.smimegateway.keystore;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.KeyKind;
import dev.smimegateway.core.certificate.Pem;
import dev.smimegateway.core.crypto.JdkContentSigner;

/**
 * Creates keys, self-signed S/MIME certificates and certificate signing requests. Bouncy Castle
 * builds the ASN.1; the JDK's providers do the key generation and signing.
 */
final class CertificateIssuer {
    /** Back-dated so that a peer whose clock is a little behind still accepts the certificate. */
    private static final Duration CLOCK_SKEW = Duration.ofHours(1);

    private final SecureRandom random = new SecureRandom();

    record Issued(PrivateKey privateKey, X509Certificate certificate) {
    }

    Issued selfSigned(SelfSignedRequest request, Instant now) {
        try {
            KeyPair keyPair = generateKeyPair(request);
            X500Name subject = subject(request);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, new BigInteger(159, random).add(BigInteger.ONE),
                Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(Duration.ofDays(request.validityDays()))),
                subject, keyPair.getPublic());
            JcaX509ExtensionUtils extensionUtils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, keyUsage(keyPair.getPublic()));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_emailProtection));
            builder.addExtension(Extension.subjectAlternativeName, false, subjectAltNames(request.emails(), request.domains()));
            builder.addExtension(Extension.subjectKeyIdentifier, false, extensionUtils.createSubjectKeyIdentifier(keyPair.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false, extensionUtils.createAuthorityKeyIdentifier(keyPair.getPublic()));
            ContentSigner signer = JdkContentSigner.create(request.signatureAlgorithm().jcaName(), keyPair.getPrivate());
            X509CertificateHolder holder = builder.build(signer);
            return new Issued(keyPair.getPrivate(), new JcaX509CertificateConverter().getCertificate(holder));
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new KeyStoreFailureException("cannot create the self-signed certificate: " + e.getMessage(), e);
        }
    }

    /**
     * A PKCS#10 request for the identity's key, with the subject and subjectAltNames of its current
     * certificate, for a CA to sign.
     */
    String certificationRequest(PrivateKey privateKey, CertificateFacts current) {
        try {
            PublicKey publicKey = current.certificate().getPublicKey();
            JcaPKCS10CertificationRequestBuilder builder = new JcaPKCS10CertificationRequestBuilder(
                current.certificate().getSubjectX500Principal(), publicKey);
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(Extension.keyUsage, true, keyUsage(publicKey));
            extensions.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_emailProtection));
            if (!current.emailAddresses().isEmpty() || !current.domains().isEmpty()) {
                extensions.addExtension(Extension.subjectAlternativeName, false,
                    subjectAltNames(List.copyOf(current.emailAddresses()), List.copyOf(current.domains())));
            }
            Extensions requested = extensions.generate();
            builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, requested);
            ContentSigner signer = JdkContentSigner.create(requestSignatureAlgorithm(publicKey), privateKey);
            PKCS10CertificationRequest request = builder.build(signer);
            return Pem.block("CERTIFICATE REQUEST", request.getEncoded());
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new KeyStoreFailureException("cannot create the certificate signing request: " + e.getMessage(), e);
        }
    }

    /** The signature algorithm a key signs requests and proofs of possession with. */
    static String requestSignatureAlgorithm(PublicKey publicKey) {
        KeyKind kind = KeyKind.of(publicKey).orElseThrow(() -> new InvalidRequestException("unsupported key " + publicKey.getAlgorithm()));
        switch (kind) {
            case RSA:
                return "SHA256withRSA";
            case RSA_PSS:
                return "SHA256withRSAandMGF1";
            case EC_P256:
                return "SHA256withECDSA";
            case EC_P384:
                return "SHA384withECDSA";
            case EC_P521:
                return "SHA512withECDSA";
            case ED25519:
                return "Ed25519";
            case ED448:
                return "Ed448";
            default:
                throw new IllegalStateException("no request signature for " + kind);
        }
    }

    private KeyPair generateKeyPair(SelfSignedRequest request) throws GeneralSecurityException {
        switch (request.signatureAlgorithm().keyType()) {
            case RSA: {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(request.rsaKeySize(), random);
                return generator.generateKeyPair();
            }
            case EC_P256:
                return ecKeyPair("secp256r1");
            case EC_P384:
                return ecKeyPair("secp384r1");
            case ED25519:
                return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            default:
                throw new IllegalStateException("no key generator for " + request.signatureAlgorithm());
        }
    }

    private KeyPair ecKeyPair(String curve) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve), random);
        return generator.generateKeyPair();
    }

    /** Signing for every key; keyEncipherment for RSA and keyAgreement for EC so the same identity decrypts. */
    private static KeyUsage keyUsage(PublicKey publicKey) {
        KeyKind kind = KeyKind.of(publicKey).orElseThrow();
        int bits = KeyUsage.digitalSignature | KeyUsage.nonRepudiation;
        if (kind == KeyKind.RSA) {
            bits |= KeyUsage.keyEncipherment;
        } else if (kind.isEc()) {
            bits |= KeyUsage.keyAgreement;
        }
        return new KeyUsage(bits);
    }

    private static GeneralNames subjectAltNames(List<String> emails, List<String> domains) {
        List<GeneralName> names = new ArrayList<>();
        emails.forEach(email -> names.add(new GeneralName(GeneralName.rfc822Name, email)));
        domains.forEach(domain -> names.add(new GeneralName(GeneralName.dNSName, domain)));
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    private static X500Name subject(SelfSignedRequest request) {
        X500NameBuilder builder = new X500NameBuilder(BCStyle.INSTANCE);
        request.country().ifPresent(value -> builder.addRDN(BCStyle.C, value));
        request.state().ifPresent(value -> builder.addRDN(BCStyle.ST, value));
        request.locality().ifPresent(value -> builder.addRDN(BCStyle.L, value));
        request.organisation().ifPresent(value -> builder.addRDN(BCStyle.O, value));
        request.organisationalUnit().ifPresent(value -> builder.addRDN(BCStyle.OU, value));
        builder.addRDN(BCStyle.CN, request.commonName());
        return builder.build();
    }
}
