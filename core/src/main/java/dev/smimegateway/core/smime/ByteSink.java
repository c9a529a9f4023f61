package dev.smimegateway.core.smime;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

/**
 * Bytes written once and then read in place: the written message an S/MIME operation starts from,
 * and the message it builds. Unlike ByteArrayOutputStream it takes no lock per write and hands its
 * array on without copying it; sized right at the start, it never copies at all.
 */
final class ByteSink extends OutputStream {
    /** The largest byte array a JVM reliably allocates. */
    static final int LARGEST_ARRAY = Integer.MAX_VALUE - 8;

    private byte[] bytes;
    private int length;

    ByteSink(long expectedLength) {
        bytes = new byte[(int) Math.max(16, Math.min(expectedLength, LARGEST_ARRAY))];
    }

    @Override
    public void write(int b) throws IOException {
        makeRoom(1);
        bytes[length++] = (byte) b;
    }

    @Override
    public void write(byte[] source, int offset, int count) throws IOException {
        Objects.checkFromIndexSize(offset, count, source.length);
        makeRoom(count);
        System.arraycopy(source, offset, bytes, length, count);
        length += count;
    }

    private void makeRoom(int count) throws IOException {
        long needed = (long) length + count;
        if (needed > bytes.length) {
            if (needed > LARGEST_ARRAY) {
                throw new IOException("a message cannot be larger than " + LARGEST_ARRAY + " bytes");
            }
            bytes = Arrays.copyOf(bytes, (int) Math.min(LARGEST_ARRAY, Math.max(needed, bytes.length + (long) (bytes.length >> 1))));
        }
    }

    /** The array the bytes are in, from index 0 to {@link #length()}; not a copy. */
    byte[] array() {
        return bytes;
    }

    int length() {
        return length;
    }

    byte[] toByteArray() {
        return length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
    }

    /** The bytes, read as a message that shares them. */
    MimeMessage toMessage() throws MessagingException {
        return MimeEntities.parse(bytes, length);
    }
}
