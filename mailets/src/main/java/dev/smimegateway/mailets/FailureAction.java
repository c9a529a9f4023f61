package dev.smimegateway.mailets;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.apache.mailet.MailetException;
import org.apache.mailet.ProcessingState;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;

import jakarta.mail.MessagingException;

/**
 * What a mailet does with a mail it cannot sign, encrypt or decrypt. One vocabulary for every
 * mailet's failure parameter ({@code onFailure}, {@code missingCertificate}):
 * <ul>
 * <li>{@code bounce}: return the mail to its sender with the reason, and stop it;</li>
 * <li>{@code pass}: let it go on unchanged, the reason recorded on the mail;</li>
 * <li>{@code drop}: discard it, without a bounce;</li>
 * <li>{@code split}: (SMimeEncrypt only) keep it for the recipients it can be protected for, and
 * send a plain copy for the others to the processor named by {@code splitProcessor};</li>
 * <li>any other word: the name of the processor the mail is moved to.</li>
 * </ul>
 * Each mailet accepts only the actions that make sense for it, and refuses the others at start:
 * undecryptable mail is never returned or lost, mail that cannot be encrypted is never sent plain
 * without saying so. The words are case-insensitive; an empty value means the mailet's default.
 *
 * <p>A mail with a null sender ({@code MAIL FROM:<>}: a bounce, a delivery or read notification) is
 * never bounced: there is nobody to return it to, James would discard the bounce, and the mail would
 * be lost. It goes to the {@code error} processor instead (which every James configuration has), for
 * the administrator to look at.
 */
final class FailureAction {
    /** The kinds of action, in the words of the configuration. */
    enum Kind {
        BOUNCE("bounce"), PASS("pass"), DROP("drop"), SPLIT("split"), PROCESSOR("a processor name");

        private final String word;

        Kind(String word) {
            this.word = word;
        }
    }

    private static final String SPLIT_PROCESSOR = "splitProcessor";

    private final Kind kind;
    /** The processor the mail is moved to (PROCESSOR), or the plain copy sent to (SPLIT). */
    private final Optional<String> processor;

    private FailureAction(Kind kind, Optional<String> processor) {
        this.kind = kind;
        this.processor = processor;
    }

    /**
     * Reads {@code parameter} of {@code mailet}, refusing a kind not in {@code accepted} with a
     * message naming the parameter and the accepted words.
     */
    static FailureAction parse(GenericMailet mailet, String parameter, Kind defaultKind, Set<Kind> accepted) throws MailetException {
        String mailetName = mailet.getClass().getSimpleName();
        String value = Optional.ofNullable(mailet.getInitParameter(parameter)).map(String::trim).filter(text -> !text.isEmpty())
            .orElse(defaultKind.word);
        Kind kind = kindOf(value);
        if (!accepted.contains(kind)) {
            throw new MailetException(mailetName + ": " + parameter + " must be " + words(accepted) + ", not '" + value + "'");
        }
        if (kind == Kind.PROCESSOR) {
            return new FailureAction(kind, Optional.of(value));
        }
        if (kind == Kind.SPLIT) {
            return new FailureAction(kind, Optional.of(splitProcessor(mailet, mailetName, parameter)));
        }
        return new FailureAction(kind, Optional.empty());
    }

    private static Kind kindOf(String value) {
        for (Kind kind : Kind.values()) {
            if (kind.word.equals(value.toLowerCase(Locale.ROOT))) {
                return kind;
            }
        }
        return Kind.PROCESSOR;
    }

    private static String words(Set<Kind> accepted) {
        List<String> words = accepted.stream().sorted().map(kind -> kind.word).collect(Collectors.toList());
        String last = words.remove(words.size() - 1);
        return words.isEmpty() ? last : String.join(", ", words) + " or " + last;
    }

    private static String splitProcessor(GenericMailet mailet, String mailetName, String parameter) throws MailetException {
        return Optional.ofNullable(mailet.getInitParameter(SPLIT_PROCESSOR)).map(String::trim).filter(name -> !name.isEmpty())
            .orElseThrow(() -> new MailetException(mailetName + ": " + parameter + "=split needs " + SPLIT_PROCESSOR
                + ", the processor that takes the plain copy (or use the RecipientHasSmimeCertificate matcher to split)"));
    }

    boolean splits() {
        return kind == Kind.SPLIT;
    }

    /** The processor this action sends mail to, for James to check at start that it exists. */
    Collection<ProcessingState> requiredProcessingState() {
        return processor.map(name -> List.of(new ProcessingState(name))).orElse(List.of());
    }

    /**
     * Bounces, passes, drops or moves the mail; the caller has recorded {@code reason} on the mail.
     * {@code bounceText} is what the sender reads in a bounce. A split is done by {@link #split}.
     */
    void apply(Mail mail, String reason, String bounceText, MailetContext context, Logger logger) throws MessagingException {
        switch (kind) {
            case BOUNCE -> bounce(mail, reason, bounceText, context, logger);
            case PASS -> logger.warn("Passing mail {} from {} on unchanged: {}", mail.getName(), mail.getMaybeSender().asString(), reason);
            case DROP -> {
                logger.warn("Dropping mail {} from {}: {}", mail.getName(), mail.getMaybeSender().asString(), reason);
                mail.setState(Mail.GHOST);
            }
            case PROCESSOR -> {
                logger.warn("Moving mail {} from {} to processor {}: {}", mail.getName(), mail.getMaybeSender().asString(), processor.get(),
                    reason);
                mail.setState(processor.get());
            }
            case SPLIT -> throw new IllegalStateException("split needs the recipients to split off; call split()");
        }
    }

    /**
     * Sends a plain copy of the mail for {@code unprotected} recipients to the split processor, and
     * keeps the mail for the other recipients; returns false when none are left (the mail is then
     * stopped).
     */
    boolean split(Mail mail, Collection<MailAddress> unprotected, MailetContext context, Logger logger) throws MessagingException {
        Mail plain = mail.duplicate();
        plain.setRecipients(unprotected);
        context.sendMail(plain, processor.get());
        logger.info("Split mail {}: plain copy to {} sent to processor {}", mail.getName(), unprotected, processor.get());
        List<MailAddress> others = new ArrayList<>(mail.getRecipients());
        others.removeAll(unprotected);
        if (others.isEmpty()) {
            mail.setState(Mail.GHOST);
            return false;
        }
        mail.setRecipients(others);
        return true;
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
