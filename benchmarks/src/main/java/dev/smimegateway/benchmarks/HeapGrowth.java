package dev.smimegateway.benchmarks;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Part 5, memory: how much heap one operation on one large message needs beyond holding the message.
 * Measured as James would feel it: the smallest {@code -Xmx} with which a fresh JVM ({@link HeapProbe})
 * completes the operation, minus the smallest with which it only holds the input, found by bisection to
 * an eighth of the message size. Peak-usage counters would count garbage not yet collected; this counts
 * what must be live at once. Each probe is a JVM of its own; as many run at once as the run has threads.
 */
final class HeapGrowth {
    static final List<EngineOperation> OPERATIONS = List.of(EngineOperation.SIGN_DETACHED, EngineOperation.ENCRYPT_CBC,
        EngineOperation.DECRYPT_CBC, EngineOperation.DECRYPT_GCM, EngineOperation.VERIFY, EngineOperation.DECRYPT_VERIFY);

    /** Heap growth of each operation as a multiple of the message size; NaN where it could not be found. */
    record Results(MessageSize size, Map<EngineOperation, Double> multiples) {
        double of(EngineOperation operation) {
            return multiples.getOrDefault(operation, Double.NaN);
        }
    }

    private HeapGrowth() {
    }

    static Results run(Settings settings, Fixtures fixtures, ResultTable table, PrintStream progress) throws Exception {
        MessageSize size = MessageSize.megabytes(settings.memoryMegabytes());
        Path folder = Files.createTempDirectory("smime-benchmark-heap");
        ExecutorService pool = Executors.newFixedThreadPool(settings.threads());
        List<EngineOperation> operations = OPERATIONS.stream().filter(settings::runs).toList();
        try {
            HeapProbe.writeKeys(folder, fixtures);
            byte[] plain = Fixtures.plainMessage(size);
            Map<EngineOperation.Input, Future<Integer>> holding = new EnumMap<>(EngineOperation.Input.class);
            for (EngineOperation operation : operations) {
                if (!holding.containsKey(operation.input)) {
                    Files.write(HeapProbe.input(folder, operation.input), operation.input.make(fixtures, plain));
                    holding.put(operation.input, pool.submit(() -> smallestHeap(folder, operation.input, HeapProbe.HOLD, size)));
                }
            }
            List<Future<Integer>> running = new ArrayList<>();
            for (EngineOperation operation : operations) {
                running.add(pool.submit(() -> smallestHeap(folder, operation.input, operation.name(), size)));
            }
            progress.println("memory: " + (holding.size() + running.size()) + " bisections of -Xmx, " + size.label());
            Map<EngineOperation, Double> multiples = new EnumMap<>(EngineOperation.class);
            for (int i = 0; i < operations.size(); i++) {
                EngineOperation operation = operations.get(i);
                int held = holding.get(operation.input).get();
                int needed = running.get(i).get();
                double growth = needed - held;
                double multiple = growth * 1024 * 1024 / size.bytes();
                multiples.put(operation, multiple);
                table.add(new ResultTable.Row("memory", size.label() + " " + operation.label,
                    String.format("%.0f MB heap growth", growth), "", String.format("%.1f×", multiple), "",
                    "message size (smallest -Xmx running it " + needed + " MB − holding the input " + held + " MB)"));
            }
            return new Results(size, multiples);
        } finally {
            pool.shutdownNow();
            TemporaryFolders.delete(folder);
        }
    }

    /**
     * The smallest -Xmx in MB, to an eighth of the message size, with which the probe completes: more
     * than the input file, at most three times it to hold the input and 24 times the message size to run.
     */
    private static int smallestHeap(Path folder, EngineOperation.Input input, String operation, MessageSize size) throws Exception {
        int inputMegabytes = (int) (Files.size(HeapProbe.input(folder, input)) / (1024 * 1024));
        int step = Math.max(2, size.bytes() / (8 * 1024 * 1024));
        int fails = inputMegabytes;
        int fits = operation.equals(HeapProbe.HOLD) ? 32 + 3 * inputMegabytes : 32 + 24 * size.bytes() / (1024 * 1024);
        boolean confirmed = false;
        while (fits - fails > step) {
            int middle = (fails + fits) / 2;
            if (completes(folder, input, operation, middle)) {
                fits = middle;
                confirmed = true;
            } else {
                fails = middle;
            }
        }
        if (!confirmed && !completes(folder, input, operation, fits)) {
            throw new IllegalStateException(operation + " on " + input + " does not complete even with -Xmx" + fits + "m");
        }
        return fits;
    }

    static boolean completes(Path folder, EngineOperation.Input input, String operation, int heapMegabytes) throws Exception {
        Process process = new ProcessBuilder(HeapProbe.command(folder, input, operation, heapMegabytes))
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return false;
        }
        return process.exitValue() == 0;
    }
}
