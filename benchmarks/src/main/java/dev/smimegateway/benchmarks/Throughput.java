package dev.smimegateway.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Operations per second on a fixed pool of threads. Each thread gets its own {@link Operation} (its own
 * parsed input: a {@code MimeMessage} is not safe to read from two threads) and warms up; then the
 * threads run {@link #ROUNDS} rounds, starting each together. A round's rate is all its operations over
 * the span from the first start to the last end, so a 50 MB operation that outlasts the time still
 * counts whole; the result is the best round, since on a shared machine others' work only ever lowers
 * a rate.
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

    static final int ROUNDS = 3;

    private Throughput() {
    }

    /** The measurement on one thread, and on all cores when there are several. */
    static Rates rates(Settings settings, Measurement measurement) throws Exception {
        double one = measurement.at(1);
        return new Rates(one, settings.threads() > 1 ? measurement.at(settings.threads()) : one);
    }

    /** @param seconds the measured time, spread over the rounds */
    static double perSecond(int threads, double seconds, OperationFactory factory) throws Exception {
        List<Operation> operations = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            operations.add(factory.create());
        }
        CyclicBarrier together = new CyclicBarrier(threads);
        long warmupEnd = System.nanoTime() + (long) (seconds * 0.3e9);
        double roundSeconds = seconds / ROUNDS;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<Count>>> counts = new ArrayList<>();
            for (Operation operation : operations) {
                counts.add(pool.submit(() -> run(operation, warmupEnd, roundSeconds, together)));
            }
            List<List<Count>> byThread = new ArrayList<>();
            for (Future<List<Count>> future : counts) {
                byThread.add(future.get());
            }
            double best = 0;
            for (int round = 0; round < ROUNDS; round++) {
                long operationsDone = 0;
                long start = Long.MAX_VALUE;
                long end = Long.MIN_VALUE;
                for (List<Count> thread : byThread) {
                    Count count = thread.get(round);
                    operationsDone += count.operations();
                    start = Math.min(start, count.start());
                    end = Math.max(end, count.end());
                }
                best = Math.max(best, operationsDone / ((end - start) / 1e9));
            }
            return best;
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<Count> run(Operation operation, long warmupEnd, double roundSeconds, CyclicBarrier together) throws Exception {
        do {
            operation.run();
        } while (System.nanoTime() < warmupEnd);
        List<Count> rounds = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            together.await();
            long start = System.nanoTime();
            long end = start + (long) (roundSeconds * 1e9);
            long operations = 0;
            long now;
            do {
                operation.run();
                operations++;
                now = System.nanoTime();
            } while (now < end);
            rounds.add(new Count(operations, start, now));
        }
        return rounds;
    }
}
