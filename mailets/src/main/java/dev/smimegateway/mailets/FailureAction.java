package dev.smimegateway.mailets;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.apache.mailet.ProcessingState;
import org.slf4j.Logger;

import dev.smimegateway.core.smime.SmimeAttributes;
import jakarta.mail.MessagingException;

/**
 * What an outgoing mailet does with a mail it cannot sign or encrypt: {@code bounce} it to its
 * sender with the reason (the default: never send silently without the protection asked for),
 * {@code pass} it on unchanged with the reason recorded, or move it to a named processor.
 *
 * <p>A mail with a null sender ({@code MAIL FROM:<>}: a bounce, a delivery or read notification) is
 * never bounced: there is nobody to return it to, James would discard the bounce, and the mail would
 * be lost. It goes to the {@code error} processor instead (which every James configuration has), with
 * the reason in {@code smime.failure}, for the administrator to look at.
 */
final class FailureAction {
    private static final String BOUNCE = "bounce";
    private static final String PASS = "pass";

    private final String value;

    private FailureAction(String value) {
        this.value = value;
    }

    static FailureAction parse(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("empty failure action; use bounce, pass or a processor name");
        }
        return new FailureAction(value.trim());
    }

    Collection<ProcessingState> requiredProcessingState() {
        return processor().map(name -> List.of(new ProcessingState(name))).orElse(List.of());
    }

    private Optional<String> processor() {
        return value.equals(BOUNCE) || value.equals(PASS) ? Optional.empty() : Optional.of(value);
    }

    void apply(Mail mail, String reason, MailetContext context, Logger logger) throws MessagingException {
        mail.setAttribute(new Attribute(AttributeName.of(SmimeAttributes.FAILURE), AttributeValue.of(reason)));
        if (value.equals(BOUNCE)) {
            bounce(mail, reason, reason, context, logger);
        } else if (value.equals(PASS)) {
            logger.warn("Passing mail {} from {} on without S/MIME: {}", mail.getName(), mail.getMaybeSender().asString(), reason);
        } else {
            logger.warn("Moving mail {} from {} to processor {}: {}", mail.getName(), mail.getMaybeSender().asString(), value, reason);
            mail.setState(value);
        }
    }

    /**
     * Returns the mail to its sender with {@code bounceText} and stops it; a mail without a sender
     * (null reverse path) goes to the {@code error} processor instead, since a bounce to {@code <>}
     * reaches nobody and the mail would be lost.
     */
    static void bounce(Mail mail, String reason, String bounceText, MailetContext context, Logger logger) throws MessagingException {
        if (mail.getMaybeSender().isNullSender()) {
            logger.warn("Not bouncing mail {}: it has a null sender <>, so nobody would receive the bounce; moved to processor {}: {}",
                mail.getName(), Mail.ERROR, reason);
            mail.setState(Mail.ERROR);
            return;
        }
        logger.warn("Bouncing mail {} from {}: {}", mail.getName(), mail.getMaybeSender().asString(), reason);
        context.bounce(mail, bounceText);
        mail.setState(Mail.GHOST);
    }
}
