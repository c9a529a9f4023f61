package dev.smimegateway.core.smime;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Collectors;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.ASN1UTCTime;
import org.bouncycastle.asn1.BERTags;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.Time;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.smime.SMIMECapabilitiesAttribute;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.smime.SMIMECapabilityVector;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedDataStreamGenerator;
import org.bouncycastle.cms.CMSStreamException;
import org.bouncycastle.cms.DefaultSignedAttributeTableGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.util.CollectionStore;
import org.bouncycastle.util.Store;

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
 * The message is written once; its content is canonicalised as it streams into the digest and into
 * the message returned ({@link OutgoingMessage}).
 */
public final class SmimeSigner {
    /** Stateless: hands out a fresh MessageDigest for each SignerInfo. */
    private static final DigestCalculatorProvider DIGESTS = digests();
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    /**
     * Where boundaries come from: a DRBG per thread. UUID.randomUUID() draws on NativePRNG, one state for
     * the whole JVM behind locks, where threads signing at once queued (on a busy machine a thread
     * descheduled while holding it stalls the others for a time slice). A boundary must be unique and
     * is better unpredictable; nothing secret depends on it.
     */
    private static final ThreadLocal<SecureRandom> BOUNDARY_RANDOM = ThreadLocal.withInitial(SmimeSigner::drbg);

