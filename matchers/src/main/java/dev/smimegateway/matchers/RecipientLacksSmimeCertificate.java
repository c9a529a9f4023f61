package dev.smimegateway.matchers;

import java.util.Collection;
import java.util.stream.Collectors;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;

import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.inject.Inject;

/**
 * Matches the recipients mail cannot be encrypted to (no valid encryption certificate of their own
 * or of their domain), for a policy that treats them apart, e.g. bounce only those or send them to
 * a review processor.
 *
 * <pre>{@code
 * <mailet match="dev.smimegateway.matchers.RecipientLacksSmimeCertificate" class="ToProcessor">
 *     <processor>no-certificate</processor>
 * </mailet>
 * }</pre>
 */
public class RecipientLacksSmimeCertificate extends GenericMatcher {
    private final SmimeKeyStore keyStore;

    @Inject
    public RecipientLacksSmimeCertificate(SmimeKeyStore keyStore) {
        this.keyStore = keyStore;
    }

    @Override
    public Collection<MailAddress> match(Mail mail) {
        return mail.getRecipients().stream()
            .filter(recipient -> keyStore.encryptionCertificatesFor(recipient.asString()).isEmpty())
            .collect(Collectors.toList());
    }
}
