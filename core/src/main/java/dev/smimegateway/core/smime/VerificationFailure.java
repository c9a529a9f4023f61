package dev.smimegateway.core.smime;

/**
 * Why a signed message was not verified. The names are stable: policies match on them
 * ({@code SmimeFailureReasonIs=UNTRUSTED}) and they appear in the status header.
 */
public enum VerificationFailure {
    /** The digest or the signature does not match the content: altered in transit, or forged. */
    BAD_SIGNATURE,
    /** The signer's certificate does not chain to an imported trust anchor. */
    UNTRUSTED,
    /** The signer's certificate was not valid when the message was signed, or is not valid now. */
    EXPIRED,
    /** A CRL or OCSP response that the certification path vouches for lists the signer's or an intermediate's certificate. */
    REVOKED,
    /** Revocation could not be decided: every CRL found is past its nextUpdate, or an OCSP responder named by the certificate did not answer. */
    REVOKED_UNKNOWN,
    /** MD5 or (by default) SHA-1 digests or signatures, or an RSA key under 2048 bits. */
    WEAK_ALGORITHM,
    /** keyUsage forbids signing, or extendedKeyUsage lacks emailProtection. */
    KEY_USAGE,
    /** From is not exactly one mailbox whose address the signer's certificate holds (or Sender differs from it). */
    FROM_MISMATCH,
    /** The signature covers only part of the message (a signed part wrapped in unsigned MIME). */
    PARTIAL_SIGNATURE,
    /** More than one signer: accepted only when every one is valid, which is not checked here, so refused. */
    MULTIPLE_SIGNERS,
    /** Not a well-formed S/MIME signature: no signer, unreadable CMS, both detached and embedded content, too deep. */
    MALFORMED
}
