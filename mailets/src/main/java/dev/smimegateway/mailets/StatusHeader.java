package dev.smimegateway.mailets;

import java.io.IOException;
import java.util.Locale;
import java.util.Set;

import org.apache.mailet.Mail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.smime.SmimeAttributes;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

/**
 * The {@code X-Smime-Gateway-Status} header: removed when it arrives from outside, before anything
 * else can fail, so that no path (failures included) passes a forged verdict on; written by
 * SMimeVerify alone.
 */
final class StatusHeader {
    private static final Logger LOGGER = LoggerFactory.getLogger(StatusHeader.class);
    private static final Set<String> NAMES = Set.of(SmimeAttributes.STATUS_HEADER.toLowerCase(Locale.ROOT));

    private StatusHeader() {
    }

    /**
     * The mail's message without a status header that arrived with it (set on the mail). A message
     * too broken to rewrite loses the header in place.
     */
    static MimeMessage withoutForged(Mail mail) throws MessagingException {
        MimeMessage message = mail.getMessage();
        if (message.getHeader(SmimeAttributes.STATUS_HEADER) == null) {
            return message;
        }
        LOGGER.info("Removed a {} header that mail {} from {} carried in", SmimeAttributes.STATUS_HEADER, mail.getName(),
            mail.getMaybeSender().asString());
        try {
            MimeMessage stripped = MimeEntities.rewriteHeaders(message, NAMES, null);
            mail.setMessage(stripped);
            return stripped;
        } catch (IOException | MessagingException | RuntimeException e) {
            message.removeHeader(SmimeAttributes.STATUS_HEADER);
            return message;
        }
    }

    /** The message with this status as its only status header. */
    static MimeMessage with(MimeMessage message, String status) throws MessagingException, IOException {
        return MimeEntities.rewriteHeaders(message, NAMES, SmimeAttributes.STATUS_HEADER + ": " + status);
    }

    /** Sets the status on the mail's message; a message too broken to rewrite gets it in place. */
    static void set(Mail mail, String status) throws MessagingException {
        try {
            mail.setMessage(with(mail.getMessage(), status));
        } catch (IOException | MessagingException | RuntimeException e) {
            mail.getMessage().setHeader(SmimeAttributes.STATUS_HEADER, status);
        }
    }
}
