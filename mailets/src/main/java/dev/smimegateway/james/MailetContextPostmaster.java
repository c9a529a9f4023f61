package dev.smimegateway.james;

import java.util.Date;
import java.util.List;
import java.util.Properties;

import org.apache.james.core.MailAddress;
import org.apache.mailet.MailetContext;

import jakarta.inject.Provider;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * Mails the postmaster of {@code mailetcontainer.xml} through James's mailet container: the mail
 * enters the root processor as any mail James sends itself. It says it was generated automatically
 * (RFC 3834 {@code Auto-Submitted}), so that no vacation responder answers it.
 */
final class MailetContextPostmaster implements ExpiryCheck.Postmaster {
    private final Provider<MailetContext> context;

    /** A provider: James's mailet context is looked up when the first mail is sent, long after Guice built this. */
    MailetContextPostmaster(Provider<MailetContext> context) {
        this.context = context;
    }

    @Override
    public void send(String subject, String text) throws Exception {
        MailetContext mailetContext = context.get();
        MailAddress postmaster = mailetContext.getPostmaster();
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(new InternetAddress(postmaster.asString()));
        message.setRecipient(MimeMessage.RecipientType.TO, new InternetAddress(postmaster.asString()));
        message.setSubject(subject, "UTF-8");
        message.setSentDate(new Date());
        message.setHeader("Auto-Submitted", "auto-generated");
        message.setText(text, "UTF-8");
        message.saveChanges();
        mailetContext.sendMail(postmaster, List.of(postmaster), message);
    }
}
