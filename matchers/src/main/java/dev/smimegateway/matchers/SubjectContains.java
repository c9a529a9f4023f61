package dev.smimegateway.matchers;

import java.io.UnsupportedEncodingException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetException;
import org.apache.mailet.base.GenericMatcher;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeUtility;

/**
 * Matches mail whose Subject contains one of the given words, ignoring case, after decoding RFC 2047
 * encoded words, so that {@code =?UTF-8?B?5py65a+G?=} matches {@code 机密}.
 *
 * <pre>{@code
 * <mailet match="dev.smimegateway.matchers.SubjectContains=confidential,机密" class="dev.smimegateway.mailets.SMimeEncrypt"/>
 * }</pre>
 * Words are separated by commas; surrounding spaces are ignored.
 */
public class SubjectContains extends GenericMatcher {
    private List<String> words;

    @Override
    public void init() throws MessagingException {
        String condition = getCondition() == null ? "" : getCondition();
        words = Arrays.stream(condition.split(","))
            .map(String::trim)
            .filter(word -> !word.isEmpty())
            .map(word -> word.toLowerCase(Locale.ROOT))
            .collect(Collectors.toList());
        if (words.isEmpty()) {
            throw new MailetException("SubjectContains needs at least one word: SubjectContains=confidential");
        }
    }

    @Override
    public Collection<MailAddress> match(Mail mail) throws MessagingException {
        String subject = decodedSubject(mail);
        if (subject == null) {
            return List.of();
        }
        String lower = subject.toLowerCase(Locale.ROOT);
        return words.stream().anyMatch(lower::contains) ? mail.getRecipients() : List.of();
    }

    private static String decodedSubject(Mail mail) throws MessagingException {
        String raw = mail.getMessage().getHeader("Subject", null);
        if (raw == null) {
            return null;
        }
        try {
            return MimeUtility.decodeText(MimeUtility.unfold(raw));
        } catch (UnsupportedEncodingException e) {
            // An unknown charset: match on the text as it stands rather than fail the mail.
            return raw;
        }
    }
}
