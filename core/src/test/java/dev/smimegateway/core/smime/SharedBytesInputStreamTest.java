package dev.smimegateway.core.smime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.util.SharedByteArrayInputStream;

/** Jakarta Mail reads a message over our lock-free stream exactly as over its own SharedByteArrayInputStream. */
class SharedBytesInputStreamTest {
    private static final String NESTED = "Subject: nested\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
        + "preamble\r\n--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\nContent-Type: text/plain\r\n\r\n"
        + "plain\r\n--inner\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--inner--\r\n--outer\r\n"
        + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n--outer--\r\nepilogue\r\n";

    @ParameterizedTest
    @ValueSource(strings = {NESTED, "Subject: lf\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nno headers\n--b\nX: y\n\n--b--",
        "Subject: no end\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nnever closed\r\n--b \r\n\r\nlast\r\n",
        "Subject: single\r\n\r\nbody without a type\r\n"})
    void aMessageReadsTheSameOverEitherStream(String text) throws Exception {
        byte[] raw = ("X-Padding: ahead of the message\r\n" + text).getBytes(StandardCharsets.ISO_8859_1);
        int start = "X-Padding: ahead of the message\r\n".length();
        Session session = Session.getInstance(new Properties());

        String ours = outline(new MimeMessage(session, new SharedBytesInputStream(raw, start, raw.length)));
        String theirs = outline(new MimeMessage(session, new SharedByteArrayInputStream(raw, start, raw.length - start)));

        assertThat(ours).isEqualTo(theirs).contains("raw");
    }

    /** Every part's type and raw bytes, depth first, and every multipart's preamble. */
    private static String outline(Part part) throws Exception {
        StringBuilder out = new StringBuilder(part.getContentType()).append('\n');
        if (part.isMimeType("multipart/*")) {
            Multipart multipart = (Multipart) part.getContent();
            out.append("preamble ").append(((jakarta.mail.internet.MimeMultipart) multipart).getPreamble()).append('\n');
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart child = multipart.getBodyPart(i);
                out.append(outline(child));
            }
        } else {
            try (InputStream raw = part instanceof MimeBodyPart ? ((MimeBodyPart) part).getRawInputStream()
                : ((MimeMessage) part).getRawInputStream()) {
                out.append("raw ").append(new String(raw.readAllBytes(), StandardCharsets.ISO_8859_1)).append('\n');
            }
        }
        return out.toString();
    }
}
