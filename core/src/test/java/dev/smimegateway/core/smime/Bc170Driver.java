package dev.smimegateway.core.smime;

import java.security.PrivateKey;

import org.bouncycastle.cms.CMSAuthEnvelopedData;
import org.bouncycastle.cms.KeyAgreeRecipientInformation;
import org.bouncycastle.cms.RecipientInformation;

/**
 * Runs inside {@link BouncyCastle170Test}'s class loader, where Bouncy Castle is 1.70 (as in James
 * 3.8): decrypts AuthEnvelopedData for its key-agreement RecipientInfo the way SmimeDecryptor does.
 * Kept to the classes that this loader must link against Bouncy Castle 1.70.
 */
public final class Bc170Driver {
    private Bc170Driver() {
    }

    public static byte[] decrypt(byte[] der, PrivateKey key) throws Exception {
        CMSAuthEnvelopedData enveloped = new CMSAuthEnvelopedData(der);
        for (RecipientInformation information : enveloped.getRecipientInfos().getRecipients()) {
            if (information instanceof KeyAgreeRecipientInformation) {
                return information.getContent(EcdhAuthEnvelopedRecipients.create(key, null));
            }
        }
        throw new IllegalArgumentException("no key-agreement RecipientInfo");
    }

    /** Where the loaded Bouncy Castle comes from, to prove which version ran. */
    public static String bouncyCastleJar() {
        return CMSAuthEnvelopedData.class.getProtectionDomain().getCodeSource().getLocation().toString();
    }
}
