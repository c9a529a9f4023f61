package dev.smimegateway.matchers;

import java.util.Collection;
import java.util.List;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;

import dev.smimegateway.core.smime.SmimeAttributes;
import dev.smimegateway.core.smime.SmimeLayer;
import jakarta.mail.MessagingException;

/** Matches mail that reached the gateway encrypted (whether or not it could be decrypted). */
public class IsSmimeEncrypted extends GenericMatcher {
    @Override
    public Collection<MailAddress> match(Mail mail) throws MessagingException {
        boolean encrypted = AttributeMatchers.isTrue(mail, SmimeAttributes.RECEIVED_ENCRYPTED)
            || SmimeLayer.of(mail.getMessage()).isEncrypted();
        return encrypted ? mail.getRecipients() : List.of();
    }
}
