package dev.smimegateway.core.smime;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * Base64 in lines of 76 characters, each ending with CRLF, as S/MIME bodies are sent (RFC 2045 section
 * 6.8): the bytes of java.util.Base64's MIME encoder followed by a CRLF. It encodes a thousand lines at
 * a time; the JDK's own wrapping stream hands every line on separately and runs at a third of the speed.
 * Closing it writes the last line; the stream it writes to stays open.
 */
final class Base64Lines extends OutputStream {
    private static final int LINE_BYTES = 57;
    private static final int LINES_PER_BLOCK = 1024;
    private static final int LINE_LENGTH = 78;
    private static final Base64.Encoder ENCODER = Base64.getMimeEncoder(76, new byte[] {'\r', '\n'});

    private final OutputStream out;
    private final byte[] block;
    private final byte[] encoded;
    private int filled;
    private boolean wroteBlock;
    private boolean closed;

    /** @param expectedLength about how many bytes will be written, to size the block: a small signature needs no 58 KB */
    Base64Lines(OutputStream out, long expectedLength) {
        this.out = out;
        int lines = (int) Math.max(1, Math.min(LINES_PER_BLOCK, (expectedLength + LINE_BYTES - 1) / LINE_BYTES));
        this.block = new byte[LINE_BYTES * lines];
        this.encoded = new byte[LINE_LENGTH * lines];
    }

    /** How many bytes {@code length} bytes become at most: whole lines, the last one included. */
    static long encodedLengthAtMost(long length) {
        return Math.max(1, (length + LINE_BYTES - 1) / LINE_BYTES) * LINE_LENGTH;
    }

    @Override
    public void write(int b) throws IOException {
        block[filled++] = (byte) b;
        if (filled == block.length) {
            encode(block);
        }
    }

    @Override
    public void write(byte[] source, int offset, int count) throws IOException {
        Objects.checkFromIndexSize(offset, count, source.length);
        int end = offset + count;
        while (offset < end) {
            int taken = Math.min(end - offset, block.length - filled);
            System.arraycopy(source, offset, block, filled, taken);
            filled += taken;
            offset += taken;
            if (filled == block.length) {
                encode(block);
            }
        }
    }

    /** Whole lines, as the block holds a whole number of them; the encoder leaves the last line end to us. */
    private void encode(byte[] input) throws IOException {
        int length = ENCODER.encode(input, encoded);
        encoded[length++] = '\r';
        encoded[length++] = '\n';
        out.write(encoded, 0, length);
        filled = 0;
        wroteBlock = true;
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            if (filled > 0 || !wroteBlock) {
                encode(Arrays.copyOf(block, filled));
            }
        }
    }
}
