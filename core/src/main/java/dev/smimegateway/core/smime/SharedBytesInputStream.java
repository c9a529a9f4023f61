package dev.smimegateway.core.smime;

import java.io.InputStream;
import java.util.Objects;

import jakarta.mail.internet.SharedInputStream;

/**
 * What Jakarta Mail's SharedByteArrayInputStream does, without its locks: a parsed message and its
 * parts read slices of one byte array. Jakarta Mail's multipart parser makes four calls on its stream
 * (mark, read, reset, skip) for every boundary-length step through a body; on a ByteArrayInputStream
 * each takes a lock, which made up half the time of reading a large multipart message. Used for the
 * private copy a message is inspected on, and for messages parsed by {@link MimeEntities#parse} (see
 * {@link SharedBytesMessage}): the array is never written to, and each stream object (every
 * {@link #newStream} makes a new one) has one reader at a time, as a stream must, so a message may pass
 * from thread to thread as any other.
 */
final class SharedBytesInputStream extends InputStream implements SharedInputStream {
    private final byte[] bytes;
    private final int start;
    private final int end;
    private int position;
    private int mark;

    SharedBytesInputStream(byte[] bytes, int start, int end) {
        if (start < 0 || start > end || end > bytes.length) {
            throw new IndexOutOfBoundsException("[" + start + ", " + end + ") of " + bytes.length + " bytes");
        }
        this.bytes = bytes;
        this.start = start;
        this.end = end;
        this.position = start;
        this.mark = start;
    }

    @Override
    public int read() {
        return position < end ? bytes[position++] & 0xff : -1;
    }

    @Override
    public int read(byte[] target, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, target.length);
        if (length == 0) {
            return 0;
        }
        if (position >= end) {
            return -1;
        }
        int count = Math.min(length, end - position);
        System.arraycopy(bytes, position, target, offset, count);
        position += count;
        return count;
    }

    @Override
    public long skip(long count) {
        long skipped = Math.max(0, Math.min(count, end - position));
        position += (int) skipped;
        return skipped;
    }

    @Override
    public int available() {
        return end - position;
    }

    @Override
    public boolean markSupported() {
        return true;
    }

    @Override
    public void mark(int readLimit) {
        mark = position;
    }

    @Override
    public void reset() {
        position = mark;
    }

    /** The array read: never to be written to. */
    byte[] array() {
        return bytes;
    }

    /** The index in {@link #array()} of the next byte read. */
    int offset() {
        return position;
    }

    /** The index in {@link #array()} where this stream ends. */
    int end() {
        return end;
    }

    @Override
    public long getPosition() {
        return position - start;
    }

    @Override
    public InputStream newStream(long from, long to) {
        if (from < 0) {
            throw new IllegalArgumentException("negative start " + from);
        }
        long last = to == -1 ? end - start : to;
        // as SharedByteArrayInputStream: the new stream may reach past this one's end, not past the array's
        return new SharedBytesInputStream(bytes, start + (int) from, (int) Math.min(start + last, bytes.length));
    }
}
