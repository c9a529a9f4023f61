package dev.smimegateway.core.certificate;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one place where mail addresses and domains are normalised and compared. Addresses are
 * compared case-insensitively as a whole: no mail system in use here treats the local part's case as
 * significant, and treating it so would let "Alice@" and "alice@" bind to different keys.
 */
public final class MailAddresses {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern LOCAL_PART = Pattern.compile("[^\\s@<>()\\[\\],;:\"\\\\]{1,64}");

    private MailAddresses() {
    }

    public static String normalise(String address) {
        return address.trim().toLowerCase(Locale.ROOT);
    }

    /** Whether the text is a plain addr-spec we can bind a certificate to (no display name, no comments). */
    public static boolean isValidAddress(String address) {
        int at = address.lastIndexOf('@');
        if (at <= 0 || at != address.indexOf('@') || address.length() > 320) {
            return false;
        }
        return LOCAL_PART.matcher(address.substring(0, at)).matches() && isValidDomain(address.substring(at + 1));
    }

    /** A DNS domain name such as {@code example.com}; {@code *.example.net} is a {@link #isValidDomainPattern pattern}. */
    public static boolean isValidDomain(String domain) {
        String lower = domain.toLowerCase(Locale.ROOT);
        if (lower.isEmpty() || lower.length() > 253 || !lower.contains(".")) {
            return false;
        }
        for (String label : lower.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    /** A domain, or a wildcard {@code *.domain} that covers exactly one more label. */
    public static boolean isValidDomainPattern(String pattern) {
        return pattern.startsWith("*.") ? isValidDomain(pattern.substring(2)) : isValidDomain(pattern);
    }

    public static Optional<String> domainOf(String address) {
        int at = address.lastIndexOf('@');
        if (at < 0 || at == address.length() - 1) {
            return Optional.empty();
        }
        return Optional.of(normalise(address.substring(at + 1)));
    }

    /**
     * The wildcard-domain rule, the one place it is written: the subjectAltName dNSNames that cover a
     * mail domain. {@code example.com} is covered by {@code example.com} only; {@code sales.example.net}
     * by itself and by {@code *.example.net}. A wildcard stands for exactly one label (as for TLS names
     * in RFC 6125), and never for a label directly under a top-level domain ({@code *.com} covers
     * nothing). The key store looks certificates up by these patterns; {@link #domainPatternCovers}
     * answers with them.
     */
    public static List<String> patternsCovering(String domain) {
        String d = normalise(domain);
        if (d.isEmpty()) {
            return List.of();
        }
        int dot = d.indexOf('.');
        return dot > 0 && d.indexOf('.', dot + 1) > 0
            ? List.of(d, "*" + d.substring(dot))
            : List.of(d);
    }

    /** The domain patterns that cover the address's domain ({@link #patternsCovering}); none for an address without a domain. */
    public static List<String> patternsCoveringDomainOf(String address) {
        return domainOf(address).map(MailAddresses::patternsCovering).orElse(List.of());
    }

    /** Whether a subjectAltName dNSName covers a mail domain, by {@link #patternsCovering}. */
    public static boolean domainPatternCovers(String pattern, String domain) {
        return patternsCovering(domain).contains(normalise(pattern));
    }
}
