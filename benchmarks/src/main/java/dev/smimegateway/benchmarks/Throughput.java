package dev.smimegateway.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Operations per second on a fixed pool of threads. Each thread gets its own {@link Operation} (its own
 * parsed input: a {@code MimeMessage} is not safe to read from two threads), warms up, waits for the
 * others, then runs for the measured time; the rate is all operations over the span from the first
 * start to the last end, so a 50 MB operation that outlasts the time still counts whole.
 */
final class Throughput {
    interface Operation {
        void run() throws Exception;
    }

    interface OperationFactory {
        Operation create() throws Exception;
    }

    /** A rate measured on a given number of threads. */
    interface Measurement {
        double at(int threads) throws Exception;
    }

    private record Count(long operations, long start, long end) {
    }

    private Throughput() {
    }

    /** The measurement on one thread, and on all cores when there are several. */
    static Rates rates(Settings settings, Measurement measurement) throws Exception {
        double one = measurement.at(1);
        return new Rates(one, settings.threads() > 1 ? measurement.at(settings.threads()) : one);
    }

    static double perSecond(int threads, double seconds, OperationFactory factory) throws Exception {
        List<Operation> operations = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            operations.add(factory.create());
        }
        CyclicBarrier warmedUp = new CyclicBarrier(threads);
        long warmupEnd = System.nanoTime() + (long) (seconds * 0.3e9);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Count>> counts = new ArrayList<>();
            for (Operation operation : operations) {
                counts.add(pool.submit(() -> run(operation, warmupEnd, seconds, warmedUp)));
            }
            long operationsDone = 0;
            long start = Long.MAX_VALUE;
            long end = Long.MIN_VALUE;
            for (Future<Count> future : counts) {
                Count count = future.get();
                operationsDone += count.operations();
                start = Math.min(start, count.start());
                end = Math.max(end, count.end());
            }
            return operationsDone / ((end - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static Count run(Operation operation, long warmupEnd, double seconds, CyclicBarrier warmedUp) throws Exception {
        do {
            operation.run();
        } while (System.nanoTime() < warmupEnd);
        warmedUp.await();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long operations = 0;
        long now;
        do {
            operation.run();
            operations++;
            now = System.nanoTime();
        } while (now < end);
        return new Count(operations, start, now);
    }
}
