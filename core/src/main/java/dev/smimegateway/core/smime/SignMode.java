package dev.smimegateway.core.smime;

import java.util.Locale;

/** How a signed message is laid out (RFC 8551 section 3.5). */
public enum SignMode {
    /** {@code multipart/signed}: readable by mail clients without S/MIME; the usual choice. */
    DETACHED,
    /** {@code application/pkcs7-mime; smime-type=signed-data}: survives relays that rewrite MIME, readable only with S/MIME. */
    OPAQUE;

    public static SignMode parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown sign mode '" + value + "'; use detached or opaque");
        }
    }
}
