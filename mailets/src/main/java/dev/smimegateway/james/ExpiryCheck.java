package dev.smimegateway.james;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.james.metrics.api.GaugeRegistry;
import org.apache.james.metrics.api.Metric;
import org.apache.james.metrics.api.MetricFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.keystore.ExpiringEntry;
import dev.smimegateway.keystore.ExpiringEntry.Kind;

/**
 * One run of the expiry check: asks the key store what expires within the warning window and tells
 * the administrator, through James's own channels.
 * <ul>
 *   <li><b>Log</b>: one line per entry, at WARN; at ERROR for an <em>active</em> identity whose
 *   certificate has expired, because mail from its addresses is then refused or sent unsigned (as
 *   {@code SMimeSign}'s {@code onFailure} says) until it is renewed. For example:
 *   <pre>
 * WARN  S/MIME identity 'org' (sales@example.com) expires in 12 days, on 2027-01-14T09:00:00Z: renew it before mail from sales@example.com goes unsigned; see /smime/identities/org
 * ERROR S/MIME identity 'org' (sales@example.com) EXPIRED 2 days ago, on 2027-01-14T09:00:00Z: mail from sales@example.com will bounce or go unsigned until it is renewed; see /smime/identities/org
 * WARN  S/MIME trust anchor 'CN=Partner Root' expires in 20 days, on 2027-01-22T00:00:00Z; see /smime/trust-anchors/3f2a…
 *   </pre>
 *   and one INFO line that sums the run up.</li>
 *   <li><b>Metrics</b> (James {@link GaugeRegistry} gauges, the figures of the last run that
 *   succeeded): {@code smime.expiring.identities}, {@code smime.expiring.certificates},
 *   {@code smime.expiring.harvested}, {@code smime.expiring.trustAnchors},
 *   {@code smime.expiring.intermediates}, {@code smime.expiring.crls} (each counting expired entries
 *   too), {@code smime.expired.identities} (identities, active or not, whose certificate has expired)
 *   and {@code smime.expired.activeIdentities}; and ({@link MetricFactory} counters)
 *   {@code smime.expiry.checks} and {@code smime.expiry.checkFailures}.</li>
 *   <li><b>Postmaster</b>, when asked: one plain-text mail per run listing the entries, only when
 *   there are any.</li>
 * </ul>
 * A run never throws: a key store that cannot be read is logged at ERROR and counted in
 * {@code smime.expiry.checkFailures}, the gauges keep the last figures, and the next run tries again.
 */
public final class ExpiryCheck implements Runnable {
    public static final String CHECKS = "smime.expiry.checks";
    public static final String CHECK_FAILURES = "smime.expiry.checkFailures";
    public static final String EXPIRED_IDENTITIES = "smime.expired.identities";
    public static final String EXPIRED_ACTIVE_IDENTITIES = "smime.expired.activeIdentities";
    private static final Map<Kind, String> EXPIRING_GAUGES = new EnumMap<>(Map.of(
        Kind.IDENTITY, "smime.expiring.identities",
        Kind.CERTIFICATE, "smime.expiring.certificates",
        Kind.HARVESTED, "smime.expiring.harvested",
        Kind.TRUST_ANCHOR, "smime.expiring.trustAnchors",
        Kind.INTERMEDIATE, "smime.expiring.intermediates",
        Kind.CRL, "smime.expiring.crls"));

    /** Where the lines go: SLF4J in James, a list in tests. */
    public interface Log {
        void info(String line);

        void warn(String line);

        void error(String line, Throwable cause);

        void error(String line);

        static Log of(Logger logger) {
            return new Log() {
                @Override
                public void info(String line) {
                    logger.info(line);
                }

                @Override
                public void warn(String line) {
                    logger.warn(line);
                }

                @Override
                public void error(String line, Throwable cause) {
                    logger.error(line, cause);
                }

                @Override
                public void error(String line) {
                    logger.error(line);
                }
            };
        }
    }

    /** Sends a plain-text mail to the postmaster. */
    @FunctionalInterface
    public interface Postmaster {
        void send(String subject, String text) throws Exception;
    }

    private final Function<Duration, List<ExpiringEntry>> store;
    private final Clock clock;
    private final Duration window;
    private final Log log;
    private final Optional<Postmaster> postmaster;
    private final Metric checks;
    private final Metric failures;
    private final AtomicReference<List<ExpiringEntry>> lastSeen = new AtomicReference<>(List.of());

