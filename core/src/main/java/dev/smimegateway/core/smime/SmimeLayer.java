package dev.smimegateway.core.smime;

import java.util.Locale;

import jakarta.mail.MessagingException;
import jakarta.mail.Part;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.ParseException;

/**
 * What kind of S/MIME entity a MIME part is, read from its Content-Type (RFC 8551 section 3.2),
 * including the legacy {@code x-pkcs7-*} types and {@code smime.p7m} without {@code smime-type}.
 */
public enum SmimeLayer {
    ENVELOPED,
    AUTH_ENVELOPED,
    SIGNED_OPAQUE,
    SIGNED_DETACHED,
    /** {@code application/pkcs7-mime} whose smime-type is missing or unknown: the CMS content type decides. */
    PKCS7_UNKNOWN,
    NONE;

    public static SmimeLayer of(Part part) throws MessagingException {
        String header = part.getContentType();
        if (header == null) {
            return NONE;
        }
        ContentType type;
        try {
            type = new ContentType(header);
        } catch (ParseException e) {
            return NONE;
        }
        String base = type.getBaseType().toLowerCase(Locale.ROOT);
        if (base.equals("multipart/signed")) {
            String protocol = type.getParameter("protocol");
            if (protocol != null && (protocol.equalsIgnoreCase("application/pkcs7-signature")
                || protocol.equalsIgnoreCase("application/x-pkcs7-signature"))) {
                return SIGNED_DETACHED;
            }
            return NONE;
        }
        if (base.equals("application/pkcs7-mime") || base.equals("application/x-pkcs7-mime")) {
            String smimeType = type.getParameter("smime-type");
            if (smimeType == null) {
                return PKCS7_UNKNOWN;
            }
            switch (smimeType.toLowerCase(Locale.ROOT)) {
                case "enveloped-data":
                    return ENVELOPED;
                case "authenveloped-data":
                    return AUTH_ENVELOPED;
                case "signed-data":
                    return SIGNED_OPAQUE;
                default:
                    return PKCS7_UNKNOWN;
            }
        }
        return NONE;
    }

    public boolean isEncrypted() {
        return this == ENVELOPED || this == AUTH_ENVELOPED;
    }

    public boolean isSigned() {
        return this == SIGNED_OPAQUE || this == SIGNED_DETACHED;
    }

    public boolean isSmime() {
        return this != NONE;
    }
}
