package dev.smimegateway.core.revocation;

import java.math.BigInteger;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** How dates, serial numbers and revocation reasons read in a verdict's detail. */
final class RevocationWords {
    /** RFC 5280 §5.3.1 reason codes by value; 7 is unused. */
    private static final String[] REASONS = {"unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
        "cessationOfOperation", "certificateHold", "unused", "removeFromCRL", "privilegeWithdrawn", "aACompromise"};

    private RevocationWords() {
    }

    static String date(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static String serial(BigInteger serial) {
        return serial.toString(16);
    }

    static String reason(int code) {
        return code >= 0 && code < REASONS.length ? REASONS[code] : "code " + code;
    }
}
