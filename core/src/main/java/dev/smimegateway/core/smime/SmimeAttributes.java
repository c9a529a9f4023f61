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
    /** String: the key transport used for RSA recipients, {@code rsa-pkcs1} or {@code rsa-oaep}. */
    public static final String ENCRYPTION_KEY_TRANSPORT = "smime.encryption.key-transport";
    /**
     * String: why SMimeEncrypt used that content encryption: {@code pinned} (the {@code algorithm}
     * parameter), {@code announced} (every recipient announced AES-256-GCM) or {@code compatible-default}
     * (the {@code compatibleAlgorithm} parameter, as some recipient did not).
     */
    public static final String ENCRYPTION_CHOICE = "smime.encryption.choice";
    /** String: why an outgoing S/MIME operation was not done (kept on mail passed on unsigned/unencrypted). */
    public static final String FAILURE = "smime.failure";

    /** Boolean: the message reached the gateway signed (root entity, or under its encryption). */
    public static final String RECEIVED_SIGNED = "smime.received.signed";
    /** Boolean: the message reached the gateway encrypted. */
    public static final String RECEIVED_ENCRYPTED = "smime.received.encrypted";
    /** Boolean: SMimeDecrypt decrypted the message. */
    public static final String DECRYPTED = "smime.decrypted";
    /** String: the content encryption of the decrypted message, e.g. {@code aes256-cbc}. */
    public static final String DECRYPTION_ALGORITHM = "smime.decryption.algorithm";
    /** String: the identity whose key decrypted the message. */
    public static final String DECRYPTION_IDENTITY = "smime.decryption.identity";
    /**
     * Boolean: the decrypted content is authenticated: AES-GCM (AuthEnvelopedData) whose tag verified,
     * or a signature inside or around the encryption that verified. False for unsigned AES-CBC, whose
     * plaintext an attacker can change (EFAIL gadgets).
     */
    public static final String DECRYPTION_AUTHENTICATED = "smime.decryption.authenticated";
    /** String: why the message could not be decrypted. */
    public static final String DECRYPTION_FAILURE = "smime.decryption.failure";
    /** Boolean: SMimeVerify verified the signature (all checks passed). */
    public static final String VERIFIED = "smime.verified";
    /** String: verified, not-verified or not-signed. */
    public static final String VERIFICATION_STATUS = "smime.verification.status";
    /** String: a {@code VerificationFailure} name, when not verified. */
    public static final String VERIFICATION_FAILURE = "smime.verification.failure";
    /** String: the failure in words. */
    public static final String VERIFICATION_DETAIL = "smime.verification.detail";
    /** Strings describing the signer's certificate. */
    public static final String SIGNER_ADDRESS = "smime.signer.address";
    public static final String SIGNER_SUBJECT = "smime.signer.subject";
    public static final String SIGNER_ISSUER = "smime.signer.issuer";
    public static final String SIGNER_SERIAL = "smime.signer.serial";
    public static final String SIGNATURE_ALGORITHM = "smime.signature.algorithm";
    /**
     * String: the signer's certificate, DER in base64, whenever the SignerInfo identified one — also
     * when the signature did not verify, so only {@link #SIGNATURE_VALID} says whether it may be used.
     */
    public static final String SIGNER_CERTIFICATE = "smime.signer.certificate";
    /**
     * Boolean: the signature value and message digest verified with the key of
     * {@link #SIGNER_CERTIFICATE}, whatever the verdict on that certificate (UNTRUSTED, EXPIRED, ...).
     * False when they did not verify or were never checked. Not written for a mail verified by its
     * signature over the ciphertext alone, which SMimeDecrypt checked (no certificate is handed on).
     */
    public static final String SIGNATURE_VALID = "smime.signature.valid";
    /** String: the signed signingTime, ISO-8601 (e.g. {@code 2026-12-02T11:22:15Z}), when the signature is valid and has one. */
    public static final String SIGNING_TIME = "smime.signing.time";
    /**
     * String: the signed smimeCapabilities in the text form of {@code SmimeCapabilities}, e.g.
     * {@code aes256-gcm,aes128-gcm,aes256-cbc,aes128-cbc,rsa-oaep}, when the signature is valid and announces them.
     */
    public static final String SIGNER_CAPABILITIES = "smime.signer.capabilities";
    /**
     * String, set by HarvestPublicKey: what harvesting the signer's certificate did ({@code STORED},
     * {@code UPDATED}, {@code UPDATE_REJECTED}, {@code SEEN_AGAIN}, {@code ALREADY_KNOWN}, {@code OLDER}) or
     * {@code skipped: <reason>}.
     */
    public static final String HARVEST = "smime.harvest";

    /** String: verified or not-verified, for a signature over the ciphertext that SMimeDecrypt peeled (encrypt-then-sign, triple wrap). */
    public static final String OUTER_VERIFICATION_STATUS = "smime.outer.verification.status";
    /** String: a {@code VerificationFailure} name, when the outer signature did not verify. */
    public static final String OUTER_VERIFICATION_FAILURE = "smime.outer.verification.failure";
    /** String: the outer signature's failure in words. */
    public static final String OUTER_VERIFICATION_DETAIL = "smime.outer.verification.detail";
    /** String: the outer signer's address (its certificate's address matching From), when verified. */
    public static final String OUTER_SIGNER_ADDRESS = "smime.outer.signer.address";

    /** The header SMimeVerify writes; any copy arriving from outside is removed first, so it cannot be forged. */
    public static final String STATUS_HEADER = "X-Smime-Gateway-Status";

    private SmimeAttributes() {
    }
}
