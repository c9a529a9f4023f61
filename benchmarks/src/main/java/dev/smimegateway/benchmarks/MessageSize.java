package dev.smimegateway.benchmarks;

import java.util.Locale;

/** A message size of the suite, written as {@code 4k}, {@code 100k} or {@code 10m} (binary kilo and mega). */
record MessageSize(int bytes, String label) {
    static MessageSize parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        char unit = value.charAt(value.length() - 1);
        int number = Integer.parseInt(value.substring(0, value.length() - 1));
        return switch (unit) {
            case 'k' -> new MessageSize(number * 1024, number + " KB");
            case 'm' -> new MessageSize(number * 1024 * 1024, number + " MB");
            default -> throw new IllegalArgumentException("a size is a number followed by k or m, e.g. 4k or 10m: " + text);
        };
    }

    static MessageSize megabytes(int megabytes) {
        return parse(megabytes + "m");
    }

    /** Up to 100 KB a mail's cost is its RSA operations; from there on, the bytes. */
    boolean small() {
        return bytes <= 100 * 1024;
    }

    double megabytesPerSecond(double mailsPerSecond) {
        return mailsPerSecond * bytes / 1e6;
    }
}
