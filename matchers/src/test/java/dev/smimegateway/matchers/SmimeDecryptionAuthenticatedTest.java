package dev.smimegateway.matchers;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMatcherConfig;
import org.junit.jupiter.api.Test;

class SmimeDecryptionAuthenticatedTest {

    private static SmimeDecryptionAuthenticated matcher() throws Exception {
        SmimeDecryptionAuthenticated matcher = new SmimeDecryptionAuthenticated();
        matcher.init(FakeMatcherConfig.builder().matcherName("SmimeDecryptionAuthenticated").build());
        return matcher;
    }

    private static FakeMail mail() throws Exception {
        return FakeMail.builder().name("m").recipients("a@example.com", "b@example.com").build();
    }

    @Test
    void matchesEveryRecipientWhenTheDecryptedContentIsAuthenticated() throws Exception {
        FakeMail mail = mail();
        mail.setAttribute(new Attribute(AttributeName.of("smime.decryption.authenticated"), AttributeValue.of(true)));

        assertThat(matcher().match(mail)).hasSize(2);
    }

    @Test
    void doesNotMatchUnauthenticatedDecryption() throws Exception {
        FakeMail mail = mail();
        mail.setAttribute(new Attribute(AttributeName.of("smime.decryption.authenticated"), AttributeValue.of(false)));

        assertThat(matcher().match(mail)).isEmpty();
    }

    @Test
    void doesNotMatchMailThatWasNotDecrypted() throws Exception {
        assertThat(matcher().match(mail())).isEmpty();
    }

    @Test
    void doesNotMatchATextValue() throws Exception {
        FakeMail mail = mail();
        mail.setAttribute(new Attribute(AttributeName.of("smime.decryption.authenticated"), AttributeValue.of("true")));

        assertThat(matcher().match(mail)).isEmpty();
    }
}
