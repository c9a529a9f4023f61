package dev.smimegateway.matchers;

import java.util.Collection;
import java.util.stream.Collectors;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;

import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.inject.Inject;

/**
 * Matches the recipients mail can be encrypted to: those with a valid encryption certificate in the
 * key store (their own, or a domain certificate covering them), by the same rule SMimeEncrypt uses.
 * On SMimeEncrypt it splits a mail the way a mail administrator expects: the matched recipients get
 * it encrypted, the others get it as it was.
 *
 * <pre>{@code
 * <mailet match="dev.smimegateway.matchers.RecipientHasSmimeCertificate" class="dev.smimegateway.mailets.SMimeEncrypt"/>
 * }</pre>
 */
public class RecipientHasSmimeCertificate extends GenericMatcher {
    private final SmimeKeyStore keyStore;

    @Inject
    public RecipientHasSmimeCertificate(SmimeKeyStore keyStore) {
        this.keyStore = keyStore;
    }

    @Override
    public Collection<MailAddress> match(Mail mail) {
        return mail.getRecipients().stream()
            .filter(recipient -> !keyStore.encryptionCertificatesFor(recipient.asString()).isEmpty())
            .collect(Collectors.toList());
    }
}
