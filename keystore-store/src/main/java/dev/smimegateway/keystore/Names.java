package dev.smimegateway.keystore;

import java.util.Locale;
import java.util.regex.Pattern;

/** How entries are named in REST paths and in the database: entry names, fingerprints, bounded text. */
final class Names {
    /** Names of identities and certificates: used in REST paths, so letters, digits and {@code . _ @ + -}. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}");
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");

    private Names() {
    }

    static void validateName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidRequestException("invalid name '" + name
                + "': use 1 to 128 letters, digits and . _ @ + -, starting with a letter or digit");
        }
    }

    /** A SHA-256 fingerprint as stored: 64 lower-case hex digits; colons and upper case are accepted on input. */
    static String normaliseFingerprint(String fingerprint) {
        String normalised = fingerprint.replace(":", "").toLowerCase(Locale.ROOT);
        if (!FINGERPRINT.matcher(normalised).matches()) {
            throw new InvalidRequestException("'" + fingerprint + "' is not a SHA-256 fingerprint (64 hex digits)");
        }
        return normalised;
    }

    static String truncate(String text, int length) {
        return text.length() <= length ? text : text.substring(0, length);
    }
}
