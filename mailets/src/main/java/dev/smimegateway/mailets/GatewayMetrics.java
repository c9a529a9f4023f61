package dev.smimegateway.mailets;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.james.metrics.api.Metric;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.metrics.api.TimeMetric;
import org.apache.mailet.Mail;
import org.reactivestreams.Publisher;

import dev.smimegateway.keystore.KeyStoreFailureException;
import jakarta.mail.MessagingException;

/**
 * One mailet's counters and timer, kept in James's {@link MetricFactory}: they appear wherever James
 * publishes its own metrics (webadmin's {@code /metrics} route for Prometheus, JMX, the log reporter).
 * Every name is {@code smime.<mailet>.<event>}, with {@code <mailet>} one of {@code sign},
 * {@code encrypt}, {@code decrypt}, {@code verify} and {@code harvest}:
 * <ul>
 * <li>{@code smime.<mailet>.<event>}: a counter of mails, e.g. {@code smime.sign.signed};</li>
 * <li>{@code smime.<mailet>.failed.<REASON>}: a counter per failure reason, e.g.
 * {@code smime.verify.failed.BAD_SIGNATURE}; {@code KEY_STORE} counts mail the mailet could not handle
 * because the key store failed (its database unreachable);</li>
 * <li>{@code smime.<mailet>.time}: a timer, one duration per mail the mailet handled.</li>
 * </ul>
 * The names are stable: README.md lists them, and dashboards rely on them. Every counter of a mailet
 * is registered (at zero) when the mailet is created, so that an event that never happened reads 0
 * rather than being absent; they are fixed then, so no name ever comes from a mail. Prometheus sees the
 * dots as underscores ({@code smime_sign_signed_total}).
 */
final class GatewayMetrics {
    static final String PREFIX = "smime.";
    static final String KEY_STORE = "KEY_STORE";

    private final MetricFactory factory;
    private final String prefix;
    private final String timerName;
    /** The counters by event ({@code signed}, {@code failed.NO_IDENTITY}, ...), looked up once. */
    private final Map<String, Metric> counters;

    /**
     * Registers the mailet's {@code events} and {@code failures} (reason names), plus {@code failed.KEY_STORE},
     * at zero.
     */
    GatewayMetrics(MetricFactory factory, String mailet, List<String> events, List<String> failures) {
        this.factory = factory;
        this.prefix = PREFIX + mailet + ".";
        this.timerName = prefix + "time";
        Map<String, Metric> registered = new HashMap<>();
        events.forEach(event -> registered.put(event, factory.generate(prefix + event)));
        failures.forEach(reason -> registered.put(failedName(reason), factory.generate(prefix + failedName(reason))));
        registered.put(failedName(KEY_STORE), factory.generate(prefix + failedName(KEY_STORE)));
        this.counters = Map.copyOf(registered);
    }

    /** The names of an enum's constants, as failure reasons. */
    static List<String> names(Enum<?>[] constants) {
        return Arrays.stream(constants).map(Enum::name).toList();
    }

    /** One more mail for the event, e.g. {@code signed}. */
    void count(String event) {
        counter(event).increment();
    }

    /** One more mail that failed for this reason. */
    void failed(String reason) {
        count(failedName(reason));
    }

    /** One more mail the key store failed for. */
    void keyStoreFailed() {
        failed(KEY_STORE);
    }

    /** What a mailet does with one mail. */
    @FunctionalInterface
    interface MailWork {
        void handle(Mail mail) throws MessagingException;
    }

    /**
     * Handles one mail, timed ({@code smime.<mailet>.time}, failures included); a key store failure
     * escaping {@code work} is counted ({@code failed.KEY_STORE}) and passed on unchanged.
     */
    void measure(Mail mail, MailWork work) throws MessagingException {
        TimeMetric timer = factory.timer(timerName);
        try {
            work.handle(mail);
        } catch (KeyStoreFailureException e) {
            keyStoreFailed();
            throw e;
        } finally {
            timer.stopAndPublish();
        }
    }

    /** The registered counter; callers name events from the same constants they were registered from. */
    private Metric counter(String event) {
        Metric counter = counters.get(event);
        if (counter == null) {
            throw new IllegalArgumentException("no metric " + prefix + event + " was registered");
        }
        return counter;
    }

    private static String failedName(String reason) {
        return "failed." + reason;
    }

    /**
     * A factory whose metrics go nowhere, for a mailet built outside James (tests, benchmarks) without
     * a {@link MetricFactory}.
     */
    static MetricFactory none() {
        return Noop.FACTORY;
    }

    private static final class Noop implements MetricFactory, Metric, TimeMetric, TimeMetric.ExecutionResult {
        static final Noop FACTORY = new Noop();

        @Override
        public Metric generate(String name) {
            return this;
        }

        @Override
        public TimeMetric timer(String name) {
            return this;
        }

        @Override
        public <T> Publisher<T> decoratePublisherWithTimerMetric(String name, Publisher<T> publisher) {
            return publisher;
        }

        @Override
        public <T> Publisher<T> decoratePublisherWithTimerMetricLogP99(String name, Publisher<T> publisher) {
            return publisher;
        }

        @Override
        public void increment() {
        }

        @Override
        public void decrement() {
        }

        @Override
        public void add(int value) {
        }

        @Override
        public void remove(int value) {
        }

        @Override
        public long getCount() {
            return 0;
        }

        @Override
        public String name() {
            return "none";
        }

        @Override
        public ExecutionResult stopAndPublish() {
            return this;
        }

        @Override
        public java.time.Duration elasped() {
            return java.time.Duration.ZERO;
        }

        @Override
        public ExecutionResult logWhenExceedP99(java.time.Duration threshold) {
            return this;
        }
    }
}
