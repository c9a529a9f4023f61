package dev.smimegateway.keystore;

/**
 * The entry exists but is not in a state that allows the request: an archived identity asked to sign
 * or to take a certificate, an identity destroyed before it was archived, a private-key export while
 * the configuration forbids it. Nothing was changed.
 */
public class WrongStateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public WrongStateException(String message) {
        super(message);
    }
}