    private final PrivateKey privateKey;
    private final List<X509Certificate> chain;
    private final String signatureAlgorithm;
    private final DigestAlgorithm digest;
    // what every SignedData of this signer repeats, made once: certificates parsed, attributes encoded
    private final AlgorithmIdentifier signatureAlgorithmIdentifier;
    private final X509CertificateHolder signerCertificate;
    private final Store<X509CertificateHolder> certificates;
    private final AttributeTable fixedAttributes;
    /** Room for the SignedData around the content: the certificates, the attributes and the signature. */
    private final int signatureRoom;

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
        this.signatureAlgorithmIdentifier = JdkContentSigner.algorithmIdentifier(signatureAlgorithm);
        List<X509CertificateHolder> holders = this.chain.stream().map(certificate -> new X509CertificateHolder(
            org.bouncycastle.asn1.x509.Certificate.getInstance(encoded(certificate)))).collect(Collectors.toList());
        this.signerCertificate = holders.get(0);
        this.certificates = new CollectionStore<>(holders);
        this.fixedAttributes = fixedAttributes(encoded(chain.get(0)));
        this.signatureRoom = this.chain.stream().mapToInt(certificate -> encoded(certificate).length).sum() + 2048;
    }

    private static DigestCalculatorProvider digests() {
        try {
            return new JcaDigestCalculatorProviderBuilder().build();
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("no message digests: " + e.getMessage(), e);
        }
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
            OutgoingMessage outgoing = OutgoingMessage.read(message);
            CanonicalEntity content = outgoing.content();
            if (protectHeaders) {
                // the header section is itself an entity (with an empty body) that protect() rewrites
                content = content.withHeader(ProtectedHeaders.protect(message, content.header()));
            }
            return mode == SignMode.OPAQUE ? opaque(outgoing.outerHeaders(), content) : detached(outgoing.outerHeaders(), content);
        } catch (CMSStreamException e) {
            throw new SmimeException("signing with " + signatureAlgorithm + " failed: " + e.getMessage(), e);
        } catch (MessagingException | IOException e) {
            throw new SmimeException("the message cannot be read as MIME: " + e.getMessage(), e);
        } catch (CMSException | GeneralSecurityException | OperatorCreationException e) {
            throw new SmimeException("signing with " + signatureAlgorithm + " failed: " + e.getMessage(), e);
        }
    }

    /** multipart/signed (RFC 8551 section 3.5.3): the content is copied into the message as the digest runs over it. */
    private MimeMessage detached(byte[] outerHeaders, CanonicalEntity content)
        throws IOException, MessagingException, GeneralSecurityException, OperatorCreationException, CMSException {
        String boundary = "----=_smime_" + boundaryUuid();
        ByteSink out = new ByteSink(outerHeaders.length + content.length() + 1024 + Base64Lines.encodedLengthAtMost(signatureRoom));
        out.write(outerHeaders);
        out.write(ascii("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=" + digest.micalg()
            + ";\r\n\tboundary=\"" + boundary + "\"\r\n\r\n"
            + "This is an S/MIME signed message\r\n\r\n"
            + "--" + boundary + "\r\n"));
        ByteSink signature = new ByteSink(signatureRoom);
        writeSignedData(content, signature, false, out);
        out.write(ascii("\r\n--" + boundary + "\r\n"
            + "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
            + "Content-Transfer-Encoding: base64\r\n"
            + "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n"
            + "Content-Description: S/MIME Cryptographic Signature\r\n\r\n"));
        try (Base64Lines base64 = new Base64Lines(out, signature.length())) {
            base64.write(signature.array(), 0, signature.length());
        }
        out.write(ascii("--" + boundary + "--\r\n"));
        return out.toMessage();
    }

    /** application/pkcs7-mime signed-data: the content streams through the digest into the SignedData, base64 as it goes. */
    private MimeMessage opaque(byte[] outerHeaders, CanonicalEntity content)
        throws IOException, MessagingException, GeneralSecurityException, OperatorCreationException, CMSException {
        // BER adds 4 bytes to every 1000-byte octet string of the content
        long signedData = content.length() + content.length() / 200 + signatureRoom;
        ByteSink out = new ByteSink(outerHeaders.length + 1024 + Base64Lines.encodedLengthAtMost(signedData));
        out.write(outerHeaders);
        out.write(pkcs7MimeHeader("signed-data"));
        try (Base64Lines base64 = new Base64Lines(out, signedData)) {
            writeSignedData(content, base64, true, null);
        }
        return out.toMessage();
    }

    /**
     * Writes the SignedData to {@code cms}, with the content inside it when {@code encapsulate}, and the
     * content also to {@code copy} when not null. Bouncy Castle's stream generator writes BER (indefinite
     * lengths, the content in 1000-byte octet strings), as its S/MIME generators do.
     */
    private void writeSignedData(CanonicalEntity content, OutputStream cms, boolean encapsulate, OutputStream copy)
        throws IOException, GeneralSecurityException, OperatorCreationException, CMSException {
        CMSSignedDataStreamGenerator generator = new CMSSignedDataStreamGenerator();
        generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(DIGESTS)
            .setSignedAttributeGenerator(new DefaultSignedAttributeTableGenerator(fixedAttributes.add(CMSAttributes.signingTime,
                signingTime(Instant.now()))))
            .build(JdkContentSigner.create(signatureAlgorithmIdentifier, signatureAlgorithm, privateKey), signerCertificate));
        generator.addCertificates(certificates);
        try (OutputStream signed = generator.open(cms, encapsulate, copy)) {
            content.writeTo(signed);
        }
    }

    /**
     * The signed attributes that are the same in every message: smimeCapabilities and
     * signingCertificateV2. Read back from their DER encoding so that each message encodes a tree of
     * primitives instead of building it again. Bouncy Castle adds contentType, messageDigest and
     * cmsAlgorithmProtect; signingTime is added per message.
     */
    private static AttributeTable fixedAttributes(byte[] signerCertificate) {
        try {
            ASN1EncodableVector attributes = new ASN1EncodableVector();
            attributes.add(new SMIMECapabilitiesAttribute(capabilities()));
            byte[] certificateHash = MessageDigest.getInstance("SHA-256").digest(signerCertificate);
            attributes.add(new Attribute(PKCSObjectIdentifiers.id_aa_signingCertificateV2,
                new DERSet(new SigningCertificateV2(new ESSCertIDv2(certificateHash)))));
            return new AttributeTable(ASN1Set.getInstance(new DERSet(attributes).getEncoded(ASN1Encoding.DER)));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot encode the signed attributes: " + e.getMessage(), e);
        }
    }

    /**
     * The signingTime value (RFC 5652 section 11.3): UTCTime for the years 1950 to 2049, else
     * GeneralizedTime, to the second, as Bouncy Castle's Time(Date) makes it; built from its encoding,
     * which spares the date formatting and parsing that constructor and ASN1UTCTime(String) do.
     */
    static ASN1Encodable signingTime(Instant now) throws IOException {
        int year = now.atZone(ZoneOffset.UTC).getYear();
        if (year < 1950 || year > 2049) {
            return new Time(new Date(now.toEpochMilli()));
        }
        byte[] text = UTC_TIME.format(now).getBytes(StandardCharsets.US_ASCII);
        byte[] encoding = new byte[2 + text.length];
        encoding[0] = BERTags.UTC_TIME;
        encoding[1] = (byte) text.length;
        System.arraycopy(text, 0, encoding, 2, text.length);
        return Time.getInstance(ASN1UTCTime.getInstance(encoding));
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

    /** The header section of an {@code application/pkcs7-mime} entity of the given smime-type (RFC 8551 section 3.2); base64 CMS follows. */
    static byte[] pkcs7MimeHeader(String smimeType) {
        return ascii("Content-Type: application/pkcs7-mime; smime-type=" + smimeType + "; name=\"smime.p7m\"\r\n"
            + "Content-Transfer-Encoding: base64\r\n"
            + "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n");
    }

    private static SecureRandom drbg() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    /** A random (version 4) UUID, as UUID.randomUUID() makes it, from this thread's generator. */
    static UUID boundaryUuid() {
        byte[] bytes = new byte[16];
        BOUNDARY_RANDOM.get().nextBytes(bytes);
        bytes[6] = (byte) (bytes[6] & 0x0f | 0x40);
        bytes[8] = (byte) (bytes[8] & 0x3f | 0x80);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new UUID(buffer.getLong(), buffer.getLong());
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode the signer certificate", e);
        }
    }
}
