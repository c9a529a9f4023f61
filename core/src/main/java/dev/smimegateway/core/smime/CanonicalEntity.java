package dev.smimegateway.core.smime;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A message's content as the MIME entity S/MIME signs or encrypts (RFC 8551 section 3.1.1): its
 * Content-* header fields, a blank line and its body, every line ending with CRLF. The body is not
 * copied: it stays in the bytes of the written message and is made CRLF as it is written out, so that
 * a large message is canonicalised once, straight into the digest, the cipher or the message sent.
 */
final class CanonicalEntity {
    private final byte[] header;
    private final byte[] source;
    private final int bodyStart;
    private final int bodyEnd;
    private final int loneLineBreaks;

    /**
     * @param header    the entity's header section, CRLF throughout and ending with the blank line
     * @param source    holds the body, in {@code [bodyStart, bodyEnd)}, with its line ends as written
     */
    CanonicalEntity(byte[] header, byte[] source, int bodyStart, int bodyEnd) {
        this(header, source, bodyStart, bodyEnd, LineBreaks.countLone(source, bodyStart, bodyEnd));
    }

    private CanonicalEntity(byte[] header, byte[] source, int bodyStart, int bodyEnd, int loneLineBreaks) {
        this.header = header;
        this.source = source;
        this.bodyStart = bodyStart;
        this.bodyEnd = bodyEnd;
        this.loneLineBreaks = loneLineBreaks;
    }

    /** The content entity of a written message: its Content-* fields (or a text/plain default) and its body. */
    static CanonicalEntity of(ByteSink message) {
        int bodyStart = MimeEntities.headerEnd(message.array(), message.length());
        return new CanonicalEntity(MimeEntities.contentHeader(message.array(), bodyStart), message.array(), bodyStart, message.length());
    }

    /** {@link #of(ByteSink)}, for a message whose body's lone line breaks are already counted. */
    static CanonicalEntity of(ByteSink message, int loneLineBreaks) {
        int bodyStart = MimeEntities.headerEnd(message.array(), message.length());
        return new CanonicalEntity(MimeEntities.contentHeader(message.array(), bodyStart), message.array(), bodyStart, message.length(),
            loneLineBreaks);
    }

    /** The header section: its fields, then the blank line. */
    byte[] header() {
        return header.clone();
    }

    /** The same body under another header section (CRLF throughout, ending with the blank line). */
    CanonicalEntity withHeader(byte[] otherHeader) {
        return new CanonicalEntity(otherHeader.clone(), source, bodyStart, bodyEnd, loneLineBreaks);
    }

    /** How many bytes {@link #writeTo} writes. */
    long length() {
        return (long) header.length + (bodyEnd - bodyStart) + loneLineBreaks;
    }

    /** Writes the entity in writes of at most {@link LineBreaks#CHUNK} bytes. */
    void writeTo(OutputStream out) throws IOException {
        out.write(header);
        // the header ends with CRLF, so the body starts a line, as LineBreaks assumes
        if (loneLineBreaks == 0) {
            LineBreaks.writeChunked(source, bodyStart, bodyEnd, out);
        } else {
            // the short runs between lone line breaks reach a digest or a cipher a chunk at a time
            BufferedOutputStream buffered = new BufferedOutputStream(out, (int) Math.min(LineBreaks.CHUNK, length()));
            LineBreaks.writeCrlf(source, bodyStart, bodyEnd, buffered);
            buffered.flush();
        }
    }
}
