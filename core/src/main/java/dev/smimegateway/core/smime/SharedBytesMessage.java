package dev.smimegateway.core.smime;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;

/**
 * A message parsed from bytes it shares, as a MimeMessage over Jakarta Mail's SharedByteArrayInputStream
 * is, whose header section is read here when it is plain; any other header section is left to Jakarta
 * Mail. The result is the same message: the same header lines in the same order, the body starting at
 * the same byte.
 *
 * <p>Why: Jakarta Mail 2.1 (Angus Mail 2.0) reads every header section through
 * {@code StreamProvider.provider()}, which looks its provider up with a ServiceLoader on every call:
 * it opens the jar that holds {@code META-INF/services/jakarta.mail.util.StreamProvider}, parses that
 * file and allocates some 30 KB of reader buffers, for every message and every body part parsed. That
 * was 10 to 15% of the engine's time. Plain means: US-ASCII, every line ending with CRLF, the blank line
 * present, no line of white space only, no continuation line first, every other line with a colon.
 * Jakarta Mail's loop then adds exactly these lines, one field each with its continuation lines
 * appended after a CRLF, which is what {@link InternetHeaders#addHeaderLine} does line by line here.
 *
 * <p>Works on javax.mail 1.6 too (the bundle's James 3.8 flavour relocates jakarta.mail to javax.mail):
 * {@code createInternetHeaders}, {@code InternetHeaders()}, its protected list and {@code addHeaderLine}
 * are there as well.
 */
final class SharedBytesMessage extends MimeMessage {
    SharedBytesMessage(Session session, byte[] bytes, int start, int end) throws MessagingException {
        super(session, new SharedBytesInputStream(bytes, start, end));
    }

    /** Called by the super constructor, before any field of this class is set: all it needs comes with the stream. */
    @Override
    protected InternetHeaders createInternetHeaders(InputStream in) throws MessagingException {
        if (in instanceof SharedBytesInputStream) {
            SharedBytesInputStream shared = (SharedBytesInputStream) in;
            InternetHeaders headers = new ParsedHeaders();
            int bodyStart = readPlainHeaderSection(shared.array(), shared.offset(), shared.end(), headers);
            if (bodyStart >= 0) {
                shared.skip(bodyStart - shared.offset());
                return headers;
            }
        }
        return super.createInternetHeaders(in);
    }

    /**
     * Adds the fields of the plain header section starting at {@code bytes[from]} to {@code headers}.
     *
     * @return the index just after its blank line, or -1 when the section is not plain (then
     *         {@code headers} holds a part of it and is to be thrown away)
     */
    static int readPlainHeaderSection(byte[] bytes, int from, int to, InternetHeaders headers) {
        int lineStart = from;
        while (true) {
            int lineEnd = lineStart;
            while (lineEnd < to && bytes[lineEnd] >= 0 && bytes[lineEnd] != '\r' && bytes[lineEnd] != '\n') {
                lineEnd++;
            }
            if (lineEnd + 1 >= to || bytes[lineEnd] != '\r' || bytes[lineEnd + 1] != '\n') {
                // an 8-bit byte, a lone CR or LF, or the end of the bytes before the blank line
                return -1;
            }
            if (lineEnd == lineStart) {
                return lineEnd + 2;
            }
            boolean continuation = bytes[lineStart] == ' ' || bytes[lineStart] == '\t';
            if (continuation ? lineStart == from || whiteSpaceOnly(bytes, lineStart, lineEnd) : !hasColon(bytes, lineStart, lineEnd)) {
                return -1;
            }
            headers.addHeaderLine(new String(bytes, lineStart, lineEnd - lineStart, StandardCharsets.US_ASCII));
            lineStart = lineEnd + 2;
        }
    }

    private static boolean whiteSpaceOnly(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != ' ' && bytes[i] != '\t') {
                return false;
            }
        }
        return true;
    }

    private static boolean hasColon(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == ':') {
                return true;
            }
        }
        return false;
    }

    /**
     * Headers that start empty, as those Jakarta Mail reads from a stream do: {@code new InternetHeaders()}
     * starts with placeholders that order fields set later, which a parsed message does not have.
     */
    private static final class ParsedHeaders extends InternetHeaders {
        ParsedHeaders() {
            headers = new ArrayList<>(40);
        }
    }
}
