package dev.smimegateway.keystore;

/** No identity, certificate or trust anchor of that name. */
public class EntryNotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EntryNotFoundException(String message) {
        super(message);
    }
}
