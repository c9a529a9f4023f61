package dev.smimegateway.matchers;

import java.util.Collection;
import java.util.List;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;

import dev.smimegateway.core.smime.SmimeAttributes;
import dev.smimegateway.core.smime.SmimeLayer;
import jakarta.mail.MessagingException;

/**
 * Matches mail that reached the gateway signed and/or encrypted (the reference gateway's
 * {@code smime-gateway-message}): as recorded by SMimeDecrypt/SMimeVerify, or, before they ran,
 * from the message's own Content-Type. Mail that SMimeVerify refused for any reason counts too,
 * {@code PARTIAL_SIGNATURE} included: a signed part wrapped in unsigned MIME has a plain
 * {@code multipart/mixed} root, and "IsSmime and not SmimeVerified" must still catch it.
 * <pre>{@code
 * <mailet match="dev.smimegateway.matchers.IsSmime" class="..."/>
 * }</pre>
 */
public class IsSmime extends GenericMatcher {
    @Override
    public Collection<MailAddress> match(Mail mail) throws MessagingException {
        boolean smime = AttributeMatchers.isTrue(mail, SmimeAttributes.RECEIVED_SIGNED)
            || AttributeMatchers.isTrue(mail, SmimeAttributes.RECEIVED_ENCRYPTED)
            || AttributeMatchers.text(mail, SmimeAttributes.VERIFICATION_FAILURE).isPresent()
            || SmimeLayer.of(mail.getMessage()).isSmime();
        return smime ? mail.getRecipients() : List.of();
    }
}
