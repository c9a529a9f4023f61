package dev.smimegateway.core.smime;

import java.security.PrivateKey;
import java.security.Provider;

import org.bouncycastle.cms.Recipient;
import org.bouncycastle.cms.jcajce.JceKeyAgreeAuthEnvelopedRecipient;

/**
 * Kept apart because Bouncy Castle 1.70, which James 3.8 ships, lacks this class: loading it is
 * attempted only for an ECDH recipient of AuthEnvelopedData, and fails there alone.
 */
final class EcdhAuthEnvelopedRecipients {
    private EcdhAuthEnvelopedRecipients() {
    }

    static Recipient create(PrivateKey key, Provider keyAgreementProvider) {
        return new JceKeyAgreeAuthEnvelopedRecipient(key).setProvider(keyAgreementProvider);
    }
}
