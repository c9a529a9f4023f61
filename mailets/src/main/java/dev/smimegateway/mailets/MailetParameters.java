package dev.smimegateway.mailets;

import java.util.Locale;

import org.apache.mailet.MailetException;
import org.apache.mailet.base.GenericMailet;

/** Mailet parameters read once in {@code init()}, with errors that name the parameter and the mailet. */
final class MailetParameters {
    /** 2047 MB is the largest size whose byte count an int holds. */
    static final int MAX_MEGABYTES = 2047;

    private MailetParameters() {
    }

    /** A size in megabytes, 1 to 2047, returned in bytes. */
    static int megabytes(GenericMailet mailet, String name, int defaultValue) throws MailetException {
        String value = mailet.getInitParameter(name, Integer.toString(defaultValue)).trim();
        try {
            int megabytes = Integer.parseInt(value);
            if (megabytes >= 1 && megabytes <= MAX_MEGABYTES) {
                return megabytes * 1024 * 1024;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new MailetException(mailet.getClass().getSimpleName() + ": " + name + " must be a whole number of megabytes from 1 to "
            + MAX_MEGABYTES + ", not '" + value + "'");
    }

    static boolean bool(GenericMailet mailet, String name, boolean defaultValue) throws MailetException {
        String value = mailet.getInitParameter(name, Boolean.toString(defaultValue)).trim().toLowerCase(Locale.ROOT);
        if (value.equals("true") || value.equals("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new MailetException(mailet.getClass().getSimpleName() + ": " + name + " must be true or false, not '" + value + "'");
    }
}
