package dev.smimegateway.matchers;

import java.util.Collection;
import java.util.List;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;

import dev.smimegateway.core.smime.SmimeAttributes;
import dev.smimegateway.core.smime.SmimeLayer;
import jakarta.mail.MessagingException;

/** Matches mail that reached the gateway signed (whether or not the signature verified). */
public class IsSmimeSigned extends GenericMatcher {
    @Override
    public Collection<MailAddress> match(Mail mail) throws MessagingException {
        boolean signed = AttributeMatchers.isTrue(mail, SmimeAttributes.RECEIVED_SIGNED) || SmimeLayer.of(mail.getMessage()).isSigned();
        return signed ? mail.getRecipients() : List.of();
    }
}
