package dev.smimegateway.core.smime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Base64 bodies as we send them: the JDK's MIME encoder's 76-character CRLF lines, and a CRLF after the last one. */
class Base64LinesTest {
    private static final int BLOCK = 57 * 1024;

    private static String expected(byte[] bytes) {
        return Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(bytes) + "\r\n";
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 56, 57, 58, 114, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 5})
    void linesAreThoseOfTheJdksMimeEncoderWithAFinalCrlf(int length) throws Exception {
        byte[] bytes = new byte[length];
        new Random(length).nextBytes(bytes);

        assertThat(encoded(bytes, 1000, length)).isEqualTo(expected(bytes));
        assertThat(encoded(bytes, 1, 10)).as("written a byte at a time, with a small block").isEqualTo(expected(bytes));
        assertThat(encoded(bytes, 70_000, 100 * BLOCK)).as("written in pieces larger than a block").isEqualTo(expected(bytes));
    }

    private static String encoded(byte[] bytes, int piece, long expectedLength) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Base64Lines base64 = new Base64Lines(out, expectedLength)) {
            for (int offset = 0; offset < bytes.length; offset += piece) {
                if (piece == 1) {
                    base64.write(bytes[offset]);
                } else {
                    base64.write(bytes, offset, Math.min(piece, bytes.length - offset));
                }
            }
        }
        assertThat((long) out.size()).isLessThanOrEqualTo(Base64Lines.encodedLengthAtMost(bytes.length));
        return out.toString(StandardCharsets.US_ASCII);
    }
}
