package dev.smimegateway.matchers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.mailet.MailetException;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMatcherConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import dev.smimegateway.core.smime.MimeEntities;

class SubjectContainsTest {

    private static SubjectContains matcher(String condition) throws Exception {
        SubjectContains matcher = new SubjectContains();
        matcher.init(FakeMatcherConfig.builder().matcherName("SubjectContains").condition(condition).build());
        return matcher;
    }

    private static FakeMail mail(String subjectHeader) throws Exception {
        String raw = "From: a@example.com\r\nTo: b@partner.example\r\n" + (subjectHeader == null ? "" : "Subject: " + subjectHeader + "\r\n")
            + "\r\nbody\r\n";
        return FakeMail.builder().name("m").recipient("b@partner.example")
            .mimeMessage(MimeEntities.parse(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8))).build();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Q3 figures (CONFIDENTIAL) | true",
        "confidentiality agreement | true",
        "=?UTF-8?B?5py65a+G5paH5Lu2?= | true",
        "=?UTF-8?Q?Re:_Vertraulich_/_Confidential?= | true",
        "=?UTF-8?B?5py6?= | false",
        "lunch | false"})
    void matchesWordsInDecodedSubjectsIgnoringCase(String subject, boolean matched) throws Exception {
        FakeMail mail = mail(subject);

        assertThat(matcher("confidential, 机密").match(mail)).hasSize(matched ? 1 : 0);
    }

    @Test
    void mailWithoutSubjectDoesNotMatch() throws Exception {
        assertThat(matcher("confidential").match(mail(null))).isEmpty();
    }

    @Test
    void refusesAnEmptyCondition() {
        assertThatThrownBy(() -> matcher(" , ")).isInstanceOf(MailetException.class);
    }
}
