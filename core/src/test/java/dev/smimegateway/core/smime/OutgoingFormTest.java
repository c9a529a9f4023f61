package dev.smimegateway.core.smime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AuthEnvelopedData;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.EncryptedContentInfo;
import org.bouncycastle.asn1.cms.EnvelopedData;
import org.bouncycastle.asn1.cms.RecipientInfo;
import org.bouncycastle.asn1.cms.SignedData;
import org.bouncycastle.asn1.cms.SignerInfo;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSAuthEnvelopedData;
import org.bouncycastle.cms.CMSEnvelopedData;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.jcajce.JceKeyTransAuthEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyTransEnvelopedRecipient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

/**
 * What SmimeSigner and SmimeEncryptor send, pinned byte for byte against the output of the engine
 * before it streamed (recorded in {@code src/test/resources/outgoing-form/}): the outer headers, the
 * MIME structure, the canonical signed or encrypted content (CRLF, 8bit and over-long lines
 * re-encoded, protected headers) and the CMS structure with its attributes, for messages chosen for
 * their edge cases. Only what is random is left out: the boundary, signature values, keys and
 * ciphertext. Run with {@code -DoutgoingForm.record=true} to record the files again after an
 * intended change of form.
 */
class OutgoingFormTest {
    private static final TestPki PKI = TestPki.create("Form CA");
    private static final TestPki.Issued ALICE = PKI.leaf("Alice").email("alice@example.com").issue();
    private static final TestPki.Issued BOB = PKI.leaf("Bob").email("bob@partner.example").issue();
    private static final Path RECORDED = Path.of("src", "test", "resources", "outgoing-form");
    /** Blocks longer than this are pinned by their SHA-256, to keep the recorded files small. */
    private static final int SHOWN_BYTES = 3000;
    private static final String HEADERS = "From: alice@example.com\r\nTo: bob@partner.example\r\nSubject: form\r\n"
        + "Date: Wed, 25 Nov 2026 10:00:00 +0000\r\nMessage-ID: <form@example.com>\r\n";

    static List<String> messages() {
        return List.copyOf(MESSAGES.keySet());
    }

    private static final Map<String, String> MESSAGES = new LinkedHashMap<>();

