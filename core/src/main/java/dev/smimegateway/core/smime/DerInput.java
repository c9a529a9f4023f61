package dev.smimegateway.core.smime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * BER/DER read from a stream a piece at a time, for CMS structures too large to hold twice: tags and
 * lengths, whole elements (copied, for the small ones), and the bytes of primitive values handed out in
 * place from the read buffer. At most {@code maxBytes} are read from the stream: one more is a
 * {@link SmimeException} saying the body is too large, as {@link Limits#readAtMost(InputStream, int)}
 * says it. A length that runs past the end of the stream, a tag or length that is cut off, nesting
 * deeper than {@value #MAX_DEPTH}: malformed.
 */
final class DerInput {
    /** A BER header: its first tag octet, whether it is constructed, and its length (-1: indefinite). */
    record Header(int tag, long length) {
        boolean constructed() {
            return (tag & 0x20) != 0;
        }

        boolean endOfContents() {
            return tag == 0 && length == 0;
        }
    }

    private static final int BUFFER = 64 * 1024;
    private static final int MAX_DEPTH = 32;

    private final InputStream in;
    private final int maxBytes;
    private final byte[] buffer;
    private int position;
    private int limit;
    /** Bytes taken from the stream so far. */
    private long fetched;
    /** Where consumed bytes are copied to while an element is read whole; null otherwise. */
    private ByteArrayOutputStream recording;

    DerInput(InputStream in, int maxBytes) {
        this(in, maxBytes, BUFFER);
    }

    /** @param expectedLength about how many bytes the stream holds (-1: unknown): a small body gets a small buffer */
    DerInput(InputStream in, int maxBytes, long expectedLength) {
        this.in = in;
        this.maxBytes = maxBytes;
        this.buffer = new byte[expectedLength < 0 ? BUFFER : (int) Math.max(1024, Math.min(BUFFER, expectedLength + 16))];
    }

    /** Bytes consumed so far. */
    long position() {
        return fetched - (limit - position);
    }

    /** At least {@code count} (at most the buffer size) bytes buffered; false at the end of the stream first. */
    private boolean fill(int count) throws IOException, SmimeException {
        if (limit - position >= count) {
            return true;
        }
        if (position > 0) {
            System.arraycopy(buffer, position, buffer, 0, limit - position);
            limit -= position;
            position = 0;
        }
        while (limit < count) {
            // one byte beyond the limit is asked for, to tell "exactly at the limit" from "over it"
            int wanted = (int) Math.min(buffer.length - limit, (long) maxBytes + 1 - fetched);
            int read = in.read(buffer, limit, wanted);
            if (read == 0) {
                // never a zero-length request (javax.mail 1.6 answers one with end of stream); a 0 answer: one byte
                int next = in.read();
                if (next >= 0) {
                    buffer[limit] = (byte) next;
                    read = 1;
                }
            }
            if (read <= 0) {
                return false;
            }
            limit += read;
            fetched += read;
            if (fetched > maxBytes) {
                throw tooLarge();
            }
        }
        return true;
    }

    private SmimeException tooLarge() {
        return new SmimeException("the S/MIME body is larger than the limit of " + maxBytes + " bytes");
    }

    private static SmimeException malformed(String detail) {
        return new SmimeException("malformed CMS structure: " + detail);
    }

    private int readByte() throws IOException, SmimeException {
        if (!fill(1)) {
            throw malformed("the data ends inside an element");
        }
        int b = buffer[position++] & 0xff;
        if (recording != null) {
            recording.write(b);
        }
        return b;
    }

    /** The next tag octet without consuming it, or -1 at the end of the stream. */
    int peekTag() throws IOException, SmimeException {
        return fill(1) ? buffer[position] & 0xff : -1;
    }

    /** Whether the next two octets are an end-of-contents marker (00 00), without consuming them. */
    boolean atEndOfContents() throws IOException, SmimeException {
        return fill(2) && buffer[position] == 0 && buffer[position + 1] == 0;
    }

    Header header() throws IOException, SmimeException {
        int tag = readByte();
        if ((tag & 0x1f) == 0x1f) {
            // high tag number: its octets are read and not interpreted (no CMS structure read here uses one)
            int octets = 0;
            while ((readByte() & 0x80) != 0) {
                if (++octets > 4) {
                    throw malformed("a tag number longer than 4 octets");
                }
            }
        }
        int first = readByte();
        if (first < 0x80) {
            return new Header(tag, first);
        }
        if (first == 0x80) {
            if ((tag & 0x20) == 0) {
                throw malformed("an indefinite length on a primitive element");
            }
            return new Header(tag, -1);
        }
        int octets = first & 0x7f;
        if (octets > 4) {
            throw malformed("a length of " + octets + " octets");
        }
        long length = 0;
        for (int i = 0; i < octets; i++) {
            length = (length << 8) | readByte();
        }
        if (length > maxBytes) {
            // it cannot fit: either the body is over the limit, or the length lies
            drain();
            throw malformed("a length of " + length + " bytes runs past the end of the data");
        }
        return new Header(tag, length);
    }

    /** Reads a header and requires its tag octet. */
    Header header(int expectedTag, String what) throws IOException, SmimeException {
        Header header = header();
        if (header.tag() != expectedTag) {
            throw malformed(what + " expected (tag 0x" + Integer.toHexString(expectedTag) + "), found tag 0x"
                + Integer.toHexString(header.tag()));
        }
        return header;
    }

    /** The next element whole, in its encoding (BER as it came). */
    byte[] element() throws IOException, SmimeException {
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        recording = copy;
        try {
            skip(header(), 0);
        } finally {
            recording = null;
        }
        return copy.toByteArray();
    }

    /** Skips the rest of an element whose header has been read. */
    void skip(Header header) throws IOException, SmimeException {
        skip(header, 0);
    }

    private void skip(Header header, int depth) throws IOException, SmimeException {
        if (depth > MAX_DEPTH) {
            throw malformed("nested deeper than " + MAX_DEPTH + " levels");
        }
        if (header.length() >= 0) {
            skipBytes(header.length());
            return;
        }
        while (true) {
            Header inner = header();
            if (inner.endOfContents()) {
                return;
            }
            skip(inner, depth + 1);
        }
    }

    private void skipBytes(long count) throws IOException, SmimeException {
        long remaining = count;
        while (remaining > 0) {
            if (!fill(1)) {
                throw malformed("the data ends " + remaining + " bytes before the end of an element");
            }
            int step = (int) Math.min(remaining, limit - position);
            if (recording != null) {
                recording.write(buffer, position, step);
            }
            position += step;
            remaining -= step;
        }
    }

    /** Receives the bytes of a value, a piece at a time, from the read buffer (valid only during the call). */
    interface Chunks {
        void accept(byte[] bytes, int offset, int length) throws IOException, SmimeException;
    }

    /**
     * Hands out the octets of an OCTET STRING whose header has been read: primitive, or constructed
     * from OCTET STRING segments (BER, as streaming encoders write it), definite or indefinite.
     */
    void octets(Header header, Chunks chunks) throws IOException, SmimeException {
        octets(header, chunks, 0);
    }

    private void octets(Header header, Chunks chunks, int depth) throws IOException, SmimeException {
        if (depth > MAX_DEPTH) {
            throw malformed("nested deeper than " + MAX_DEPTH + " levels");
        }
        if (!header.constructed()) {
            long remaining = header.length();
            while (remaining > 0) {
                if (!fill(1)) {
                    throw malformed("the data ends " + remaining + " bytes before the end of the encrypted content");
                }
                int step = (int) Math.min(remaining, limit - position);
                chunks.accept(buffer, position, step);
                position += step;
                remaining -= step;
            }
            return;
        }
        long end = header.length() < 0 ? -1 : position() + header.length();
        while (end < 0 ? !atEndOfContents() : position() < end) {
            Header segment = header();
            if (segment.endOfContents() || (segment.tag() & 0x1f) != 0x04) {
                throw malformed("a segment of the encrypted content is not an OCTET STRING");
            }
            octets(segment, chunks, depth + 1);
        }
        if (end < 0) {
            header();
        } else if (position() != end) {
            throw malformed("the segments of the encrypted content overrun its length");
        }
    }

    /** Reads and discards everything left in the stream, counted against the limit. */
    void drain() throws IOException, SmimeException {
        position = limit;
        while (fill(1)) {
            position = limit;
        }
    }

    /** Ends a constructed element: at its end-of-contents marker (indefinite) or its last byte (definite). */
    void end(Header header, long start, String what) throws IOException, SmimeException {
        if (header.length() < 0) {
            if (!header().endOfContents()) {
                throw malformed(what + " has more elements than expected");
            }
        } else if (position() != start + header.length()) {
            throw malformed(what + " does not end where its length says");
        }
    }

    /** Whether a constructed element begun at {@code start} has more to read. */
    boolean hasMore(Header header, long start) throws IOException, SmimeException {
        return header.length() < 0 ? !atEndOfContents() : position() < start + header.length();
    }
}
