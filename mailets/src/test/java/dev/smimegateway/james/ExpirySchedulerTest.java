package dev.smimegateway.james;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.james.metrics.api.NoopGaugeRegistry;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.junit.jupiter.api.Test;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.TypeLiteral;
import com.google.inject.matcher.Matchers;
import com.google.inject.spi.TypeEncounter;
import com.google.inject.spi.TypeListener;

import jakarta.annotation.PreDestroy;

class ExpirySchedulerTest {
    @Test
    void aRunThatThrowsDoesNotStopTheNextRuns() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch threeRuns = new CountDownLatch(3);
        ScheduledExecutorService executor = ExpiryScheduler.schedule(() -> {
            threeRuns.countDown();
            if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException("the first run fails");
            }
        }, Duration.ofMillis(1), Duration.ofMillis(5));
        try {
            assertThat(threeRuns.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void theChecksRunOnOneNamedDaemonThread() throws Exception {
        List<Thread> threads = new ArrayList<>();
        CountDownLatch ran = new CountDownLatch(1);
        ScheduledExecutorService executor = ExpiryScheduler.schedule(() -> {
            threads.add(Thread.currentThread());
            ran.countDown();
        }, Duration.ZERO, Duration.ofHours(24));
        try {
            assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(threads.get(0).isDaemon()).isTrue();
            assertThat(threads.get(0).getName()).isEqualTo("smime-expiry-check");
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void stoppingEndsTheThread() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        ScheduledExecutorService executor = ExpiryScheduler.schedule(() -> {
            threads.add(Thread.currentThread());
            started.countDown();
        }, Duration.ZERO, Duration.ofHours(24));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        executor.shutdownNow();

        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        threads.get(0).join(10_000);
        assertThat(threads.get(0).isAlive()).isFalse();
    }

    @Test
    void aTurnedOffCheckSchedulesNothing() {
        ExpiryScheduler scheduler = new ExpiryScheduler(new ExpirySettings(Duration.ofDays(30), Duration.ZERO, false), window -> List.of(),
            new RecordingMetricFactory(), new NoopGaugeRegistry(), () -> null);

        assertThat(scheduler.running()).isFalse();
        scheduler.stop();
    }

    @Test
    void theSchedulerStopsWhenJamesCallsItsPreDestroyMethod() throws Exception {
        ExpiryScheduler scheduler = new ExpiryScheduler(new ExpirySettings(Duration.ofDays(30), Duration.ofHours(24), false),
            window -> List.of(), new RecordingMetricFactory(), new NoopGaugeRegistry(), () -> null);
        assertThat(scheduler.running()).isTrue();

        Method stop = ExpiryScheduler.class.getMethod("stop");
        assertThat(stop.isAnnotationPresent(PreDestroy.class)).isTrue();
        stop.invoke(scheduler);

        assertThat(scheduler.running()).isFalse();
    }

    /**
     * James stops what Guice made and carries a {@code @PreDestroy} method, found by a type listener of
     * James's own injector; the scheduler is made in the child injector of the extensions, which
     * inherits that listener.
     */
    @Test
    void jamesFindsTheStopMethodFromItsOwnInjector() {
        List<Method> found = new ArrayList<>();
        Injector james = Guice.createInjector(new AbstractModule() {
            @Override
            protected void configure() {
                bindListener(Matchers.any(), new TypeListener() {
                    @Override
                    public <I> void hear(TypeLiteral<I> type, TypeEncounter<I> encounter) {
                        for (Method method : type.getRawType().getMethods()) {
                            if (method.isAnnotationPresent(PreDestroy.class)) {
                                found.add(method);
                            }
                        }
                    }
                });
            }
        });
        james.createChildInjector(new AbstractModule() {
            @Override
            protected void configure() {
                bind(Stoppable.class).asEagerSingleton();
            }
        });

        assertThat(found).extracting(Method::getName).containsExactly("stop");
        assertThat(found.get(0).getDeclaringClass()).isEqualTo(Stoppable.class);
    }

    /** Stands for {@link ExpiryScheduler}, whose own collaborators (a key store, James's metrics) are James's. */
    static class Stoppable {
        @PreDestroy
        public void stop() {
        }
    }
}