    static {
        MESSAGES.put("plain-crlf", HEADERS + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n"
            + "Content-Transfer-Encoding: 7bit\r\n\r\nHello Bob,\r\n\r\nsee you.\r\n");
        MESSAGES.put("lf-only", (HEADERS + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
            + "Hello Bob,\r\n\r\nsee you.\r\n").replace("\r\n", "\n"));
        MESSAGES.put("lone-cr-and-mixed-line-ends", HEADERS + "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n"
            + "\none\rtwo\r\r\nthree\n\rfour\r\n\nfive\r");
        MESSAGES.put("no-final-line-break", HEADERS + "Content-Type: text/plain\r\n\r\nlast line without a break");
        MESSAGES.put("8bit-text", HEADERS + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n\r\n" + utf8("Grüße aus Köln, 机密 \r\nzweite Zeile\r\n"));
        MESSAGES.put("interop", SmimeInteropTest.MESSAGE);
        MESSAGES.put("nested-alternative", HEADERS + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"mixed\"\r\n\r\n"
            + "This is a multi-part message.\r\n--mixed\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n"
            + "--alt\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nplain text\r\n"
            + "--alt\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + "<p>Gr=C3=BC=C3=9Fe, a long line that is soft=\r\nbroken</p>\r\n--alt--\r\n"
            + "--mixed\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n"
            + "Content-Disposition: attachment; filename=\"a.pdf\"\r\n\r\nJVBERi0xLjQKJcfsj6IKNSAwIG9iago=\r\n--mixed--\r\nepilogue\r\n");
        MESSAGES.put("over-long-7bit-line", HEADERS + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n"
            + "Content-Transfer-Encoding: 7bit\r\n\r\n" + "x".repeat(1200) + "\r\nshort\r\n");
        MESSAGES.put("nul-in-7bit", HEADERS + "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nbefore\u0000after\r\n");
        MESSAGES.put("no-content-type", "From: alice@example.com\r\nTo: bob@partner.example\r\nSubject: bare\r\n\r\nJust text.\r\n");
        MESSAGES.put("folded-content-type", HEADERS + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed;\r\n\tboundary=\"b1\";\n"
            + " x-note=folded\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\none\r\n--b1--\r\n");
        MESSAGES.put("rfc822-attachment", HEADERS + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n"
            + "--m\r\nContent-Type: text/plain\r\n\r\nforwarded:\r\n--m\r\nContent-Type: message/rfc822\r\n\r\n"
            + "From: carol@example.org\r\nSubject: inner\r\nContent-Type: text/plain; charset=UTF-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n\r\n" + utf8("Grüße\r\n") + "--m--\r\n");
        MESSAGES.put("empty-body", HEADERS + "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n");
        MESSAGES.put("content-headers", "Received: from a by b; Wed, 25 Nov 2026 09:59:00 +0000\r\n" + HEADERS
            + "MIME-Version: 1.0\r\nX-Custom: kept\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-ID: <c1@example.com>\r\n"
            + "content-description: lower case\r\nContent-Disposition: inline\r\nContent-Language: de\r\nMIME-Version: 1.0\r\n"
            + "X-Trailing: also kept\r\n\r\nText.\r\n");
        MESSAGES.put("8bit-header-parameter", HEADERS + "MIME-Version: 1.0\r\nContent-Type: application/octet-stream; name=\""
            + utf8("Grüße.bin") + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n");
        MESSAGES.put("quoted-printable-lf", (HEADERS + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
            + "Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\nline two=\r\ncontinued\r\n").replace("\r\n", "\n"));
        MESSAGES.put("binary-single-part", HEADERS + "MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Transfer-Encoding: binary\r\n\r\n" + allByteValues() + "\r\n");
        MESSAGES.put("upper-case-headers", HEADERS + "MIME-VERSION: 1.0\r\nCONTENT-TYPE: TEXT/PLAIN; CHARSET=UTF-8\r\n"
            + "CONTENT-TRANSFER-ENCODING: 8BIT\r\n\r\n" + utf8("Grüße\r\n"));
        MESSAGES.put("header-section-ending-in-lf", HEADERS + "MIME-Version: 1.0\r\nContent-Type: text/plain\n\nbody\r\n");
        MESSAGES.put("large-multipart", HEADERS + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=big\r\n\r\n"
            + "--big\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + utf8("Anbei, Grüße\r\n")
            + "--big\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + "a line ending in LF only\n".repeat(3000)
            + "\r\n--big\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + java.util.Base64.getMimeEncoder().encodeToString(randomBytes(150_000)) + "\r\n--big--\r\n");
        MESSAGES.put("large-single-part", HEADERS + "MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + java.util.Base64.getMimeEncoder().encodeToString(randomBytes(200_000)) + "\r\n");
        MESSAGES.put("built-with-jakarta-mail", "");
    }

    @ParameterizedTest
    @MethodSource("messages")
    void whatWeSendKeepsItsForm(String name) throws Exception {
        String described = describe(name);
        Path recorded = RECORDED.resolve(name + ".txt");
        if (Boolean.getBoolean("outgoingForm.record")) {
            Files.createDirectories(RECORDED);
            Files.write(recorded, described.getBytes(StandardCharsets.ISO_8859_1));
        }

        assertThat(described).isEqualTo(new String(Files.readAllBytes(recorded), StandardCharsets.ISO_8859_1));
    }

    private static String describe(String name) throws Exception {
        SmimeSigner signer = new SmimeSigner(ALICE.privateKey(), ALICE.chain(), DigestAlgorithm.SHA256, false);
        StringBuilder out = new StringBuilder();
        for (boolean protect : new boolean[] {false, true}) {
            String signed = written(signer.sign(message(name), SignMode.DETACHED, protect));
            out.append("== detached").append(protect ? ", protected headers" : "").append(" ==\n");
            Matcher signature = Pattern.compile("(?s)(Content-Description: S/MIME Cryptographic Signature\r\n\r\n)(.*?)(\r\n--BOUNDARY--)")
                .matcher(signed.replaceAll("----=_smime_[0-9a-f-]{36}", "BOUNDARY"));
            assertThat(signature.find()).as(signed).isTrue();
            out.append(shown(signature.replaceFirst("$1<signature>$3"))).append('\n');
            out.append(signedData(java.util.Base64.getMimeDecoder().decode(signature.group(2))));
        }
        MimeMessage opaque = signer.sign(message(name), SignMode.OPAQUE);
        byte[] cms = opaque.getInputStream().readAllBytes();
        out.append("== opaque ==\n").append(headerSection(opaque)).append("-- encapsulated content --\n")
            .append(shown(new String((byte[]) new CMSSignedData(cms).getSignedContent().getContent(), StandardCharsets.ISO_8859_1)))
            .append('\n').append(signedData(cms));
        for (ContentEncryption algorithm : List.of(ContentEncryption.AES256_CBC, ContentEncryption.AES128_GCM)) {
            for (Optional<String> placeholder : List.of(Optional.<String>empty(), Optional.of("[...]"))) {
                MimeMessage encrypted = new SmimeEncryptor(algorithm, KeyTransport.RSA_PKCS1)
                    .encrypt(message(name), List.of(BOB.certificate()), placeholder);
                out.append("== encrypted ").append(algorithm.parameterName()).append(placeholder.isPresent() ? ", protected headers" : "")
                    .append(" ==\n").append(headerSection(encrypted)).append("-- decrypted content --\n")
                    .append(shown(decrypted(encrypted.getInputStream().readAllBytes(), algorithm.authenticated()))).append('\n');
            }
        }
        return out.toString();
    }

    private static MimeMessage message(String name) throws MessagingException {
        if (name.equals("built-with-jakarta-mail")) {
            return builtMessage();
        }
        return MimeEntities.parse(MESSAGES.get(name).getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A message made through the Jakarta Mail API and never saved: writing it first saves it. */
    private static MimeMessage builtMessage() throws MessagingException {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties())) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", "<built@example.com>");
            }
        };
        message.setFrom("alice@example.com");
        message.setRecipients(jakarta.mail.Message.RecipientType.TO, "bob@partner.example");
        message.setSubject("Grüße", "UTF-8");
        message.setSentDate(new Date(1_795_000_000_000L));
        message.setText("Grüße aus Köln\nzweite Zeile\n", "UTF-8");
        return message;
    }

    private static String written(MimeMessage message) throws Exception {
        return new String(MimeEntities.write(message), StandardCharsets.ISO_8859_1);
    }

    /** The message's header section and the header section of its body entity, i.e. everything but the base64 CMS. */
    private static String headerSection(MimeMessage message) throws Exception {
        String raw = written(message);
        int end = raw.indexOf("\r\n\r\n");
        return raw.substring(0, end + 4) + "<cms>\n";
    }

    private static String decrypted(byte[] der, boolean authenticated) throws Exception {
        ContentInfo info = ContentInfo.getInstance(ASN1Primitive.fromByteArray(der));
        StringBuilder out = new StringBuilder("DER: ").append(java.util.Arrays.equals(info.getEncoded(ASN1Encoding.DER), der))
            .append(", content type ").append(info.getContentType()).append('\n');
        byte[] content;
        if (authenticated) {
            AuthEnvelopedData data = AuthEnvelopedData.getInstance(info.getContent());
            describeEnvelope(out, data.getVersion().getValue().intValue(), data.getRecipientInfos(), data.getAuthEncryptedContentInfo());
            out.append("mac bytes ").append(data.getMac().getOctets().length).append(", auth attributes ").append(data.getAuthAttrs())
                .append(", unauth attributes ").append(data.getUnauthAttrs()).append('\n');
            content = new CMSAuthEnvelopedData(der).getRecipientInfos().getRecipients().iterator().next()
                .getContent(new JceKeyTransAuthEnvelopedRecipient(BOB.privateKey()).setContentProvider(dev.smimegateway.core.crypto.Providers.BOUNCY_CASTLE));
        } else {
            EnvelopedData data = EnvelopedData.getInstance(info.getContent());
            describeEnvelope(out, data.getVersion().getValue().intValue(), data.getRecipientInfos(), data.getEncryptedContentInfo());
            out.append("originator ").append(data.getOriginatorInfo()).append(", unprotected attributes ").append(data.getUnprotectedAttrs())
                .append('\n');
            content = new CMSEnvelopedData(der).getRecipientInfos().getRecipients().iterator().next()
                .getContent(new JceKeyTransEnvelopedRecipient(BOB.privateKey()));
        }
        return out.append(new String(content, StandardCharsets.ISO_8859_1)).toString();
    }

    private static void describeEnvelope(StringBuilder out, int version, ASN1Set recipients, EncryptedContentInfo content) throws IOException {
        out.append("version ").append(version).append(", recipients");
        for (ASN1Encodable recipient : recipients) {
            RecipientInfo info = RecipientInfo.getInstance(recipient);
            out.append(' ').append(info.getInfo().getClass().getSimpleName()).append(" v").append(info.getVersion().getValue());
        }
        AlgorithmIdentifier algorithm = content.getContentEncryptionAlgorithm();
        out.append("\nencrypted content type ").append(content.getContentType()).append(", algorithm ").append(algorithm.getAlgorithm())
            .append(" with parameters of ").append(algorithm.getParameters().toASN1Primitive().getEncoded().length).append(" bytes\n");
    }

    /** The SignedData's structure and attributes, without what differs from one signature to the next. */
    private static String signedData(byte[] der) throws IOException {
        ContentInfo info = ContentInfo.getInstance(ASN1Primitive.fromByteArray(der));
        SignedData data = SignedData.getInstance(info.getContent());
        StringBuilder out = new StringBuilder("content type ").append(info.getContentType())
            .append(", version ").append(data.getVersion().getValue())
            .append(", digest algorithms ").append(algorithms(data.getDigestAlgorithms()))
            .append(", encapsulated ").append(data.getEncapContentInfo().getContentType())
            .append(data.getEncapContentInfo().getContent() == null ? " (detached)" : " (present)")
            .append(", certificates ").append(data.getCertificates().size())
            .append(", CRLs ").append(data.getCRLs() == null ? "none" : data.getCRLs().size()).append('\n');
        for (ASN1Encodable element : data.getSignerInfos()) {
            SignerInfo signer = SignerInfo.getInstance(element);
            out.append("signer v").append(signer.getVersion().getValue()).append(" digest ").append(signer.getDigestAlgorithm().getAlgorithm())
                .append(" signature ").append(signer.getDigestEncryptionAlgorithm().getAlgorithm())
                .append(" unsigned attributes ").append(signer.getUnauthenticatedAttributes()).append('\n');
            TreeSet<String> attributes = new TreeSet<>();
            for (ASN1Encodable encodable : signer.getAuthenticatedAttributes()) {
                Attribute attribute = Attribute.getInstance(encodable);
                String oid = attribute.getAttrType().getId();
                boolean stable = attribute.getAttrType().equals(PKCSObjectIdentifiers.pkcs_9_at_smimeCapabilities)
                    || attribute.getAttrType().equals(PKCSObjectIdentifiers.pkcs_9_at_contentType);
                attributes.add(oid + (stable ? " = " + HexFormat.of().formatHex(attribute.getAttrValues().getEncoded(ASN1Encoding.DER)) : ""));
            }
            attributes.forEach(attribute -> out.append("  signed attribute ").append(attribute).append('\n'));
        }
        return out.toString();
    }

    private static List<String> algorithms(ASN1Set set) {
        List<String> names = new ArrayList<>();
        for (ASN1Encodable element : set) {
            AlgorithmIdentifier algorithm = AlgorithmIdentifier.getInstance(element);
            names.add(algorithm.getAlgorithm() + (algorithm.getParameters() == null ? "" : " " + algorithm.getParameters()));
        }
        return names;
    }

    /** The text, with blocks of more than {@link #SHOWN_BYTES} bytes replaced by their length and SHA-256. */
    private static String shown(String text) throws Exception {
        if (text.length() <= SHOWN_BYTES) {
            return text;
        }
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.ISO_8859_1));
        return text.substring(0, 400) + "\n<... " + text.length() + " bytes in all, SHA-256 " + HexFormat.of().formatHex(hash) + ">";
    }

    private static String utf8(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    private static String allByteValues() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 256; i++) {
            out.append((char) i);
        }
        return out.toString();
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new Random(length).nextBytes(bytes);
        return bytes;
    }
}
