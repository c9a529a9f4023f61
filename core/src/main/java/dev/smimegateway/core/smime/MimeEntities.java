package dev.smimegateway.core.smime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

import jakarta.activation.DataHandler;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimePart;
import jakarta.mail.util.SharedByteArrayInputStream;
import jakarta.mail.util.ByteArrayDataSource;

/**
 * MIME at the byte level, where S/MIME needs it: the content entity of a message made 7-bit safe
 * and CRLF-canonical before it is signed (so relays that re-encode 8bit or rewrite line ends do not
 * break the signature), and new messages assembled from exact bytes (so what was signed is what is
 * sent).
 */
public final class MimeEntities {
    private static final Session SESSION = Session.getInstance(new Properties());
    private static final int MAX_LINE = 998;
    /** The largest byte array a JVM reliably allocates. */
    private static final int LARGEST_ARRAY = Integer.MAX_VALUE - 8;

    private MimeEntities() {
    }

    public static MimeMessage parse(byte[] raw) throws MessagingException {
        return new MimeMessage(SESSION, new SharedByteArrayInputStream(raw));
    }

    public static byte[] write(MimePart part) throws MessagingException, IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        part.writeTo(out);
        return out.toByteArray();
    }

    /**
     * The message's content as a MIME entity (its Content-* headers, a blank line, its body), with
     * every 8bit or binary leaf re-encoded (quoted-printable for text, base64 otherwise) and every
     * line ending CRLF: the exact bytes a signature covers (RFC 8551 section 3.1.1).
     */
    public static byte[] canonicalContent(MimeMessage message) throws MessagingException, IOException {
        MimeMessage copy = parse(write(message));
        if (makeSevenBitSafe(copy)) {
            copy.saveChanges();
        }
        return toCrlf(contentEntity(write(copy)));
    }

    /**
     * A new message with the original's headers, except its Content-* and MIME-Version headers,
     * followed by the given entity (Content-* headers, blank line, body). The bytes are kept exactly.
     */
    public static MimeMessage replaceContent(MimeMessage original, byte[] entity) throws MessagingException, IOException {
        byte[] raw = write(original);
        int bodyStart = headerEnd(raw);
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length + entity.length);
        String headers = new String(raw, 0, bodyStart, StandardCharsets.ISO_8859_1);
        for (String field : unfoldedFields(headers)) {
            String name = fieldName(field);
            if (!name.startsWith("content-") && !name.equals("mime-version")) {
                out.writeBytes(toCrlf(field.getBytes(StandardCharsets.ISO_8859_1)));
            }
        }
        out.writeBytes("MIME-Version: 1.0\r\n".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(entity);
        return parse(out.toByteArray());
    }

    /**
     * Like {@link #replaceContent}, for a decrypted entity whose bytes nothing authenticates (AES-CBC
     * EnvelopedData, which an attacker can alter block by block): header fields inside the entity
     * other than Content-* are dropped, even when it declares RFC 9788 protected headers
     * ({@code hp=}), so the outer From, Subject and every other field stay as they arrived. Only the
     * header section is made CRLF; the body bytes are kept exactly (binary content included).
     */
    public static MimeMessage replaceContentIgnoringInnerHeaders(MimeMessage original, byte[] entity) throws MessagingException, IOException {
        return replaceContentWithEntity(original, entity, false);
    }

    /**
     * Like {@link #replaceContentIgnoringInnerHeaders}, for an entity whose bytes are authenticated
     * but not signed (AES-GCM whose tag verified): when its Content-Type declares RFC 9788 protected
     * headers ({@code hp=}), its To, Cc, Subject, Date, Message-ID, Reply-To, In-Reply-To and
     * References replace the outer fields of those names (the first of each name only). Never From:
     * GCM proves the ciphertext unaltered, not who wrote it (anyone with our certificate can), and the
     * outer From is the one upstream SPF/DKIM/DMARC judged; a protected From is shown only when a
     * verified signature covers it (SMimeVerify). No other inner field is ever restored: not
     * Authentication-Results, Received, our status header or anything else a later stage could
     * take for a verdict. The body bytes are kept exactly.
     */
    public static MimeMessage replaceContentRestoringHeaders(MimeMessage original, byte[] entity) throws MessagingException, IOException {
        return replaceContentWithEntity(original, entity, true);
    }

    private static MimeMessage replaceContentWithEntity(MimeMessage original, byte[] entity, boolean restoreProtectedHeaders)
        throws MessagingException, IOException {
        int bodyStart = headerEnd(entity);
        List<String> innerFields = unfoldedFields(new String(toCrlf(Arrays.copyOfRange(entity, 0, bodyStart)), StandardCharsets.ISO_8859_1));
        boolean restore = restoreProtectedHeaders && ProtectedHeaders.declared(innerFields);
        Set<String> replaced = new HashSet<>();
        ByteArrayOutputStream innerHeaders = new ByteArrayOutputStream();
        ByteArrayOutputStream contentHeaders = new ByteArrayOutputStream();
        for (String field : innerFields) {
            String name = fieldName(field);
            if (name.startsWith("content-")) {
                contentHeaders.writeBytes(endingInCrlf(field));
            } else if (restore && ProtectedHeaders.RESTORABLE.contains(name) && !name.equals("from") && replaced.add(name)) {
                innerHeaders.writeBytes(endingInCrlf(field));
            }
        }
        byte[] raw = write(original);
        int outerBodyStart = headerEnd(raw);
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length + entity.length);
        for (String field : unfoldedFields(new String(raw, 0, outerBodyStart, StandardCharsets.ISO_8859_1))) {
            String name = fieldName(field);
            if (!name.startsWith("content-") && !name.equals("mime-version") && !replaced.contains(name)) {
                out.writeBytes(toCrlf(field.getBytes(StandardCharsets.ISO_8859_1)));
            }
        }
        out.writeBytes(innerHeaders.toByteArray());
        out.writeBytes("MIME-Version: 1.0\r\n".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(contentHeaders.toByteArray());
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(entity, bodyStart, entity.length - bodyStart);
        return parse(out.toByteArray());
    }

    /** A header field of an entity without a blank line may lack its line end: it must not run into the next field. */
    private static byte[] endingInCrlf(String field) {
        return (field.endsWith("\r\n") ? field : field + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    static String fieldName(String field) {
        return field.substring(0, Math.max(0, field.indexOf(':'))).trim().toLowerCase(Locale.ROOT);
    }

    /**
     * The message without any header field of the given names (compared ignoring case), and with the
     * given field prepended when not null. The rest of the bytes are kept.
     */
    public static MimeMessage rewriteHeaders(MimeMessage message, java.util.Set<String> removedNames, String addedField)
        throws MessagingException, IOException {
        byte[] raw = write(message);
        int bodyStart = headerEnd(raw);
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length + 200);
        if (addedField != null) {
            out.writeBytes((addedField + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        for (String field : unfoldedFields(new String(raw, 0, bodyStart, StandardCharsets.ISO_8859_1))) {
            if (!removedNames.contains(fieldName(field))) {
                out.writeBytes(toCrlf(field.getBytes(StandardCharsets.ISO_8859_1)));
            }
        }
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(raw, bodyStart, raw.length - bodyStart);
        return parse(out.toByteArray());
    }

    /** Line endings made CRLF; a lone CR or LF becomes CRLF. */
    public static byte[] toCrlf(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + bytes.length / 40);
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if (b == '\r') {
                out.write('\r');
                out.write('\n');
                if (i + 1 < bytes.length && bytes[i + 1] == '\n') {
                    i++;
                }
            } else if (b == '\n') {
                out.write('\r');
                out.write('\n');
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    /** Content-* header fields and body of a raw message. */
    static byte[] contentEntity(byte[] raw) {
        int bodyStart = headerEnd(raw);
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        String headers = new String(raw, 0, bodyStart, StandardCharsets.ISO_8859_1);
        boolean hasContentType = false;
        for (String field : unfoldedFields(headers)) {
            String name = fieldName(field);
            if (name.startsWith("content-")) {
                hasContentType |= name.equals("content-type");
                out.writeBytes(field.getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        if (!hasContentType) {
            out.writeBytes("Content-Type: text/plain; charset=us-ascii\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(raw, bodyStart, raw.length - bodyStart);
        return out.toByteArray();
    }

    /** Index of the first body byte: just after the blank line that ends the header section. */
    static int headerEnd(byte[] raw) {
        if (raw.length > 0 && raw[0] == '\n') {
            return 1;
        }
        if (raw.length > 1 && raw[0] == '\r' && raw[1] == '\n') {
            return 2;
        }
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '\n') {
                if (i + 1 < raw.length && raw[i + 1] == '\n') {
                    return i + 2;
                }
                if (i + 2 < raw.length && raw[i + 1] == '\r' && raw[i + 2] == '\n') {
                    return i + 3;
                }
            }
        }
        return raw.length;
    }

    /** Header fields with their continuation lines, each ending with its line break. */
    static java.util.List<String> unfoldedFields(String headers) {
        java.util.List<String> fields = new java.util.ArrayList<>();
        StringBuilder current = null;
        for (String line : headers.split("(?<=\n)")) {
            if (line.isBlank()) {
                continue;
            }
            if ((line.startsWith(" ") || line.startsWith("\t")) && current != null) {
                current.append(line);
            } else {
                if (current != null) {
                    fields.add(current.toString());
                }
                current = new StringBuilder(line);
            }
        }
        if (current != null) {
            fields.add(current.toString());
        }
        return fields;
    }

    /** Re-encodes every leaf that is not 7-bit safe; true when anything changed. */
    private static boolean makeSevenBitSafe(Part part) throws MessagingException, IOException {
        if (part.isMimeType("multipart/*")) {
            Multipart multipart = (Multipart) part.getContent();
            boolean changed = false;
            for (int i = 0; i < multipart.getCount(); i++) {
                changed |= makeSevenBitSafe(multipart.getBodyPart(i));
            }
            if (changed) {
                part.setContent(multipart);
            }
            return changed;
        }
        if (part.isMimeType("message/rfc822") || !(part instanceof MimePart)) {
            return false;
        }
        MimePart mimePart = (MimePart) part;
        String encoding = mimePart.getEncoding() == null ? "7bit" : mimePart.getEncoding().toLowerCase(Locale.ROOT);
        if (encoding.equals("base64") || encoding.equals("quoted-printable")) {
            return false;
        }
        if (encoding.equals("7bit") && isSevenBitSafe(rawContent(mimePart))) {
            return false;
        }
        byte[] decoded;
        try (InputStream in = part.getInputStream()) {
            decoded = readWhole(in);
        }
        String contentType = part.getContentType() == null ? "text/plain; charset=us-ascii" : part.getContentType();
        part.setDataHandler(new DataHandler(new ByteArrayDataSource(decoded, contentType)));
        part.setHeader("Content-Type", contentType);
        mimePart.setHeader("Content-Transfer-Encoding", part.isMimeType("text/*") ? "quoted-printable" : "base64");
        return true;
    }

    private static byte[] rawContent(MimePart part) throws MessagingException, IOException {
        InputStream raw = part instanceof jakarta.mail.internet.MimeBodyPart
            ? ((jakarta.mail.internet.MimeBodyPart) part).getRawInputStream()
            : ((MimeMessage) part).getRawInputStream();
        try (raw) {
            return readWhole(raw);
        }
    }

    /** A body whose size the caller has already accepted, read through the one safe loop. */
    private static byte[] readWhole(InputStream in) throws IOException {
        try {
            return Limits.readAtMost(in, LARGEST_ARRAY);
        } catch (SmimeException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static boolean isSevenBitSafe(byte[] bytes) {
        int lineLength = 0;
        for (byte b : bytes) {
            if (b < 0 || b == 0) {
                return false;
            }
            if (b == '\n') {
                lineLength = 0;
            } else if (++lineLength > MAX_LINE) {
                return false;
            }
        }
        return true;
    }
}
