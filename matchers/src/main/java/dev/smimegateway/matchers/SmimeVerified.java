package dev.smimegateway.matchers;

import java.util.Collection;
import java.util.List;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;

import dev.smimegateway.core.smime.SmimeAttributes;

/**
 * Matches mail whose signature SMimeVerify verified, all checks passed (the reference gateway's
 * {@code smime-gateway-verified}). The usual policy quarantines what is S/MIME but not verified:
 * <pre>{@code
 * <matcher name="smime-not-verified" match="org.apache.james.mailetcontainer.impl.matchers.And">
 *     <matcher match="dev.smimegateway.matchers.IsSmime"/>
 *     <matcher match="org.apache.james.mailetcontainer.impl.matchers.Not">
 *         <matcher match="dev.smimegateway.matchers.SmimeVerified"/>
 *     </matcher>
 * </matcher>
 * }</pre>
 */
public class SmimeVerified extends GenericMatcher {
    @Override
    public Collection<MailAddress> match(Mail mail) {
        return AttributeMatchers.isTrue(mail, SmimeAttributes.VERIFIED) ? mail.getRecipients() : List.of();
    }
}
