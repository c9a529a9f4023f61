package dev.smimegateway.core.smime;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Line ends made CRLF, as MIME canonical form requires (RFC 8551 section 3.1.1): CRLF stays, a lone CR
 * or a lone LF becomes CRLF. Ranges are scanned in bulk and copied a run of lines at a time, so a
 * message that is already CRLF throughout costs one scan and one copy.
 */
final class LineBreaks {
    /** The largest write handed on: large enough to amortise each write, small enough to stay in the processor's cache. */
    static final int CHUNK = 64 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ALL_LF = 0x0A0A0A0A0A0A0A0AL;
    private static final long ALL_CR = 0x0D0D0D0D0D0D0D0DL;
    private static final long LOW_SEVEN_BITS = 0x7F7F7F7F7F7F7F7FL;

    private LineBreaks() {
    }

    /**
     * Index of the first lone CR or lone LF in {@code bytes[from, to)}, or {@code to} when there is none.
     * The range starts a line: a LF at {@code from} is lone. Eight bytes are checked at a time: in
     * CRLF text, the LFs of a word are exactly its CRs shifted by one byte (and a CR ending the word
     * before). Only a word where that fails is looked at byte by byte.
     */
    static int nextLone(byte[] bytes, int from, int to) {
        long crBeforeWord = 0;
        int word = from;
        for (; word + Long.BYTES <= to; word += Long.BYTES) {
            long bytesOfWord = (long) LONGS.get(bytes, word);
            long lfs = zeroBytes(bytesOfWord ^ ALL_LF);
            long crs = zeroBytes(bytesOfWord ^ ALL_CR);
            if (lfs != (crs << Byte.SIZE | crBeforeWord)) {
                int lone = nextLoneByByte(bytes, Math.max(from, word - 1), word + Long.BYTES, from, to);
                if (lone < word + Long.BYTES) {
                    return lone;
                }
            }
            crBeforeWord = crs >>> (Long.SIZE - Byte.SIZE);
        }
        return nextLoneByByte(bytes, Math.max(from, word - 1), to, from, to);
    }

    /** The first lone CR or LF in {@code bytes[start, end)}, or {@code end}, of a range {@code [from, to)}. */
    private static int nextLoneByByte(byte[] bytes, int start, int end, int from, int to) {
        for (int i = start; i < end; i++) {
            byte b = bytes[i];
            if (b == '\n' && (i == from || bytes[i - 1] != '\r') || b == '\r' && (i + 1 == to || bytes[i + 1] != '\n')) {
                return i;
            }
        }
        return end;
    }

    /** Index of the first LF in {@code bytes[from, to)}, or {@code to}: eight bytes at a time. */
    static int nextLf(byte[] bytes, int from, int to) {
        int word = from;
        for (; word + Long.BYTES <= to; word += Long.BYTES) {
            long lfs = zeroBytes((long) LONGS.get(bytes, word) ^ ALL_LF);
            if (lfs != 0) {
                return word + Long.numberOfTrailingZeros(lfs) / Byte.SIZE;
            }
        }
        for (; word < to; word++) {
            if (bytes[word] == '\n') {
                return word;
            }
        }
        return to;
    }

    /** 0x80 in every byte of the word that is zero, 0 in every other: exact, no byte carries into the next. */
    private static long zeroBytes(long word) {
        return ~((word & LOW_SEVEN_BITS) + LOW_SEVEN_BITS | word | LOW_SEVEN_BITS);
    }

    /** How many lone CRs and LFs {@code bytes[from, to)} holds: how many bytes making it CRLF adds. */
    static int countLone(byte[] bytes, int from, int to) {
        int count = 0;
        for (int i = nextLone(bytes, from, to); i < to; i = nextLone(bytes, i + 1, to)) {
            count++;
        }
        return count;
    }

    /**
     * Writes {@code bytes[from, to)} with every lone CR or LF made CRLF, in writes of at most {@link #CHUNK}
     * bytes. Text written with LF has a lone LF on every line: give a stream that is costly to call a buffer.
     */
    static void writeCrlf(byte[] bytes, int from, int to, OutputStream out) throws IOException {
        int start = from;
        while (start < to) {
            int lone = nextLone(bytes, start, to);
            writeChunked(bytes, start, lone, out);
            if (lone == to) {
                break;
            }
            out.write(CRLF);
            start = lone + 1;
        }
    }

    /** Writes {@code bytes[from, to)} as it is, in writes of at most {@link #CHUNK} bytes. */
    static void writeChunked(byte[] bytes, int from, int to, OutputStream out) throws IOException {
        for (int start = from; start < to; start += CHUNK) {
            out.write(bytes, start, Math.min(CHUNK, to - start));
        }
    }
}
