package dev.smimegateway.core.smime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Properties;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Every read of a MIME body goes through {@link Limits#readAtMost}: it must read whole bodies from
 * the decoder streams of both mail APIs we run on. javax.mail 1.6 (James 3.8) answers a zero-length
 * read with end of stream, which cut {@code InputStream.readNBytes} at 8,192 bytes.
 */
class LimitsTest {
    private static final byte[] HUNDRED_KILOBYTES = randomBytes(100 * 1024);

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new Random(7).nextBytes(bytes);
        return bytes;
    }

    /** Compares sizes first, so a cut body is reported by its length, not by two 100 KB dumps. */
    private static void assertSameBytes(byte[] actual, byte[] expected) {
        assertThat(actual.length).as("bytes read").isEqualTo(expected.length);
        assertThat(java.util.Arrays.equals(actual, expected)).as("same bytes").isTrue();
    }

    private static byte[] base64Part(byte[] content) {
        return ("Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + Base64.getMimeEncoder().encodeToString(content) + "\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    }

    private static InputStream javaxMailDecodedStream(byte[] content) throws Exception {
        javax.mail.internet.MimeBodyPart part = new javax.mail.internet.MimeBodyPart(new ByteArrayInputStream(base64Part(content)));
        return part.getInputStream();
    }

    private static InputStream jakartaMailDecodedStream(byte[] content) throws Exception {
        jakarta.mail.internet.MimeBodyPart part = new jakarta.mail.internet.MimeBodyPart(new ByteArrayInputStream(base64Part(content)));
        return part.getInputStream();
    }

    @Test
    void readsAHundredKilobyteBase64BodyFromJavaxMail16AsJames38DoesWhole() throws Exception {
        try (InputStream in = javaxMailDecodedStream(HUNDRED_KILOBYTES)) {
            assertSameBytes(Limits.readAtMost(in, 64 * 1024 * 1024), HUNDRED_KILOBYTES);
        }
    }

    @Test
    void readsAHundredKilobyteBase64BodyFromJakartaMail2Whole() throws Exception {
        try (InputStream in = jakartaMailDecodedStream(HUNDRED_KILOBYTES)) {
            assertSameBytes(Limits.readAtMost(in, 64 * 1024 * 1024), HUNDRED_KILOBYTES);
        }
    }

    @Test
    void readsAJakartaMailPartWhole() throws Exception {
        jakarta.mail.internet.MimeBodyPart part = new jakarta.mail.internet.MimeBodyPart(new ByteArrayInputStream(base64Part(HUNDRED_KILOBYTES)));

        assertSameBytes(Limits.readAtMost(part, HUNDRED_KILOBYTES.length), HUNDRED_KILOBYTES);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void refusesOneByteOverTheLimitOnBothMailApis(boolean javax) throws Exception {
        try (InputStream in = javax ? javaxMailDecodedStream(HUNDRED_KILOBYTES) : jakartaMailDecodedStream(HUNDRED_KILOBYTES)) {
            assertThatThrownBy(() -> Limits.readAtMost(in, HUNDRED_KILOBYTES.length - 1))
                .isInstanceOf(SmimeException.class)
                .hasMessageContaining("larger than the limit of " + (HUNDRED_KILOBYTES.length - 1) + " bytes");
        }
    }

    @Test
    void aBodyExactlyAtTheLimitIsRead() throws Exception {
        try (InputStream in = javaxMailDecodedStream(HUNDRED_KILOBYTES)) {
            assertSameBytes(Limits.readAtMost(in, HUNDRED_KILOBYTES.length), HUNDRED_KILOBYTES);
        }
    }

    @Test
    void neverAsksAStreamForZeroBytes() throws Exception {
        InputStream strict = new ByteArrayInputStream(HUNDRED_KILOBYTES) {
            @Override
            public synchronized int read(byte[] buffer, int offset, int length) {
                if (length == 0) {
                    throw new AssertionError("asked for zero bytes");
                }
                return super.read(buffer, offset, Math.min(length, 1000));
            }
        };

        assertSameBytes(Limits.readAtMost(strict, Integer.MAX_VALUE), HUNDRED_KILOBYTES);
    }
}
