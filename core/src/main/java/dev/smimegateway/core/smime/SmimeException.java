package dev.smimegateway.core.smime;

/** An S/MIME operation failed; the message says why in words an administrator can act on. */
public class SmimeException extends Exception {
    private static final long serialVersionUID = 1L;

    public SmimeException(String message) {
        super(message);
    }

    public SmimeException(String message, Throwable cause) {
        super(message, cause);
    }
}
