package dev.smimegateway.keystore;

/** The key store could not do its work (database unreachable, corrupt row, wrong master secret): a server-side failure. */
public class KeyStoreFailureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KeyStoreFailureException(String message, Throwable cause) {
        super(message, cause);
    }

    public KeyStoreFailureException(String message) {
        super(message);
    }
}
