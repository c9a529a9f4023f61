package dev.smimegateway.core.smime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import jakarta.activation.DataSource;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.HeaderTokenizer;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimeUtility;

/**
 * A {@code multipart/signed} body read once, by Jakarta Mail's parser, with the exact bytes of the
 * signed part captured from that same parse: the bytes whose digest is checked are the bytes of the
 * part a reader is shown.
 *
 * <p>Mail readers do not all find MIME delimiters the same way (some match {@code --boundary} as a
 * prefix, as this gateway once did). So a body that two readers could split differently is refused
 * instead of verified: any line that starts with {@code --boundary} (in any case) but is not exactly a
 * delimiter line; other than exactly two parts; a missing close delimiter; an epilogue that looks like
 * MIME (a delimiter or a header field); a boundary parameter that is missing, repeated or split
 * (RFC 2231); a comment in the Content-Type; more than one Content-Type field; a Content-Transfer-Encoding other than 7bit, 8bit
 * or binary; or a bare CR. The structure found by a line scan must also agree with the parser's, byte for byte.
 */
final class SignedMultipart {
    /** A line that opens a header field: a field name (printable ASCII but the colon), optional white space, a colon. */
    static final Pattern HEADER_FIELD = Pattern.compile("^[!-9;-~]+[ \\t]*:.*");

    /**
     * The signed part's bytes with CRLF line ends (what the digest covers), {@code bytes[offset, offset + length)},
     * and the signature part. The bytes may be the message's own: never written to.
     */
    record Parts(byte[] bytes, int offset, int length, BodyPart signature) {
        /** A copy of the signed part's bytes. */
        byte[] signedEntity() {
            return Arrays.copyOfRange(bytes, offset, offset + length);
        }
    }

    private static Region whole(byte[] bytes) {
        return new Region(bytes, 0, bytes.length);
    }

    /** {@code bytes[start, end)}. */
    private record Region(byte[] bytes, int start, int end) {
        byte[] copy() {
            return Arrays.copyOfRange(bytes, start, end);
        }
    }

    private SignedMultipart() {
    }

    /**
     * @param maxBytes the limit for the signature part's CMS structure; the signed part itself is as large
     *                 as the message James accepted, and is only digested
     */
    static Parts read(MimeMessage message, int maxBytes) throws SmimeException, MessagingException, IOException {
        String contentType = onlyContentType(message);
        String boundary = onlyBoundary(contentType);
        String[] encodings = message.getHeader("Content-Transfer-Encoding");
        if (encodings != null) {
            for (String encoding : encodings) {
                String name = encoding.trim().toLowerCase(Locale.ROOT);
                if (!name.equals("7bit") && !name.equals("8bit") && !name.equals("binary")) {
                    throw new SmimeException("multipart/signed may not be encoded as " + name);
                }
            }
        }
        Region body = rawBody(message);
        // Most mail is CRLF throughout: then the body is its own canonical form, and the signed part is a slice of it.
        int firstLone = LineBreaks.nextLone(body.bytes(), body.start(), body.end());
        boolean canonical = firstLone >= body.end();
        if (!canonical) {
            requireNoBareCr(body.bytes(), firstLone, body.end());
        }
        Region crlf = canonical ? body : whole(MimeEntities.toCrlf(body.copy()));
        Region scanned = scan(crlf, boundary);
        CapturingMultipart multipart = new CapturingMultipart(new BodySource(body, contentType));
        if (multipart.getCount() != 2 || multipart.captured.size() != 2) {
            throw new SmimeException("multipart/signed must have exactly two parts, not " + multipart.getCount());
        }
        Region parsed = multipart.captured.get(0);
        boolean agree = canonical && parsed.bytes() == body.bytes()
            ? parsed.start() == scanned.start() && parsed.end() == scanned.end()
            : Arrays.equals(MimeEntities.toCrlf(parsed.copy()), scanned.copy());
        if (!agree) {
            throw new SmimeException("the signed part's extent is ambiguous: two readings of the multipart disagree");
        }
        return new Parts(scanned.bytes(), scanned.start(), scanned.end() - scanned.start(), multipart.getBodyPart(1));
    }

