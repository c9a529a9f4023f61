package dev.smimegateway.matchers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMatcherConfig;
import org.junit.jupiter.api.Test;

import dev.smimegateway.core.smime.MimeEntities;

class IsSmimeTest {
    private static final String PLAIN = "From: bob@partner.example\r\nTo: alice@example.com\r\nSubject: s\r\n"
        + "Content-Type: text/plain\r\n\r\nhello\r\n";

    private static IsSmime matcher() throws Exception {
        IsSmime matcher = new IsSmime();
        matcher.init(FakeMatcherConfig.builder().matcherName("IsSmime").build());
        return matcher;
    }

    private static FakeMail mail(String raw) throws Exception {
        return FakeMail.builder().name("m").recipient("alice@example.com")
            .mimeMessage(MimeEntities.parse(raw.getBytes(StandardCharsets.US_ASCII))).build();
    }

    private static void set(FakeMail mail, String name, Object value) {
        mail.setAttribute(new Attribute(AttributeName.of(name), value instanceof Boolean
            ? AttributeValue.of((Boolean) value) : AttributeValue.of((String) value)));
    }

    @Test
    void plainMailIsNotSmime() throws Exception {
        assertThat(matcher().match(mail(PLAIN))).isEmpty();
    }

    @Test
    void anEncryptedOrSignedContentTypeIsSmimeBeforeTheMailetsRan() throws Exception {
        String encrypted = "From: bob@partner.example\r\nTo: alice@example.com\r\n"
            + "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\nMAA=\r\n";

        assertThat(matcher().match(mail(encrypted))).hasSize(1);
    }

    @Test
    void decryptedMailIsStillSmime() throws Exception {
        FakeMail mail = mail(PLAIN);
        set(mail, "smime.received.encrypted", true);

        assertThat(matcher().match(mail)).hasSize(1);
    }

    /**
     * A signed part wrapped in unsigned MIME: its root Content-Type is multipart/mixed and nothing says
     * "signed" but SMimeVerify's verdict. Not counting it would let "IsSmime and not SmimeVerified" deliver it.
     */
    @Test
    void mailWithOnlyAPartSignedIsSmime() throws Exception {
        FakeMail mail = mail("From: bob@partner.example\r\nTo: alice@example.com\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nadded by anyone\r\n--b--\r\n");
        set(mail, "smime.verification.status", "not-verified");
        set(mail, "smime.verification.failure", "PARTIAL_SIGNATURE");

        assertThat(matcher().match(mail)).hasSize(1);
    }

    @Test
    void mailSmimeVerifyFoundNotSignedIsNotSmime() throws Exception {
        FakeMail mail = mail(PLAIN);
        set(mail, "smime.verification.status", "not-signed");

        assertThat(matcher().match(mail)).isEmpty();
    }
}
