package dev.smimegateway.james;

import java.time.Duration;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConversionException;

/**
 * The daily expiry check's settings in {@code conf/smime.properties}:
 * <pre>
 * # Warn about identities, certificates, trust anchors and CRLs that expire within this many days (0 to 3650).
 * #expiry.warningDays=30
 * # How often the check runs, in hours (1 to 8760); the first run is a minute after James starts. 0 turns it off
 * # (for example on all but one of several servers sharing a key store).
 * #expiry.checkIntervalHours=24
 * # Also mail the list to the postmaster (mailetcontainer.xml's postmaster), at most once per run.
 * #expiry.notifyPostmaster=false
 * </pre>
 *
 * @param checkInterval zero when the check is turned off
 */
public record ExpirySettings(Duration warningWindow, Duration checkInterval, boolean notifyPostmaster) {
    public static final String WARNING_DAYS = "expiry.warningDays";
    public static final String CHECK_INTERVAL_HOURS = "expiry.checkIntervalHours";
    public static final String NOTIFY_POSTMASTER = "expiry.notifyPostmaster";
    static final int DEFAULT_WARNING_DAYS = 30;
    static final int DEFAULT_CHECK_INTERVAL_HOURS = 24;
    static final int MAX_WARNING_DAYS = 3650;
    static final int MAX_CHECK_INTERVAL_HOURS = 8760;

    /**
     * Reads the settings, each with its default when absent.
     *
     * @throws IllegalStateException naming the wrong setting, which stops James from starting
     */
    public static ExpirySettings from(Configuration configuration) {
        int days = whole(configuration, WARNING_DAYS, DEFAULT_WARNING_DAYS, MAX_WARNING_DAYS);
        int hours = whole(configuration, CHECK_INTERVAL_HOURS, DEFAULT_CHECK_INTERVAL_HOURS, MAX_CHECK_INTERVAL_HOURS);
        boolean notify;
        try {
            notify = configuration.getBoolean(NOTIFY_POSTMASTER, false);
        } catch (ConversionException e) {
            throw new IllegalStateException("conf/smime.properties: " + NOTIFY_POSTMASTER + " must be true or false, not '"
                + configuration.getString(NOTIFY_POSTMASTER) + "'", e);
        }
        return new ExpirySettings(Duration.ofDays(days), Duration.ofHours(hours), notify);
    }

    /** Whether the check runs at all. */
    public boolean checking() {
        return !checkInterval.isZero();
    }

    private static int whole(Configuration configuration, String key, int absent, int max) {
        String value = configuration.getString(key, "").strip();
        if (value.isEmpty()) {
            return absent;
        }
        try {
            int number = Integer.parseInt(value);
            if (number >= 0 && number <= max) {
                return number;
            }
        } catch (NumberFormatException notANumber) {
            // answered below, as a number out of range is
        }
        throw new IllegalStateException("conf/smime.properties: " + key + " must be a whole number from 0 to " + max + ", not '" + value + "'");
    }
}
