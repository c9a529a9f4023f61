package dev.smimegateway.matchers;

import java.util.Collection;
import java.util.List;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;

import dev.smimegateway.core.smime.SmimeAttributes;

/**
 * Matches mail whose decrypted content is authenticated ({@code smime.decryption.authenticated}):
 * AES-GCM whose tag verified, a signature over the ciphertext that SMimeDecrypt verified, or a
 * signature inside the encryption that SMimeVerify verified. Decrypted AES-CBC content without
 * such a signature does not match: an attacker who captured it can alter it block by block (the
 * EFAIL gadgets), so a policy may quarantine encrypted mail that is not authenticated (undecryptable
 * mail included) rather than deliver it:
 * <pre>{@code
 * <matcher name="smime-unauthenticated-decryption" match="org.apache.james.mailetcontainer.impl.matchers.And">
 *     <matcher match="dev.smimegateway.matchers.IsSmimeEncrypted"/>
 *     <matcher match="org.apache.james.mailetcontainer.impl.matchers.Not">
 *         <matcher match="dev.smimegateway.matchers.SmimeDecryptionAuthenticated"/>
 *     </matcher>
 * </matcher>
 * <mailet match="smime-unauthenticated-decryption" class="ToProcessor">
 *     <processor>quarantine</processor>
 * </mailet>
 * }</pre>
 */
public class SmimeDecryptionAuthenticated extends GenericMatcher {
    @Override
    public Collection<MailAddress> match(Mail mail) {
        return AttributeMatchers.isTrue(mail, SmimeAttributes.DECRYPTION_AUTHENTICATED) ? mail.getRecipients() : List.of();
    }
}
