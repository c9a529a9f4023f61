package dev.smimegateway.core.smime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Properties;

import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.message.DefaultBodyDescriptorBuilder;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.apache.james.mime4j.stream.RecursionMode;
import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.SignedData;

import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.SharedByteArrayInputStream;

/**
 * What a mail reader is shown as the signed entity of a message, according to one MIME parser,
 * independently of the verifier: for multipart/signed the raw first body part (header fields, blank
 * line, body, without the line break before the next delimiter), for application/pkcs7-mime the
 * eContent of the SignedData in the decoded body. Two parsers are used, because readers use both:
 * Jakarta Mail (James's mailets, many clients) and Apache mime4j (James's IMAP server), the latter in
 * a lenient and a strict configuration. All bytes are compared with line ends made CRLF.
 *
 * @param rootType the root's media type in lower case, or null when the parser failed
 * @param parts    the number of body parts of a multipart root, else 0
 * @param entity   what is shown (CRLF line ends), or null with a problem
 * @param problem  why nothing could be shown, or null
 */
record ShownEntity(String parser, String rootType, int parts, byte[] entity, String problem) {
    static final String JAKARTA = "Jakarta Mail";
    static final String MIME4J_LENIENT = "mime4j (lenient)";
    static final String MIME4J_STRICT = "mime4j (strict)";

    private static final Session SESSION = Session.getInstance(new Properties());

    static ShownEntity byJakartaMail(byte[] raw) {
        String rootType = null;
        try {
            MimeMessage message = new MimeMessage(SESSION, new SharedByteArrayInputStream(raw));
            String header = message.getContentType();
            rootType = header == null ? "text/plain" : new ContentType(header).getBaseType().toLowerCase(Locale.ROOT);
            if (isPkcs7Mime(rootType)) {
                try (InputStream decoded = message.getInputStream()) {
                    return new ShownEntity(JAKARTA, rootType, 0, eContent(decoded.readAllBytes()), null);
                }
            }
            if (!rootType.equals("multipart/signed")) {
                return new ShownEntity(JAKARTA, rootType, 0, null, "the root is " + rootType);
            }
            Object content = message.getContent();
            if (!(content instanceof MimeMultipart)) {
                return new ShownEntity(JAKARTA, rootType, 0, null, "the multipart/signed content is a " + content.getClass().getSimpleName());
            }
            MimeMultipart multipart = (MimeMultipart) content;
            int count = multipart.getCount();
            if (count == 0) {
                return new ShownEntity(JAKARTA, rootType, 0, null, "the multipart/signed has no parts");
            }
            return new ShownEntity(JAKARTA, rootType, count, rawEntity((MimeBodyPart) multipart.getBodyPart(0)), null);
        } catch (Exception e) {
            return new ShownEntity(JAKARTA, rootType, 0, null, "cannot parse: " + e);
        }
    }

    /** The part's header lines as Jakarta Mail parsed them, a blank line, and its undecoded body. */
    private static byte[] rawEntity(MimeBodyPart part) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Enumeration<String> lines = part.getAllHeaderLines();
        while (lines.hasMoreElements()) {
            out.writeBytes((lines.nextElement() + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        try (InputStream body = part.getRawInputStream()) {
            out.writeBytes(body.readAllBytes());
        }
        return crlf(out.toByteArray());
    }

    static ShownEntity byMime4j(byte[] raw, boolean strict) {
        String parser = strict ? MIME4J_STRICT : MIME4J_LENIENT;
        DecodeMonitor monitor = strict ? DecodeMonitor.STRICT : DecodeMonitor.SILENT;
        MimeTokenStream stream = new MimeTokenStream(strict ? MimeConfig.STRICT : MimeConfig.PERMISSIVE, monitor,
            new DefaultBodyDescriptorBuilder(null, null, monitor));
        String rootType = null;
        try {
            stream.parse(new ByteArrayInputStream(raw));
            int parts = 0;
            byte[] first = null;
            for (EntityState state = stream.getState(); state != EntityState.T_END_OF_STREAM; state = stream.next()) {
                switch (state) {
                    case T_START_MULTIPART -> {
                        if (rootType == null) {
                            rootType = stream.getBodyDescriptor().getMimeType().toLowerCase(Locale.ROOT);
                            if (!rootType.equals("multipart/signed")) {
                                return new ShownEntity(parser, rootType, 0, null, "the root is " + rootType);
                            }
                            // Each body part of the root now arrives whole, as its raw bytes.
                            stream.setRecursionMode(RecursionMode.M_RAW);
                        }
                    }
                    case T_RAW_ENTITY -> {
                        parts++;
                        byte[] bytes = stream.getInputStream().readAllBytes();
                        if (first == null) {
                            first = crlf(bytes);
                        }
                    }
                    case T_BODY -> {
                        rootType = stream.getBodyDescriptor().getMimeType().toLowerCase(Locale.ROOT);
                        if (!isPkcs7Mime(rootType)) {
                            return new ShownEntity(parser, rootType, 0, null, "the root is " + rootType);
                        }
                        return new ShownEntity(parser, rootType, 0, eContent(stream.getDecodedInputStream().readAllBytes()), null);
                    }
                    default -> {
                    }
                }
            }
            if (first == null) {
                return new ShownEntity(parser, rootType, parts, null, "the multipart/signed has no parts");
            }
            return new ShownEntity(parser, rootType, parts, first, null);
        } catch (Exception e) {
            return new ShownEntity(parser, rootType, 0, null, "cannot parse: " + e);
        } finally {
            stream.stop();
        }
    }

    private static boolean isPkcs7Mime(String type) {
        return type.equals("application/pkcs7-mime") || type.equals("application/x-pkcs7-mime");
    }

    /** The signed content a reader of an opaque message is shown: the SignedData's eContent. */
    private static byte[] eContent(byte[] der) throws IOException {
        try (ASN1InputStream in = new ASN1InputStream(der)) {
            SignedData signedData = SignedData.getInstance(ContentInfo.getInstance(in.readObject()).getContent());
            ASN1OctetString content = (ASN1OctetString) signedData.getEncapContentInfo().getContent();
            if (content == null) {
                throw new IOException("the SignedData has no eContent");
            }
            return crlf(content.getOctets());
        }
    }

    /** Line ends made CRLF; a lone CR or LF becomes CRLF. Written here, not borrowed from the code under test. */
    static byte[] crlf(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + 64);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\r') {
                if (i + 1 < bytes.length && bytes[i + 1] == '\n') {
                    i++;
                }
                out.write('\r');
                out.write('\n');
            } else if (bytes[i] == '\n') {
                out.write('\r');
                out.write('\n');
            } else {
                out.write(bytes[i]);
            }
        }
        return out.toByteArray();
    }
}