    /** The message's body as it is stored: the message's own bytes when it was parsed from an array by {@link MimeEntities}, else a copy. */
    private static Region rawBody(MimeMessage message) throws MessagingException, IOException, SmimeException {
        try (InputStream raw = message.getRawInputStream()) {
            if (raw instanceof SharedBytesInputStream shared) {
                return new Region(shared.array(), shared.offset(), shared.end());
            }
            return whole(Limits.readAtMost(raw, Integer.MAX_VALUE - 16));
        }
    }

    /** The message's one Content-Type, unfolded: with two, readers take the first and may show something else than is verified. */
    static String onlyContentType(MimeMessage message) throws MessagingException, SmimeException {
        String[] contentTypes = message.getHeader("Content-Type");
        if (contentTypes == null || contentTypes.length != 1) {
            throw new SmimeException("a signed message needs exactly one Content-Type field, not "
                + (contentTypes == null ? 0 : contentTypes.length));
        }
        return MimeUtility.unfold(contentTypes[0]);
    }

    /** A lone CR ends a line for some readers and not for others, which is enough to show different parts. */
    private static void requireNoBareCr(byte[] body, int from, int to) throws SmimeException {
        for (int i = from; i < to; i++) {
            if (body[i] == '\r' && (i + 1 == to || body[i + 1] != '\n')) {
                throw new SmimeException("multipart/signed contains a bare CR, which mail readers split differently");
            }
        }
    }

    /** The boundary parameter, refused when absent, repeated (a reader may take either) or split into RFC 2231 sections. */
    private static String onlyBoundary(String contentType) throws SmimeException {
        HeaderTokenizer tokens = new HeaderTokenizer(contentType, HeaderTokenizer.MIME, false);
        String boundary = null;
        try {
            HeaderTokenizer.Token token;
            boolean expectName = false;
            String name = null;
            while ((token = tokens.next()).getType() != HeaderTokenizer.Token.EOF) {
                if (token.getType() == HeaderTokenizer.Token.COMMENT) {
                    // Readers that do not skip comments would look for the boundary inside them.
                    throw new SmimeException("the Content-Type of multipart/signed may not contain comments");
                }
                if (token.getType() == ';') {
                    expectName = true;
                    name = null;
                } else if (expectName && token.getType() == HeaderTokenizer.Token.ATOM && name == null) {
                    name = token.getValue().toLowerCase(Locale.ROOT);
                } else if (expectName && token.getType() == '=' && name != null) {
                    HeaderTokenizer.Token value = tokens.next();
                    if (name.startsWith("boundary*")) {
                        throw new SmimeException("the boundary parameter of multipart/signed may not be split or encoded (RFC 2231)");
                    }
                    if (name.equals("boundary")) {
                        if (boundary != null) {
                            throw new SmimeException("multipart/signed names its boundary more than once");
                        }
                        boundary = value.getValue();
                    }
                    expectName = false;
                }
            }
        } catch (jakarta.mail.internet.ParseException e) {
            throw new SmimeException("the Content-Type of multipart/signed cannot be parsed: " + e.getMessage(), e);
        }
        if (boundary == null || boundary.isEmpty()) {
            throw new SmimeException("multipart/signed without boundary");
        }
        return boundary;
    }

    private enum Section { PREAMBLE, SIGNED, SIGNATURE, EPILOGUE }

    /**
     * Walks the CRLF-canonical body line by line and returns the signed part's bytes (between the
     * first delimiter line and the CRLF before the second), refusing whatever a reader could split
     * another way.
     */
    static byte[] scan(byte[] body, String boundary) throws SmimeException {
        return scan(whole(body), boundary).copy();
    }

