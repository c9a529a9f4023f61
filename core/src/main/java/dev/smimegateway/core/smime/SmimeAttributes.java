package dev.smimegateway.core.smime;

/**
 * The one place where the names of the mail attributes our mailets write and our matchers read
 * live. Policies may also test them with James's {@code HasMailAttribute} matchers.
 */
public final class SmimeAttributes {
    /** Boolean: SMimeSign signed the mail. */
    public static final String SIGNED = "smime.signed";
    /** String: the name of the identity that signed. */
    public static final String SIGNER = "smime.signer";
    /** Boolean: SMimeEncrypt encrypted the mail. */
    public static final String ENCRYPTED = "smime.encrypted";
    /** String: the content encryption used, e.g. {@code aes256-cbc}. */
    public static final String ENCRYPTION_ALGORITHM = "smime.encryption.algorithm";
    /** String: why an outgoing S/MIME operation was not done (kept on mail passed on unsigned/unencrypted). */
    public static final String FAILURE = "smime.failure";

    private SmimeAttributes() {
    }
}
