package dev.smimegateway.matchers;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetException;
import org.apache.mailet.base.GenericMatcher;

import dev.smimegateway.core.smime.SmimeAttributes;
import dev.smimegateway.core.smime.VerificationFailure;
import jakarta.mail.MessagingException;

/**
 * Matches mail whose verification failed for one of the given reasons:
 * BAD_SIGNATURE, UNTRUSTED, EXPIRED, REVOKED, KEY_USAGE, FROM_MISMATCH, PARTIAL_SIGNATURE,
 * MULTIPLE_SIGNERS, MALFORMED.
 * <pre>{@code
 * <mailet match="dev.smimegateway.matchers.SmimeFailureReasonIs=UNTRUSTED,EXPIRED" class="ToRepository">
 *     <repositoryPath>memory://var/mail/smime-untrusted/</repositoryPath>
 * </mailet>
 * }</pre>
 */
public class SmimeFailureReasonIs extends GenericMatcher {
    private Set<String> reasons;

    @Override
    public void init() throws MessagingException {
        String condition = getCondition() == null ? "" : getCondition();
        reasons = Arrays.stream(condition.split(",")).map(String::trim).filter(reason -> !reason.isEmpty())
            .map(reason -> reason.toUpperCase(Locale.ROOT)).collect(Collectors.toSet());
        Set<String> known = Arrays.stream(VerificationFailure.values()).map(Enum::name).collect(Collectors.toSet());
        if (reasons.isEmpty() || !known.containsAll(reasons)) {
            throw new MailetException("SmimeFailureReasonIs needs reasons among " + known + ", not '" + condition + "'");
        }
    }

    @Override
    public Collection<MailAddress> match(Mail mail) {
        return AttributeMatchers.text(mail, SmimeAttributes.VERIFICATION_FAILURE).filter(reasons::contains).isPresent()
            ? mail.getRecipients() : List.of();
    }
}
