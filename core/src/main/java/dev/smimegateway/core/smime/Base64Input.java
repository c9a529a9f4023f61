package dev.smimegateway.core.smime;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * Decodes a base64 body (RFC 2045 section 6.8) as it is read, a chunk at a time: what Jakarta Mail's
 * decoder does for a base64 part (characters outside the alphabet, line breaks included, are skipped;
 * "=" ends a group of four), at several times its speed, which reads one character per call. A last
 * group of one character cannot be decoded and is an error; of two or three, it is decoded as if padded.
 */
final class Base64Input extends InputStream {
    private static final int SKIPPED = -1;
    private static final int PADDING = -2;
    private static final byte[] VALUES = new byte[256];
    private static final int CHUNK = 64 * 1024;

    static {
        Arrays.fill(VALUES, (byte) SKIPPED);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) {
            VALUES[alphabet.charAt(i)] = (byte) i;
        }
        VALUES['='] = (byte) PADDING;
    }

    private final InputStream encoded;
    private final byte[] raw;
    private final byte[] decoded;
    private int position;
    private int limit;
    private int bits;
    private int count;
    private boolean ended;

    Base64Input(InputStream encoded) {
        this(encoded, CHUNK);
    }

    /** @param expectedLength about how long the encoded body is (-1: unknown), so that a small body gets no 64 KB buffers */
    Base64Input(InputStream encoded, long expectedLength) {
        this.encoded = encoded;
        int chunk = expectedLength < 0 ? CHUNK : (int) Math.max(1024, Math.min(CHUNK, expectedLength + 4));
        this.raw = new byte[chunk];
        this.decoded = new byte[chunk / 4 * 3 + 3];
    }

    @Override
    public int read() throws IOException {
        if (position == limit && !decodeMore()) {
            return -1;
        }
        return decoded[position++] & 0xff;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, target.length);
        if (length == 0) {
            return 0;
        }
        if (position == limit && !decodeMore()) {
            return -1;
        }
        int step = Math.min(length, limit - position);
        System.arraycopy(decoded, position, target, offset, step);
        position += step;
        return step;
    }

    /** Decodes the next chunk of the encoded stream; false at its end with nothing decoded. */
    private boolean decodeMore() throws IOException {
        while (!ended) {
            int read = encoded.read(raw, 0, raw.length);
            if (read == 0) {
                // never a zero-length request; a stream answering 0 to a non-empty one gets a single-byte read
                int next = encoded.read();
                if (next >= 0) {
                    raw[0] = (byte) next;
                    read = 1;
                }
            }
            int out = 0;
            if (read <= 0) {
                ended = true;
                out = endGroup(0);
            } else {
                for (int i = 0; i < read; i++) {
                    int value = VALUES[raw[i] & 0xff];
                    if (value >= 0) {
                        bits = bits << 6 | value;
                        if (++count == 4) {
                            decoded[out] = (byte) (bits >> 16);
                            decoded[out + 1] = (byte) (bits >> 8);
                            decoded[out + 2] = (byte) bits;
                            out += 3;
                            bits = 0;
                            count = 0;
                        }
                    } else if (value == PADDING) {
                        out = endGroup(out);
                    }
                }
            }
            position = 0;
            limit = out;
            if (out > 0) {
                return true;
            }
        }
        return false;
    }

    /** The bytes of an incomplete group at "=" or at the end of the stream. */
    private int endGroup(int out) throws IOException {
        int written = out;
        if (count == 1) {
            throw new IOException("base64: a group of one character cannot be decoded");
        }
        if (count == 2) {
            decoded[written++] = (byte) (bits >> 4);
        } else if (count == 3) {
            decoded[written++] = (byte) (bits >> 10);
            decoded[written++] = (byte) (bits >> 2);
        }
        bits = 0;
        count = 0;
        return written;
    }

    @Override
    public void close() throws IOException {
        encoded.close();
    }
}
