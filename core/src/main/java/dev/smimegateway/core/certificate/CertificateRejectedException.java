package dev.smimegateway.core.certificate;

/**
 * A certificate, chain or key that the gateway refuses, with a message an administrator can act on,
 * such as "certificate for bob@partner.example lacks keyEncipherment".
 */
public class CertificateRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CertificateRejectedException(String message) {
        super(message);
    }

    public CertificateRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
