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
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.RecipientInfoGenerator;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.cms.jcajce.JceKeyAgreeRecipientInfoGenerator;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipientInfoGenerator;
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
 * The message is written once; its content streams through canonicalisation, the cipher and base64
 * into the message returned, in DER ({@link DerEnvelope}).
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
            OutgoingMessage outgoing = OutgoingMessage.read(message);
            byte[] outerHeaders = outgoing.outerHeaders();
            CanonicalEntity content = outgoing.content();
            if (subjectPlaceholder.isPresent()) {
                content = content.withHeader(withProtectedHeaders(message, content.header(), subjectPlaceholder.get()));
                outerHeaders = replaceSubject(outerHeaders, subjectPlaceholder.get());
            }
            List<RecipientInfoGenerator> recipientInfos = new ArrayList<>();
            for (X509Certificate recipient : recipients) {
                recipientInfos.add(recipientInfo(recipient));
            }
            long encryptedLength = contentEncryption.encryptedLength(content.length());
            long envelope = encryptedLength + 4096L * recipients.size();
            ByteSink out = new ByteSink(outerHeaders.length + 1024 + Base64Lines.encodedLengthAtMost(envelope));
            out.write(outerHeaders);
            out.write(SmimeSigner.pkcs7MimeHeader(contentEncryption.authenticated() ? "authEnveloped-data" : "enveloped-data"));
            try (Base64Lines base64 = new Base64Lines(out, envelope)) {
                DerEnvelope.write(base64, recipientInfos, contentEncryptor(), encryptedLength, content);
            }
            return out.toMessage();
        } catch (MessagingException | IOException e) {
            throw new SmimeException("the message cannot be read as MIME: " + e.getMessage(), e);
        } catch (CMSException | GeneralSecurityException e) {
            throw new SmimeException("encryption with " + contentEncryption.parameterName() + " failed: " + e.getMessage(), e);
        }
    }

    /** A fresh key (and IV or nonce) for one message; AES-GCM on the JDK's cipher, AES-CBC as Bouncy Castle sets it up on the JDK's. */
    private OutputEncryptor contentEncryptor() throws GeneralSecurityException, CMSException {
        if (contentEncryption.authenticated()) {
            return JdkGcmContentEncryptor.create(contentEncryption.oid(), contentEncryption.keyBits(), RANDOM);
        }
        return new JceCMSContentEncryptorBuilder(contentEncryption.oid()).build();
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
     * The header section of the encrypted part: it carries the protected header fields and marks itself
     * {@code hp="cipher"}; {@code HP-Outer} fields record what the outside shows (RFC 9788 sections 2.1 and 2.2).
     */
    private static byte[] withProtectedHeaders(MimeMessage message, byte[] contentHeader, String placeholder) throws MessagingException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(contentHeader.length + 1024);
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
        String contentHeaders = new String(contentHeader, StandardCharsets.ISO_8859_1);
        out.writeBytes(contentHeaders.replaceFirst("(?is)(Content-Type:.*?)(\\r\\n(?![ \\t]))", "$1; hp=\"cipher\"$2")
            .getBytes(StandardCharsets.ISO_8859_1));
        return MimeEntities.toCrlf(out.toByteArray());
    }

    /** The outer header fields with the first Subject field (and its continuation lines) replaced by the placeholder. */
    private static byte[] replaceSubject(byte[] outerHeaders, String placeholder) {
        String headers = new String(outerHeaders, StandardCharsets.ISO_8859_1);
        return headers.replaceFirst("(?im)^Subject:.*(\\r?\\n[ \\t].*)*\\r?\\n", "Subject: " + placeholder + "\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    }
}
