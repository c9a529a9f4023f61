package dev.smimegateway.core.smime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Enumeration;
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
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimePart;
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
    /** The largest buffer allocated on a part's word for its size. */
    private static final int LARGEST_PRESIZED = 256 * 1024 * 1024;

    private MimeEntities() {
    }

    public static MimeMessage parse(byte[] raw) throws MessagingException {
        return parse(raw, raw.length);
    }

    /**
     * The message in {@code raw[0, length)}, sharing those bytes (never written to), which the engine then
     * reads without copying them (a signed part's bytes are checked where they lie).
     */
    static MimeMessage parse(byte[] raw, int length) throws MessagingException {
        return new SharedBytesMessage(SESSION, raw, 0, length);
    }

    public static byte[] write(MimePart part) throws MessagingException, IOException {
        return written(part).toByteArray();
    }

    /**
     * The part as written, in a buffer sized for it up front when the part knows its size. The size is
     * only an estimate (Jakarta Mail's word); beyond {@link #LARGEST_PRESIZED} the buffer grows as it fills.
     */
    static ByteSink written(MimePart part) throws MessagingException, IOException {
        ByteSink out = new ByteSink(Math.min(LARGEST_PRESIZED, Math.max(0, part.getSize()) + headerSectionLength(part)));
        part.writeTo(out);
        return out;
    }

    /** How long the part's header section is when written: its lines, each with CRLF, and the blank line. */
    private static long headerSectionLength(MimePart part) throws MessagingException {
        long length = 2;
        for (Enumeration<String> lines = part.getAllHeaderLines(); lines.hasMoreElements(); ) {
            length += lines.nextElement().length() + 2;
        }
        return length;
    }

    /**
     * The content entity of the written message to sign or encrypt, with every 8bit or binary leaf
     * re-encoded (quoted-printable for text, base64 otherwise; RFC 8551 section 3.1.2) by Jakarta Mail
     * writing a parsed copy. When no leaf needs it, the copy would be written back byte for byte, so
     * the written message itself is used and its content is never copied. Whether a leaf needs it is
     * first judged from the bytes ({@link SevenBitScan}, which also counts the line breaks to make CRLF);
     * only when one may does Jakarta Mail parse the parts.
     */
    static CanonicalEntity sevenBitSafeContent(ByteSink written) throws MessagingException, IOException {
        MimeMessage copy = new SharedBytesMessage(SESSION, written.array(), 0, written.length());
        int loneLineBreaks = SevenBitScan.loneLineBreaksWhenNothingToReencode(written.array(), written.length());
        boolean reencoded = loneLineBreaks < 0 && makeSevenBitSafe(copy);
        if (reencoded) {
            copy.saveChanges();
        } else if (headerSectionRoundTrips(copy, written)) {
            return loneLineBreaks < 0 ? CanonicalEntity.of(written) : CanonicalEntity.of(written, loneLineBreaks);
        }
        return CanonicalEntity.of(written(copy));
    }

    /** Jakarta Mail writes the parsed header section back as the very bytes it was read from, and the body after it unchanged. */
    private static boolean headerSectionRoundTrips(MimeMessage parsed, ByteSink written) throws MessagingException {
        StringBuilder lines = new StringBuilder();
        for (Enumeration<String> all = parsed.getAllHeaderLines(); all.hasMoreElements(); ) {
            lines.append(all.nextElement()).append("\r\n");
        }
        lines.append("\r\n");
        int bodyStart = headerEnd(written.array(), written.length());
        return lines.length() == bodyStart
            && lines.toString().equals(new String(written.array(), 0, bodyStart, StandardCharsets.ISO_8859_1));
    }

    /**
     * A new message with the original's headers, except its Content-* and MIME-Version headers,
     * followed by the given entity (Content-* headers, blank line, body). The bytes are kept exactly.
     */
    public static MimeMessage replaceContent(MimeMessage original, byte[] entity) throws MessagingException, IOException {
        byte[] section = headerSection(original);
        byte[] headers = outerHeaders(section, headerEnd(section));
        ByteArrayOutputStream out = new ByteArrayOutputStream(headers.length + entity.length);
        out.writeBytes(headers);
        out.writeBytes(entity);
        return parse(out.toByteArray());
    }

    /**
     * The header fields of the section {@code raw[0, bodyStart)} that stay outside an S/MIME entity:
     * all but Content-* and MIME-Version, each made CRLF, then {@code MIME-Version: 1.0}.
     */
    static byte[] outerHeaders(byte[] raw, int bodyStart) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bodyStart + 20);
        for (String field : unfoldedFields(new String(raw, 0, bodyStart, StandardCharsets.ISO_8859_1))) {
            String name = fieldName(field);
            if (!name.startsWith("content-") && !name.equals("mime-version")) {
                out.writeBytes(toCrlf(field.getBytes(StandardCharsets.ISO_8859_1)));
            }
        }
        out.writeBytes("MIME-Version: 1.0\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
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
        return replaceContentWithEntity(headerSection(original), entity, 0, entity.length, restoreProtectedHeaders, false);
    }

    /**
     * {@link #replaceContentIgnoringInnerHeaders} ({@code restoreProtectedHeaders} false) or
     * {@link #replaceContentRestoringHeaders} (true) for an entity in {@code buffer[from, to)} that nothing
     * else holds: the new header section is written over the entity's own header section and whatever
     * free room lies in front of it, so the body is not copied, and the message shares the buffer. When the
     * room does not suffice, the message is assembled in a new array instead.
     *
     * @param outerHeaderSection the original message's header section with its blank line ({@link #headerSection})
     */
    static MimeMessage replaceContentInPlace(byte[] outerHeaderSection, byte[] buffer, int from, int to, boolean restoreProtectedHeaders)
        throws MessagingException {
        return replaceContentWithEntity(outerHeaderSection, buffer, from, to, restoreProtectedHeaders, true);
    }

    private static MimeMessage replaceContentWithEntity(byte[] outerHeaderSection, byte[] entity, int from, int to,
        boolean restoreProtectedHeaders, boolean inPlace) throws MessagingException {
        int bodyStart = from + headerEnd(entity, from, to);
        List<String> innerFields = unfoldedFields(new String(toCrlf(Arrays.copyOfRange(entity, from, bodyStart)), StandardCharsets.ISO_8859_1));
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
        int outerBodyStart = headerEnd(outerHeaderSection);
        ByteArrayOutputStream headers = new ByteArrayOutputStream(outerBodyStart + contentHeaders.size() + innerHeaders.size() + 32);
        for (String field : unfoldedFields(new String(outerHeaderSection, 0, outerBodyStart, StandardCharsets.ISO_8859_1))) {
            String name = fieldName(field);
            if (!name.startsWith("content-") && !name.equals("mime-version") && !replaced.contains(name)) {
                headers.writeBytes(toCrlf(field.getBytes(StandardCharsets.ISO_8859_1)));
            }
        }
        headers.writeBytes(innerHeaders.toByteArray());
        headers.writeBytes("MIME-Version: 1.0\r\n".getBytes(StandardCharsets.US_ASCII));
        headers.writeBytes(contentHeaders.toByteArray());
        headers.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] section = headers.toByteArray();
        if (inPlace && section.length <= bodyStart) {
            int start = bodyStart - section.length;
            System.arraycopy(section, 0, entity, start, section.length);
            return new SharedBytesMessage(SESSION, entity, start, to);
        }
        byte[] message = new byte[section.length + to - bodyStart];
        System.arraycopy(section, 0, message, 0, section.length);
        System.arraycopy(entity, bodyStart, message, section.length, to - bodyStart);
        return parse(message);
    }

    /**
     * The message's header section as {@link #write} writes it (its blank line included), without
     * writing or copying the body: Jakarta Mail writes the header section first, and the writing is
     * stopped once it is complete.
     */
    static byte[] headerSection(MimePart message) throws MessagingException, IOException {
        HeaderSection capture = new HeaderSection();
        try {
            message.writeTo(capture);
        } catch (IOException | MessagingException | RuntimeException e) {
            if (!capture.complete) {
                throw e;
            }
        }
        return capture.toByteArray();
    }

    /** Keeps what is written up to the blank line that ends the header section, then refuses the rest. */
    private static final class HeaderSection extends ByteArrayOutputStream {
        private boolean complete;

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            if (complete) {
                throw new UncheckedIOException(new IOException("the header section is complete"));
            }
            int before = count;
            super.write(bytes, offset, length);
            // the blank line: CRLF (or LF) at the very start, or a line break followed by one
            for (int i = Math.max(0, before - 2); i < count; i++) {
                if (buf[i] != '\n') {
                    continue;
                }
                if (i == 0 || (i == 1 && buf[0] == '\r')) {
                    finish(i + 1);
                    return;
                }
                if (i + 1 < count && buf[i + 1] == '\n') {
                    finish(i + 2);
                    return;
                }
                if (i + 2 < count && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
                    finish(i + 3);
                    return;
                }
            }
        }

        private void finish(int end) {
            count = end;
            complete = true;
            throw new UncheckedIOException(new IOException("the header section is complete"));
        }
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
     * given field prepended when not null. The rest of the bytes are kept: the body is copied once, into
     * an array of the result's exact size (the message is written once, too).
     */
    public static MimeMessage rewriteHeaders(MimeMessage message, java.util.Set<String> removedNames, String addedField)
        throws MessagingException, IOException {
        byte[] raw = write(message);
        int bodyStart = headerEnd(raw);
        ByteArrayOutputStream header = new ByteArrayOutputStream(bodyStart + 200);
        if (addedField != null) {
            header.writeBytes((addedField + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        for (String field : unfoldedFields(new String(raw, 0, bodyStart, StandardCharsets.ISO_8859_1))) {
            if (!removedNames.contains(fieldName(field))) {
                header.writeBytes(toCrlf(field.getBytes(StandardCharsets.ISO_8859_1)));
            }
        }
        header.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] rewritten = Arrays.copyOf(header.toByteArray(), header.size() + raw.length - bodyStart);
        System.arraycopy(raw, bodyStart, rewritten, header.size(), raw.length - bodyStart);
        return parse(rewritten);
    }

    /** Line endings made CRLF; a lone CR or LF becomes CRLF. */
    public static byte[] toCrlf(byte[] bytes) {
        ByteSink out = new ByteSink((long) bytes.length + LineBreaks.countLone(bytes, 0, bytes.length));
        try {
            LineBreaks.writeCrlf(bytes, 0, bytes.length, out);
        } catch (IOException e) {
            throw new UncheckedIOException("a buffer sized for the result refused it", e);
        }
        return out.toByteArray();
    }

    /**
     * The header section of the content entity of a message whose header section is
     * {@code raw[0, bodyStart)}: its Content-* fields (a text/plain default when it has no
     * Content-Type) and the blank line, made CRLF.
     */
    static byte[] contentHeader(byte[] raw, int bodyStart) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bodyStart);
        boolean hasContentType = false;
        for (String field : unfoldedFields(new String(raw, 0, bodyStart, StandardCharsets.ISO_8859_1))) {
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
        return toCrlf(out.toByteArray());
    }

    /** Index of the first body byte: just after the blank line that ends the header section. */
    static int headerEnd(byte[] raw) {
        return headerEnd(raw, raw.length);
    }

    /** {@link #headerEnd(byte[])} of the message in {@code raw[0, length)}. */
    static int headerEnd(byte[] raw, int length) {
        return headerEnd(raw, 0, length);
    }

    /** {@link #headerEnd(byte[])} of the entity in {@code raw[from, to)}, counted from {@code from}. */
    static int headerEnd(byte[] raw, int from, int to) {
        int length = to - from;
        if (length > 0 && raw[from] == '\n') {
            return 1;
        }
        if (length > 1 && raw[from] == '\r' && raw[from + 1] == '\n') {
            return 2;
        }
        for (int i = from; i < to; i++) {
            if (raw[i] == '\n') {
                if (i + 1 < to && raw[i + 1] == '\n') {
                    return i + 2 - from;
                }
                if (i + 2 < to && raw[i + 1] == '\r' && raw[i + 2] == '\n') {
                    return i + 3 - from;
                }
            }
        }
        return length;
    }

    /** Header fields with their continuation lines, each ending with its line break. */
    static java.util.List<String> unfoldedFields(String headers) {
        java.util.List<String> fields = new java.util.ArrayList<>();
        StringBuilder current = null;
        for (int start = 0, end; start < headers.length(); start = end) {
            // each line with its LF, as split("(?<=\n)") cuts them, without compiling that pattern per call
            int lf = headers.indexOf('\n', start);
            end = lf < 0 ? headers.length() : lf + 1;
            String line = headers.substring(start, end);
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

    /** Re-encodes every leaf that is not 7-bit safe; true when anything changed. Package-private for SevenBitScanTest. */
    static boolean makeSevenBitSafe(Part part) throws MessagingException, IOException {
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
        if (encoding.equals("7bit") && isSevenBitSafe(mimePart)) {
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

    /** A body whose size the caller has already accepted, read through the one safe loop. */
    private static byte[] readWhole(InputStream in) throws IOException {
        try {
            return Limits.readAtMost(in, ByteSink.LARGEST_ARRAY);
        } catch (SmimeException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** No NUL, no 8-bit byte and no line longer than 998 bytes in the part's body as written; read a chunk at a time. */
    private static boolean isSevenBitSafe(MimePart part) throws MessagingException, IOException {
        InputStream raw = part instanceof MimeBodyPart ? ((MimeBodyPart) part).getRawInputStream() : ((MimeMessage) part).getRawInputStream();
        try (raw) {
            byte[] chunk = new byte[Math.min(LineBreaks.CHUNK, Math.max(1024, raw.available()))];
            int lineLength = 0;
            for (int read = raw.read(chunk); read >= 0; read = raw.read(chunk)) {
                for (int i = 0; i < read; i++) {
                    byte b = chunk[i];
                    if (b <= 0) {
                        return false;
                    }
                    if (b == '\n') {
                        lineLength = 0;
                    } else if (++lineLength > MAX_LINE) {
                        return false;
                    }
                }
            }
            return true;
        }
    }
}
