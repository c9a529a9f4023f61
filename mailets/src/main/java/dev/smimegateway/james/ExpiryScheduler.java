package dev.smimegateway.james;

import java.io.FileNotFoundException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.metrics.api.GaugeRegistry;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.utils.PropertiesProvider;
import org.apache.mailet.MailetContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.keystore.ExpiringEntry;
import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Provider;

/**
 * Runs the {@link ExpiryCheck} a minute after James starts, then every {@code expiry.checkIntervalHours}
 * (see {@link ExpirySettings}), on one daemon thread named {@code smime-expiry-check}. A run that
 * fails is logged and the next one still happens. James stops the thread when it stops (the
 * {@code @PreDestroy} method; the thread being a daemon, it never keeps a JVM alive either).
 * Created once by {@link SmimeGatewayModule}.
 */
public class ExpiryScheduler {
    static final Duration FIRST_RUN = Duration.ofMinutes(1);
    static final String THREAD_NAME = "smime-expiry-check";
    private static final Logger LOGGER = LoggerFactory.getLogger(ExpiryScheduler.class);

    private final Optional<ScheduledExecutorService> executor;

    @Inject
    public ExpiryScheduler(SmimeKeyStore store, PropertiesProvider properties, MetricFactory metrics, GaugeRegistry gauges,
                           Provider<MailetContext> mailetContext) {
        this(settings(properties), store::expiringWithin, metrics, gauges, mailetContext);
    }

    ExpiryScheduler(ExpirySettings settings, Function<Duration, List<ExpiringEntry>> store, MetricFactory metrics, GaugeRegistry gauges,
                    Provider<MailetContext> mailetContext) {
        if (!settings.checking()) {
            LOGGER.info("S/MIME expiry check turned off ({}=0)", ExpirySettings.CHECK_INTERVAL_HOURS);
            this.executor = Optional.empty();
            return;
        }
        ExpiryCheck check = new ExpiryCheck(store, Clock.systemUTC(), settings.warningWindow(), metrics, gauges, ExpiryCheck.slf4j(),
            settings.notifyPostmaster() ? Optional.of(new MailetContextPostmaster(mailetContext)) : Optional.empty());
        this.executor = Optional.of(schedule(check, FIRST_RUN, settings.checkInterval()));
        LOGGER.info("S/MIME expiry check: entries expiring within {} days are logged every {} hours{}", settings.warningWindow().toDays(),
            settings.checkInterval().toHours(), settings.notifyPostmaster() ? " and mailed to the postmaster" : "");
    }

    /**
     * Runs {@code check} after {@code first}, then {@code interval} after each run ends, on one daemon
     * thread. Whatever a run throws is logged: an exception would otherwise cancel every later run.
     */
    static ScheduledExecutorService schedule(Runnable check, Duration first, Duration interval) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, THREAD_NAME);
            thread.setDaemon(true);
            return thread;
        });
        executor.scheduleWithFixedDelay(() -> {
            try {
                check.run();
            } catch (RuntimeException e) {
                LOGGER.error("S/MIME expiry check failed, the next run will try again", e);
            }
        }, first.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return executor;
    }

    /** Stops the schedule; a run under way is interrupted. */
    @PreDestroy
    public void stop() {
        if (running()) {
            executor.get().shutdownNow();
            LOGGER.info("S/MIME expiry check stopped");
        }
    }

    /** Whether checks are scheduled. */
    boolean running() {
        return executor.isPresent() && !executor.get().isShutdown();
    }

    private static ExpirySettings settings(PropertiesProvider properties) {
        try {
            return ExpirySettings.from(properties.getConfiguration("smime"));
        } catch (FileNotFoundException | ConfigurationException e) {
            throw new IllegalStateException("conf/smime.properties cannot be read for the S/MIME expiry check: " + e.getMessage(), e);
        }
    }
}
