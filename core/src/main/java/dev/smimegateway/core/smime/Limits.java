package dev.smimegateway.core.smime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.cms.ContentInfo;

import jakarta.mail.MessagingException;
import jakarta.mail.Part;

/**
 * Bounds on untrusted input: a CMS body larger than the configured limit is refused before it is
 * read whole, and ASN.1 lengths are checked against the bytes actually present, so a length field
 * claiming gigabytes is an error, not an allocation.
 */
public final class Limits {
    private Limits() {
    }

    private static final int CHUNK = 8192;

    /**
     * The decoded content of a MIME part (its transfer encoding undone), refused when larger than
     * {@code maxBytes}. Every read of a MIME body goes through here or {@link #readAtMost(InputStream, int)}.
     */
    public static byte[] readAtMost(Part part, int maxBytes) throws MessagingException, IOException, SmimeException {
        try (InputStream in = part.getInputStream()) {
            return readAtMost(in, maxBytes);
        }
    }

    /**
     * Everything the stream holds, refused when larger than {@code maxBytes}. Never asks the stream
     * for zero bytes: javax.mail 1.6's decoders (James 3.8) answer a zero-length read with end of
     * stream, so {@code InputStream.readNBytes} and {@code readAllBytes}, which issue one whenever
     * their 8 KB buffer is full, stop there and cut the body.
     */
    public static byte[] readAtMost(InputStream in, int maxBytes) throws IOException, SmimeException {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("a size limit cannot be negative: " + maxBytes);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxBytes, CHUNK));
        byte[] buffer = new byte[CHUNK];
        long total = 0;
        while (true) {
            // one byte beyond the limit is asked for, to tell "exactly at the limit" from "over it"
            int wanted = (int) Math.min(buffer.length, (long) maxBytes + 1 - total);
            int read = in.read(buffer, 0, wanted);
            if (read < 0) {
                return out.toByteArray();
            }
            if (read == 0) {
                // a stream may return 0 for a non-empty request; the single-byte read blocks or ends instead
                int next = in.read();
                if (next < 0) {
                    return out.toByteArray();
                }
                buffer[0] = (byte) next;
                read = 1;
            }
            total += read;
            if (total > maxBytes) {
                throw new SmimeException("the S/MIME body is larger than the limit of " + maxBytes + " bytes");
            }
            out.write(buffer, 0, read);
        }
    }

    static ContentInfo parseContentInfo(byte[] der) throws SmimeException {
        // Indefinite lengths are read a byte at a time: from a stream without locks, unlike ByteArrayInputStream.
        try (ASN1InputStream in = new ASN1InputStream(new SharedBytesInputStream(der, 0, der.length), der.length)) {
            ASN1Primitive object = in.readObject();
            if (object == null) {
                throw new SmimeException("empty CMS structure");
            }
            return ContentInfo.getInstance(object);
        } catch (IOException | RuntimeException e) {
            throw new SmimeException("malformed CMS structure: " + e.getMessage(), e);
        }
    }
}