    /** The signed part's extent in the CRLF-canonical body (no lone CR or LF). */
    private static Region scan(Region region, String boundary) throws SmimeException {
        byte[] body = region.bytes();
        int bodyEnd = region.end();
        String delimiter = "--" + boundary;
        String lowerDelimiter = delimiter.toLowerCase(Locale.ROOT);
        Section section = Section.PREAMBLE;
        int signedStart = -1;
        int signedEnd = -1;
        int lineStart = region.start();
        while (lineStart < bodyEnd) {
            int lineEnd = indexOfCrlf(body, lineStart, bodyEnd);
            int next = lineEnd < 0 ? bodyEnd : lineEnd + 2;
            int end = lineEnd < 0 ? bodyEnd : lineEnd;
            boolean startsWithDashes = end - lineStart >= 2 && body[lineStart] == '-' && body[lineStart + 1] == '-';
            if (!startsWithDashes && section != Section.EPILOGUE) {
                // Only a line opening with "--" can be (or look like) a delimiter; most lines of a large body are skipped unread.
                lineStart = next;
                continue;
            }
            String line = new String(body, lineStart, end - lineStart, StandardCharsets.ISO_8859_1);
            if (line.toLowerCase(Locale.ROOT).startsWith(lowerDelimiter)) {
                String rest = line.startsWith(delimiter) ? line.substring(delimiter.length()) : null;
                boolean isDelimiter = rest != null && rest.isBlank();
                boolean isClose = rest != null && rest.startsWith("--") && rest.substring(2).isBlank();
                if (!isDelimiter && !isClose) {
                    throw new SmimeException("a line looks like a delimiter of multipart/signed but is not one: "
                        + abbreviate(line));
                }
                switch (section) {
                    case PREAMBLE:
                        if (isClose) {
                            throw new SmimeException("multipart/signed has no parts");
                        }
                        section = Section.SIGNED;
                        signedStart = next;
                        break;
                    case SIGNED:
                        if (isClose) {
                            throw new SmimeException("multipart/signed has only one part");
                        }
                        section = Section.SIGNATURE;
                        signedEnd = lineStart - 2;
                        break;
                    case SIGNATURE:
                        if (isDelimiter) {
                            throw new SmimeException("multipart/signed has more than two parts");
                        }
                        section = Section.EPILOGUE;
                        break;
                    default:
                        throw new SmimeException("a delimiter follows the close delimiter of multipart/signed");
                }
            } else if (section == Section.EPILOGUE && (line.startsWith("--") || HEADER_FIELD.matcher(line).matches())) {
                throw new SmimeException("text after the close delimiter of multipart/signed looks like MIME: " + abbreviate(line));
            }
            lineStart = next;
        }
        if (section != Section.EPILOGUE) {
            throw new SmimeException("multipart/signed is not closed by " + delimiter + "--");
        }
        if (signedEnd < signedStart) {
            throw new SmimeException("the signed part of multipart/signed is empty");
        }
        return new Region(body, signedStart, signedEnd);
    }

    /** In canonical text every LF ends a CRLF, so only LFs are looked for. */
    private static int indexOfCrlf(byte[] bytes, int from, int to) {
        int lf = from + 1 < to ? LineBreaks.nextLf(bytes, from + 1, to) : to;
        return lf < to ? lf - 1 : -1;
    }

    private static String abbreviate(String line) {
        return line.length() > 80 ? line.substring(0, 80) + "..." : line;
    }

    /** The body as a data source whose stream is shared, so that the parser hands each part over as the exact bytes it spans. */
    private static final class BodySource implements DataSource {
        private final Region body;
        private final String contentType;

        BodySource(Region body, String contentType) {
            this.body = body;
            this.contentType = contentType;
        }

        @Override
        public InputStream getInputStream() {
            return new SharedBytesInputStream(body.bytes(), body.start(), body.end());
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            throw new IOException("read only");
        }

        @Override
        public String getContentType() {
            return contentType;
        }

        @Override
        public String getName() {
            return "multipart/signed body";
        }
    }

    /**
     * Keeps the extent of every part exactly as the parser delimited it: in the body itself when the
     * parser hands over a slice of the shared stream (it does), else in a copy of what it handed over.
     */
    private static final class CapturingMultipart extends MimeMultipart {
        private final List<Region> captured = new ArrayList<>();

        CapturingMultipart(DataSource source) throws MessagingException {
            super(source);
        }

        @Override
        protected MimeBodyPart createMimeBodyPart(InputStream part) throws MessagingException {
            if (part instanceof SharedBytesInputStream shared) {
                captured.add(new Region(shared.array(), shared.offset(), shared.end()));
                return new MimeBodyPart(part);
            }
            byte[] bytes;
            try {
                bytes = Limits.readAtMost(part, Integer.MAX_VALUE - 16);
            } catch (IOException | SmimeException e) {
                throw new MessagingException("unreadable part of multipart/signed", e);
            }
            captured.add(whole(bytes));
            return new MimeBodyPart(new SharedBytesInputStream(bytes, 0, bytes.length));
        }
    }
}
