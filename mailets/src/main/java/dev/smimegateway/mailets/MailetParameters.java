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
        return wholeNumber(mailet, name, defaultValue, 1, MAX_MEGABYTES) * 1024 * 1024;
    }

    /** A whole number from {@code min} to {@code max}. */
    static int wholeNumber(GenericMailet mailet, String name, int defaultValue, int min, int max) throws MailetException {
        String value = mailet.getInitParameter(name, Integer.toString(defaultValue)).trim();
        try {
            int number = Integer.parseInt(value);
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        String range = max == Integer.MAX_VALUE ? "a whole number from " + min + " up" : "a whole number from " + min + " to " + max;
        throw new MailetException(mailet.getClass().getSimpleName() + ": " + name + " must be " + range + ", not '" + value + "'");
    }

    static boolean bool(GenericMailet mailet, String name, boolean defaultValue) throws MailetException {
        String value = mailet.getInitParameter(name, Boolean.toString(defaultValue)).trim().toLowerCase(Locale.ROOT);
        if (value.equals("true") || value.equals("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new MailetException(mailet.getClass().getSimpleName() + ": " + name + " must be true or false, not '" + value + "'");
    }
}
