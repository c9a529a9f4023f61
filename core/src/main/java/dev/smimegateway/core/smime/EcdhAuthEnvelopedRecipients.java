package dev.smimegateway.core.smime;

import java.security.PrivateKey;
import java.security.Provider;

import org.bouncycastle.cms.Recipient;

/**
 * The recipient for ECDH key agreement in AuthEnvelopedData (AES-GCM), the same on James 3.8 and
 * James 3.9.
 *
 * <p>Bouncy Castle's own {@code JceKeyAgreeAuthEnvelopedRecipient} first appeared in 1.71, and
 * James 3.8 ships 1.70, so this combination was unreadable there. Decision: the missing step is
 * done over JDK primitives ({@link JdkEcdhAuthEnvelopedRecipient}: JDK ECDH, the X9.63 KDF of RFC
 * 5753, JDK AES key unwrap and JDK AES-GCM) behind Bouncy Castle's {@code KeyAgreeRecipient}
 * interface, which 1.70 already has, rather than relocating a current Bouncy Castle into the
 * bundle. One code path serves both James lines. Relocation was measured and rejected:
 * <ul>
 * <li>size: bcprov, bcpkix and bcutil 1.81 are 10.8 MB of jars; shaded with {@code org.bouncycastle}
 *     relocated they make a 10.6 MB jar (measured 2026-12-02 with maven-shade-plugin 3.6.0), which
 *     would take the james38 bundle from 4.1 MB to about 14.7 MB. Minimizing the shaded jar is no
 *     remedy: the provider loads its algorithm classes by name, which a minimizer cannot follow;</li>
 * <li>provider behaviour: a relocated copy is no longer Bouncy Castle's signed jar, so a JDK that
 *     insists on signed JCE providers (Oracle's) refuses its ciphers; it would be a second Bouncy
 *     Castle beside James's, whose ASN.1 and CMS objects are not interchangeable with ours, and its
 *     security fixes would reach servers only through our releases, not James's;</li>
 * <li>what the JDK path gives besides: AES-GCM on the processor's AES instructions (about 10 GB/s
 *     against Bouncy Castle's 116 MB/s on this project's test machine) and the JDK's check that the
 *     sender's point lies on the curve. What it costs: three classes of our own (about 420 lines
 *     with their Javadoc), tested against Bouncy Castle's recipient, OpenSSL and Bouncy Castle 1.70.</li>
 * </ul>
 */
final class EcdhAuthEnvelopedRecipients {
    private EcdhAuthEnvelopedRecipients() {
    }

    static Recipient create(PrivateKey key) {
        return new JdkEcdhAuthEnvelopedRecipient(key);
    }

    /**
     * Kept for the existing call site: the provider is no longer used, as the JDK does every step.
     */
    static Recipient create(PrivateKey key, Provider keyAgreementProvider) {
        return create(key);
    }
}
