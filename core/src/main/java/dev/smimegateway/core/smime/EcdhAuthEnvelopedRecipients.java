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
 * <li>size: bcprov, bcpkix and bcutil 1.81 are 10.8 MB of jars; shaded and relocated into the
 *     james38 bundle they take it from 4.1 MB to MEASURED_SIZE (minimizing the jar is not an option:
 *     the provider registers its classes by name, so a minimizer drops them);</li>
 * <li>provider behaviour: a relocated copy is no longer Bouncy Castle's signed jar, so JDKs that
 *     insist on signed JCE providers (Oracle's) refuse its ciphers; it would also be a second,
 *     separately patched Bouncy Castle beside James's, whose ASN.1 and CMS classes are not
 *     interchangeable with ours, and its security fixes would ship only with our releases;</li>
 * <li>what is gained: the JDK's AES-GCM runs on the processor's AES instructions (about 10 GB/s
 *     here against Bouncy Castle's 116 MB/s) and the JDK's ECDH checks that the sender's point is
 *     on the curve.</li>
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