    /**
     * @param store      {@code SmimeKeyStore::expiringWithin}
     * @param postmaster empty unless {@code expiry.notifyPostmaster=true}
     */
    public ExpiryCheck(Function<Duration, List<ExpiringEntry>> store, Clock clock, Duration window, MetricFactory metrics,
                       GaugeRegistry gauges, Log log, Optional<Postmaster> postmaster) {
        this.store = store;
        this.clock = clock;
        this.window = window;
        this.log = log;
        this.postmaster = postmaster;
        this.checks = metrics.generate(CHECKS);
        this.failures = metrics.generate(CHECK_FAILURES);
        EXPIRING_GAUGES.forEach((kind, name) -> gauges.register(name, () -> count(entry -> entry.kind() == kind)));
        gauges.register(EXPIRED_IDENTITIES, () -> count(entry -> entry.kind() == Kind.IDENTITY && entry.expired()));
        gauges.register(EXPIRED_ACTIVE_IDENTITIES, () -> count(ExpiryCheck::expiredSigner));
    }

    /** Checks once; never throws. */
    @Override
    public void run() {
        List<ExpiringEntry> entries;
        try {
            entries = store.apply(window);
        } catch (RuntimeException e) {
            failures.increment();
            log.error("S/MIME expiry check failed, the next run will try again: " + e.getMessage(), e);
            return;
        }
        lastSeen.set(List.copyOf(entries));
        checks.increment();
        Instant now = clock.instant();
        for (ExpiringEntry entry : entries) {
            if (expiredSigner(entry)) {
                log.error(describe(entry, now));
            } else {
                log.warn(describe(entry, now));
            }
        }
        log.info(summary(entries));
        if (!entries.isEmpty()) {
            postmaster.ifPresent(mail -> notify(mail, entries, now));
        }
    }

    /** The subject of the postmaster's mail. */
    String summary(List<ExpiringEntry> entries) {
        long expired = entries.stream().filter(ExpiringEntry::expired).count();
        if (entries.isEmpty()) {
            return "S/MIME expiry check: nothing expires within " + window.toDays() + " days";
        }
        return "S/MIME expiry check: " + entries.size() + (entries.size() == 1 ? " key or certificate expires" : " keys or certificates expire")
            + " within " + window.toDays() + " days" + (expired == 0 ? "" : " (" + expired + " already expired)");
    }

    /** The postmaster's mail: one paragraph per entry, then where to act. */
    String mailText(List<ExpiringEntry> entries, Instant now) {
        return "The S/MIME gateway checked its key store at " + now.truncatedTo(ChronoUnit.SECONDS) + ".\n\n"
            + entries.stream().map(entry -> "- " + describe(entry, now)).collect(Collectors.joining("\n\n"))
            + "\n\nTo list them again: curl http://<james>:8000/smime/expiring?withinDays=" + window.toDays() + "\n"
            + "Renewing an identity: GET /smime/identities/<name>/csr, have it signed, then PUT /smime/identities/<name>/certificate.\n";
    }

    /** One line about one entry, as the log and the mail say it. */
    static String describe(ExpiringEntry entry, Instant now) {
        StringBuilder line = new StringBuilder("S/MIME ").append(entry.kind().description()).append(" '").append(entry.name()).append('\'');
        if (!entry.addresses().isEmpty()) {
            line.append(" (").append(String.join(", ", entry.addresses())).append(')');
        }
        long days = Math.abs(Duration.between(now, entry.notAfter()).toDays());
        String dayCount = days == 0 ? "today" : "in " + days + (days == 1 ? " day" : " days");
        if (entry.expired()) {
            line.append(entry.kind() == Kind.CRL ? " is OVERDUE since " : " EXPIRED ")
                .append(days == 0 ? "today" : days + (days == 1 ? " day" : " days") + " ago").append(", on ").append(entry.notAfter());
        } else {
            line.append(entry.kind() == Kind.CRL ? " is due to be replaced " : " expires ").append(dayCount).append(", on ")
                .append(entry.notAfter());
        }
        line.append(consequence(entry)).append("; see /smime/").append(entry.kind().path()).append('/').append(entry.reference());
        return line.toString();
    }

    private static String consequence(ExpiringEntry entry) {
        String senders = String.join(", ", entry.addresses());
        if (expiredSigner(entry)) {
            return ": mail from " + senders + " will bounce or go unsigned until it is renewed";
        }
        if (entry.kind() == Kind.IDENTITY && entry.active()) {
            return ": renew it before mail from " + senders + " bounces or goes unsigned";
        }
        if (entry.kind() == Kind.CRL && entry.expired()) {
            return ": import the issuer's newer CRL";
        }
        return "";
    }

    private static boolean expiredSigner(ExpiringEntry entry) {
        return entry.kind() == Kind.IDENTITY && entry.active() && entry.expired();
    }

    private void notify(Postmaster mail, List<ExpiringEntry> entries, Instant now) {
        try {
            mail.send(summary(entries), mailText(entries, now));
        } catch (Exception e) {
            log.error("S/MIME expiry check: cannot mail the postmaster: " + e.getMessage(), e);
        }
    }

    private long count(java.util.function.Predicate<ExpiringEntry> which) {
        return lastSeen.get().stream().filter(which).count();
    }

    /** The SLF4J log of this class, for James. */
    static Log slf4j() {
        return Log.of(LoggerFactory.getLogger(ExpiryCheck.class));
    }
}
