package dev.smimegateway.core.smime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import jakarta.mail.internet.MimeUtility;

class Base64InputTest {
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 57, 100_000, 200_001})
    void decodesWhatJakartaMailDecodes(int length) throws Exception {
        byte[] data = new byte[length];
        new Random(length).nextBytes(data);
        byte[] encoded = (Base64.getMimeEncoder().encodeToString(data) + "\r\n").getBytes(StandardCharsets.US_ASCII);

        byte[] ours = new Base64Input(new ByteArrayInputStream(encoded)).readAllBytes();

        assertThat(ours).isEqualTo(data);
        assertThat(ours).isEqualTo(MimeUtility.decode(new ByteArrayInputStream(encoded), "base64").readAllBytes());
    }

    @Test
    void skipsCharactersOutsideTheAlphabetAndReadsAStreamThatAnswersZero() throws Exception {
        byte[] encoded = " SGVs\r\nbG8s\tIHdv*cmxk\n".getBytes(StandardCharsets.US_ASCII);
        InputStream stingy = new FilterInputStream(new ByteArrayInputStream(encoded)) {
            private boolean zero;

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                zero = !zero;
                return zero ? 0 : super.read(bytes, offset, Math.min(length, 3));
            }
        };

        assertThat(new String(new Base64Input(stingy).readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("Hello, world");
    }

    @Test
    void aLoneCharacterAtTheEndIsAnError() {
        assertThatThrownBy(() -> new Base64Input(new ByteArrayInputStream("SGVsbG8sA".getBytes(StandardCharsets.US_ASCII))).readAllBytes())
            .isInstanceOf(IOException.class);
    }
}
