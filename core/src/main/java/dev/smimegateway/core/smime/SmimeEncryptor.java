package dev.smimegateway.core.smime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSAuthEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.RecipientInfoGenerator;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.cms.jcajce.JceKeyAgreeRecipientInfoGenerator;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipientInfoGenerator;
import org.bouncycastle.operator.OutputAEADEncryptor;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.operator.jcajce.JceAsymmetricKeyWrapper;

import dev.smimegateway.core.crypto.Providers;
import dev.smimegateway.core.certificate.KeyKind;
import dev.smimegateway.core.crypto.JdkGcmContentEncryptor;
import jakarta.mail.Header;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

/**
 * Encrypts a message's content to one or more recipient certificates: EnvelopedData (AES-CBC) or
 * AuthEnvelopedData (AES-GCM), one RecipientInfo per certificate (RSA key transport or ECDH key
 * agreement). The outer headers stay visible, as in all S/MIME; with header protection (RFC 9788)
 * they are also copied into the encrypted part and the outer Subject is replaced by a placeholder.
 */
public final class SmimeEncryptor {
    /** Header fields copied into the encrypted part when headers are protected (RFC 9788 section 2). */
    private static final Set<String> PROTECTED_HEADERS = Set.of("from", "to", "cc", "reply-to", "subject", "date",
        "message-id", "in-reply-to", "references");

    /** Only for ECDH with a KDF and for RSA-OAEP key wrapping; the content cipher stays in the JDK. */
    private static final Provider KEY_AGREEMENT_PROVIDER = Providers.BOUNCY_CASTLE;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ContentEncryption contentEncryption;
    private final KeyTransport keyTransport;

    public SmimeEncryptor(ContentEncryption contentEncryption, KeyTransport keyTransport) {
        this.contentEncryption = contentEncryption;
        this.keyTransport = keyTransport;
    }

