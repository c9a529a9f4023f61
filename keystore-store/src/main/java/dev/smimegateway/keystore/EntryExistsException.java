package dev.smimegateway.keystore;

/** The name, or the very same certificate, is already in the store. */
public class EntryExistsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EntryExistsException(String message) {
        super(message);
    }
}
