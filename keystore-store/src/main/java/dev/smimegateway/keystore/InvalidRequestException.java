package dev.smimegateway.keystore;

/** The administrator's request cannot be carried out as given (bad parameter, wrong password, unusable file). */
public class InvalidRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidRequestException(String message) {
        super(message);
    }

    public InvalidRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
