package dev.smimegateway.core.smime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.util.SharedByteArrayInputStream;

/** Our reading of a header section gives the message Jakarta Mail's own reading gives, without its ServiceLoader look-up. */
class SharedBytesMessageTest {
    private static final Session SESSION = Session.getInstance(new Properties());

    @ParameterizedTest
    @ValueSource(strings = {
        // plain: read here
        "From: a@example.com\r\nSubject: hi\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nbody\r\n",
        "Subject: folded\r\n over\r\n\ttwo lines\r\nX-Empty:\r\nX-Colon-Late : value\r\n\r\nbody",
        "\r\nno header fields at all\r\n",
        "Received: from a\r\nReceived: from b\r\nsubject: lower case\r\nX-Nul: a\u0000b\r\n\r\n",
        // not plain: left to Jakarta Mail, with the same result
        "Subject: lf only\nX: y\n\nbody\n",
        "Subject: lone cr\rX: y\r\n\r\nbody",
        "Subject: Gr\u00fc\u00dfe\r\n\r\nbody",
        " continuation first\r\nSubject: x\r\n\r\nbody",
        "Subject: x\r\n   \r\nX: after a white-space line\r\n\r\nbody",
        "Subject: x\r\nno colon here\r\n\r\nbody",
        "Subject: no blank line\r\n",
        "Subject: no line end at all",
        ""})
    void aMessageHasTheHeaderFieldsAndBodyJakartaMailReads(String text) throws Exception {
        byte[] raw = text.getBytes(StandardCharsets.ISO_8859_1);

        assertThat(outline(new SharedBytesMessage(SESSION, raw, 0, raw.length)))
            .isEqualTo(outline(new MimeMessage(SESSION, new SharedByteArrayInputStream(raw))));
    }

    @Test
    void randomHeaderSectionsAreReadAsJakartaMailReadsThem() throws Exception {
        Random random = new Random(20261202);
        String alphabet = "ab:: \t\r\n\r\n\r\n\u00e9\u0000";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder text = new StringBuilder("Subject: s\r\n");
            int length = random.nextInt(40);
            for (int j = 0; j < length; j++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            text.append("\r\n\r\nbody\r\n");
            byte[] raw = text.toString().getBytes(StandardCharsets.ISO_8859_1);

            assertThat(outline(new SharedBytesMessage(SESSION, raw, 0, raw.length))).as(text.toString())
                .isEqualTo(outline(new MimeMessage(SESSION, new SharedByteArrayInputStream(raw))));
        }
    }

    @Test
    void aPlainHeaderSectionIsReadWithoutLookingUpTheStreamProvider() throws Exception {
        byte[] raw = "From: a@example.com\r\nSubject: hi\r\n folded\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
            .getBytes(StandardCharsets.US_ASCII);
        // classes initialised on first use may look it up once
        new SharedBytesMessage(SESSION, raw, 0, raw.length);

        assertThat(StreamProviderLookups.during(() -> new SharedBytesMessage(SESSION, raw, 0, raw.length))).isZero();
        assertThat(StreamProviderLookups.during(() -> new MimeMessage(SESSION, new SharedByteArrayInputStream(raw)))).isPositive();
    }

    /**
     * The header lines and the raw body; then the header lines again after fields are set and added
     * (where a new field goes depends on how the headers were made), and the message as written.
     */
    private static List<String> outline(MimeMessage message) throws Exception {
        List<String> outline = new ArrayList<>(Collections.list(message.getAllHeaderLines()));
        try (InputStream body = message.getRawInputStream()) {
            outline.add("body: " + new String(body.readAllBytes(), StandardCharsets.ISO_8859_1));
        }
        message.setHeader("Subject", "changed");
        message.addHeader("Received", "from c");
        message.addHeader("X-Added", "1");
        message.setHeader("Message-ID", "<m@example.com>");
        outline.addAll(Collections.list(message.getAllHeaderLines()));
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        message.writeTo(written);
        outline.add("written: " + written.toString(StandardCharsets.ISO_8859_1));
        return outline;
    }
}
