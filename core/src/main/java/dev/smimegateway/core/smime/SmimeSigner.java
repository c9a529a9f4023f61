package dev.smimegateway.core.smime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.smime.SMIMECapabilitiesAttribute;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.smime.SMIMECapabilityVector;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.DefaultSignedAttributeTableGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

import dev.smimegateway.core.certificate.KeyKind;
import dev.smimegateway.core.crypto.JdkContentSigner;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

/**
 * Signs a message as S/MIME 4.0 (RFC 8551). The content is made 7-bit safe and CRLF-canonical first;
 * the SignerInfo carries contentType, messageDigest, signingTime, smimeCapabilities (what we can
 * decrypt, GCM first) and signingCertificateV2; the signer's chain without its root travels in the
 * SignedData. The outer headers (From, To, Subject, Date, Message-ID, ...) are kept.
 * The private-key arithmetic runs where {@link dev.smimegateway.core.crypto.PrivateKeyOperations} puts it.
 */
public final class SmimeSigner {
    private final PrivateKey privateKey;
    private final List<X509Certificate> chain;
    private final String signatureAlgorithm;
    private final DigestAlgorithm digest;

    /**
     * @param chain  leaf first; a self-signed root at the end is not sent
     * @param rsaPss sign RSA keys with RSASSA-PSS instead of PKCS#1 v1.5
     */
    public SmimeSigner(PrivateKey privateKey, List<X509Certificate> chain, DigestAlgorithm digest, boolean rsaPss) {
        this.privateKey = privateKey;
        this.chain = chain.stream()
            .filter(certificate -> certificate == chain.get(0)
                || !certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal()))
            .collect(Collectors.toList());
        KeyKind kind = KeyKind.of(chain.get(0).getPublicKey())
            .orElseThrow(() -> new IllegalArgumentException("unsupported signing key " + chain.get(0).getPublicKey().getAlgorithm()));
        this.digest = kind == KeyKind.ED25519 ? DigestAlgorithm.SHA512 : digest;
        this.signatureAlgorithm = signatureAlgorithm(kind, this.digest, rsaPss);
    }

    private static String signatureAlgorithm(KeyKind kind, DigestAlgorithm digest, boolean rsaPss) {
        if (kind.isRsa()) {
            return digest.jcaPrefix() + (rsaPss || kind == KeyKind.RSA_PSS ? "withRSAandMGF1" : "withRSA");
        }
        if (kind.isEc()) {
            return digest.jcaPrefix() + "withECDSA";
        }
        if (kind == KeyKind.ED25519) {
            return "Ed25519";
        }
        throw new IllegalArgumentException(kind.displayName() + " keys cannot sign mail here");
    }

    /** The JCA name of the signature algorithm in use, e.g. {@code SHA256withRSA}. */
    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }

    public MimeMessage sign(MimeMessage message, SignMode mode) throws SmimeException {
        return sign(message, mode, false);
    }

    /**
     * @param protectHeaders also sign the message's From, To, Cc, Subject, Date, Message-ID, Reply-To,
     *                       In-Reply-To and References, inside the signed content (RFC 9788, {@code hp="clear"})
     */
    public MimeMessage sign(MimeMessage message, SignMode mode, boolean protectHeaders) throws SmimeException {
        try {
            byte[] content = MimeEntities.canonicalContent(message);
            if (protectHeaders) {
                content = ProtectedHeaders.protect(message, content);
            }
            CMSSignedData signed = signedData(content, mode == SignMode.OPAQUE);
            byte[] entity = mode == SignMode.OPAQUE ? opaqueEntity(signed.getEncoded()) : detachedEntity(content, signed.getEncoded());
            return MimeEntities.replaceContent(message, entity);
        } catch (MessagingException | IOException e) {
            throw new SmimeException("the message cannot be read as MIME: " + e.getMessage(), e);
        } catch (CMSException | GeneralSecurityException | OperatorCreationException e) {
            throw new SmimeException("signing with " + signatureAlgorithm + " failed: " + e.getMessage(), e);
        }
    }

    private CMSSignedData signedData(byte[] content, boolean encapsulate)
        throws GeneralSecurityException, OperatorCreationException, CMSException {
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
            .setSignedAttributeGenerator(new DefaultSignedAttributeTableGenerator(signedAttributes()))
            .build(JdkContentSigner.create(signatureAlgorithm, privateKey), chain.get(0)));
        generator.addCertificates(new JcaCertStore(chain));
        return generator.generate(new CMSProcessableByteArray(content), encapsulate);
    }

    private AttributeTable signedAttributes() throws GeneralSecurityException {
        ASN1EncodableVector attributes = new ASN1EncodableVector();
        attributes.add(new SMIMECapabilitiesAttribute(capabilities()));
        byte[] certificateHash = MessageDigest.getInstance("SHA-256").digest(encoded(chain.get(0)));
        attributes.add(new Attribute(PKCSObjectIdentifiers.id_aa_signingCertificateV2,
            new DERSet(new SigningCertificateV2(new ESSCertIDv2(certificateHash)))));
        return new AttributeTable(attributes);
    }

    /** What we can decrypt, most preferred first (RFC 8551 section 2.5.2). */
    private static SMIMECapabilityVector capabilities() {
        SMIMECapabilityVector vector = new SMIMECapabilityVector();
        vector.addCapability(NISTObjectIdentifiers.id_aes256_GCM);
        vector.addCapability(NISTObjectIdentifiers.id_aes128_GCM);
        vector.addCapability(NISTObjectIdentifiers.id_aes256_CBC);
        vector.addCapability(NISTObjectIdentifiers.id_aes128_CBC);
        vector.addCapability(PKCSObjectIdentifiers.id_RSAES_OAEP, SmimeCapabilities.OAEP_SHA256);
        return vector;
    }

    private byte[] detachedEntity(byte[] content, byte[] signature) {
        String boundary = "----=_smime_" + UUID.randomUUID();
        StringBuilder head = new StringBuilder()
            .append("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=")
            .append(digest.micalg()).append(";\r\n\tboundary=\"").append(boundary).append("\"\r\n\r\n")
            .append("This is an S/MIME signed message\r\n\r\n")
            .append("--").append(boundary).append("\r\n");
        StringBuilder tail = new StringBuilder()
            .append("\r\n--").append(boundary).append("\r\n")
            .append("Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n")
            .append("Content-Transfer-Encoding: base64\r\n")
            .append("Content-Disposition: attachment; filename=\"smime.p7s\"\r\n")
            .append("Content-Description: S/MIME Cryptographic Signature\r\n\r\n")
            .append(base64Lines(signature))
            .append("--").append(boundary).append("--\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] tailBytes = tail.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] entity = new byte[headBytes.length + content.length + tailBytes.length];
        System.arraycopy(headBytes, 0, entity, 0, headBytes.length);
        System.arraycopy(content, 0, entity, headBytes.length, content.length);
        System.arraycopy(tailBytes, 0, entity, headBytes.length + content.length, tailBytes.length);
        return entity;
    }

    static byte[] opaqueEntity(byte[] signedData) {
        return pkcs7MimeEntity("signed-data", signedData);
    }

    /** An {@code application/pkcs7-mime} entity of the given smime-type carrying the CMS (RFC 8551 section 3.2). */
    static byte[] pkcs7MimeEntity(String smimeType, byte[] der) {
        return ("Content-Type: application/pkcs7-mime; smime-type=" + smimeType + "; name=\"smime.p7m\"\r\n"
            + "Content-Transfer-Encoding: base64\r\n"
            + "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n"
            + base64Lines(der)).getBytes(StandardCharsets.US_ASCII);
    }

    static String base64Lines(byte[] der) {
        return Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der) + "\r\n";
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode the signer certificate", e);
        }
    }
}