    /**
     * @param subjectPlaceholder when present, protect the headers (RFC 9788) and show this outer Subject instead
     */
    public MimeMessage encrypt(MimeMessage message, List<X509Certificate> recipients, Optional<String> subjectPlaceholder)
        throws SmimeException {
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("no recipient certificate to encrypt to");
        }
        try {
            byte[] content = MimeEntities.canonicalContent(message);
            if (subjectPlaceholder.isPresent()) {
                content = withProtectedHeaders(message, content, subjectPlaceholder.get());
            }
            byte[] encrypted = contentEncryption.authenticated() ? authEnveloped(content, recipients) : enveloped(content, recipients);
            String smimeType = contentEncryption.authenticated() ? "authEnveloped-data" : "enveloped-data";
            byte[] entity = SmimeSigner.pkcs7MimeEntity(smimeType, encrypted);
            MimeMessage result = MimeEntities.replaceContent(message, entity);
            if (subjectPlaceholder.isPresent()) {
                result = MimeEntities.parse(replaceSubject(MimeEntities.write(result), subjectPlaceholder.get()));
            }
            return result;
        } catch (MessagingException | IOException e) {
            throw new SmimeException("the message cannot be read as MIME: " + e.getMessage(), e);
        } catch (CMSException | GeneralSecurityException e) {
            throw new SmimeException("encryption with " + contentEncryption.parameterName() + " failed: " + e.getMessage(), e);
        }
    }

    private byte[] enveloped(byte[] content, List<X509Certificate> recipients) throws GeneralSecurityException, CMSException, IOException {
        CMSEnvelopedDataGenerator generator = new CMSEnvelopedDataGenerator();
        for (X509Certificate recipient : recipients) {
            generator.addRecipientInfoGenerator(recipientInfo(recipient));
        }
        OutputEncryptor encryptor = new JceCMSContentEncryptorBuilder(contentEncryption.oid()).build();
        // DER, not the BER Bouncy Castle writes: gpgsm's parser rejects Bouncy Castle 1.70's mix of
        // indefinite lengths and a primitive encryptedContent ("BER error"), as James 3.8 ships 1.70.
        return generator.generate(new CMSProcessableByteArray(content), encryptor).toASN1Structure().getEncoded(ASN1Encoding.DER);
    }

    private byte[] authEnveloped(byte[] content, List<X509Certificate> recipients) throws GeneralSecurityException, CMSException, IOException {
        CMSAuthEnvelopedDataGenerator generator = new CMSAuthEnvelopedDataGenerator();
        for (X509Certificate recipient : recipients) {
            generator.addRecipientInfoGenerator(recipientInfo(recipient));
        }
        OutputAEADEncryptor encryptor = JdkGcmContentEncryptor.create(contentEncryption.oid(), contentEncryption.keyBits(), RANDOM);
        return generator.generate(new CMSProcessableByteArray(content), encryptor).toASN1Structure().getEncoded(ASN1Encoding.DER);
    }

    private RecipientInfoGenerator recipientInfo(X509Certificate recipient) throws GeneralSecurityException {
        KeyKind kind = KeyKind.of(recipient.getPublicKey()).orElseThrow(() -> new GeneralSecurityException(
            "unsupported recipient key " + recipient.getPublicKey().getAlgorithm()));
        if (kind == KeyKind.RSA) {
            if (keyTransport == KeyTransport.RSA_OAEP) {
                OAEPParameterSpec oaep = new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);
                // Bouncy Castle's provider wraps: Bouncy Castle 1.70 (James 3.8) asks the JDK for OAEP by OID, which it lacks.
                return new JceKeyTransRecipientInfoGenerator(recipient,
                    new JceAsymmetricKeyWrapper(oaep, recipient.getPublicKey()).setProvider(KEY_AGREEMENT_PROVIDER));
            }
            return new JceKeyTransRecipientInfoGenerator(recipient);
        }
        if (kind.isEc()) {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(((ECPublicKey) recipient.getPublicKey()).getParams());
            KeyPair ephemeral = generator.generateKeyPair();
            return new JceKeyAgreeRecipientInfoGenerator(CMSAlgorithm.ECDH_SHA256KDF, ephemeral.getPrivate(), ephemeral.getPublic(),
                contentEncryption.keyWrap())
                .addRecipient(recipient)
                .setProvider(KEY_AGREEMENT_PROVIDER);
        }
        throw new GeneralSecurityException("a " + kind.displayName() + " key cannot receive encrypted mail");
    }

    /**
     * The encrypted part carries the protected header fields and marks itself {@code hp="cipher"};
     * {@code HP-Outer} fields record what the outside shows (RFC 9788 sections 2.1 and 2.2).
     */
    private static byte[] withProtectedHeaders(MimeMessage message, byte[] content, String placeholder) throws MessagingException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 1024);
        StringBuilder headers = new StringBuilder();
        for (Enumeration<Header> all = message.getAllHeaders(); all.hasMoreElements(); ) {
            Header header = all.nextElement();
            String name = header.getName().toLowerCase(Locale.ROOT);
            if (PROTECTED_HEADERS.contains(name)) {
                headers.append(header.getName()).append(": ").append(header.getValue()).append("\r\n");
                String outer = name.equals("subject") ? placeholder : header.getValue();
                headers.append("HP-Outer: ").append(header.getName()).append(": ").append(outer).append("\r\n");
            }
        }
        out.writeBytes(headers.toString().getBytes(StandardCharsets.UTF_8));
        int bodyStart = MimeEntities.headerEnd(content);
        String contentHeaders = new String(content, 0, bodyStart, StandardCharsets.ISO_8859_1);
        out.writeBytes(contentHeaders.replaceFirst("(?is)(Content-Type:.*?)(\\r\\n(?![ \\t]))", "$1; hp=\"cipher\"$2")
            .getBytes(StandardCharsets.ISO_8859_1));
        out.write(content, bodyStart, content.length - bodyStart);
        return MimeEntities.toCrlf(out.toByteArray());
    }

    private static byte[] replaceSubject(byte[] raw, String placeholder) {
        int bodyStart = MimeEntities.headerEnd(raw);
        String headers = new String(raw, 0, bodyStart, StandardCharsets.ISO_8859_1);
        String replaced = headers.replaceFirst("(?im)^Subject:.*(\\r?\\n[ \\t].*)*\\r?\\n", "Subject: " + placeholder + "\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        out.writeBytes(replaced.getBytes(StandardCharsets.ISO_8859_1));
        out.write(raw, bodyStart, raw.length - bodyStart);
        return out.toByteArray();
    }
}
