package dev.smimegateway.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The second configuration of the table: the engine with every private-key operation on the JDK's own
 * providers, which is where the "JDK only" target is measured. Core chooses its provider once
 * per JVM from the system property {@value #SWITCH} ({@code auto}: the accelerated provider when it
 * loads; {@code jdk}), so this configuration runs in a JVM of its own, and only when the accelerated
 * provider is on the class path: without it the engine rows are this configuration already. Messages
 * up to 100 KB only: beyond, the bytes and not the key decide.
 */
public final class JdkOnlyConfiguration {
    /** Core's switch (PrivateKeyOperations.SWITCH on the branch that routes to the accelerated provider). */
    static final String SWITCH = "smime.gateway.crypto";
    private static final String RESULT = "RESULT";

    private JdkOnlyConfiguration() {
    }

    static boolean needed() {
        return AcceleratedProvider.find().isPresent() && !"jdk".equals(System.getProperty(SWITCH));
    }

    /** Measures the small engine cells in a JVM with {@code -Dsmime.gateway.crypto=jdk} and adds their rows. */
    static EngineBenchmark.Results run(Settings settings, HardwareLimits limits, ResultTable table, PrintStream progress)
        throws Exception {
        List<MessageSize> sizes = settings.sizes().stream().filter(MessageSize::small).toList();
        EngineBenchmark.Results results = new EngineBenchmark.Results();
        if (sizes.isEmpty()) {
            return results;
        }
        progress.println("engine, JDK only: in a JVM of its own with -D" + SWITCH + "=jdk");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-D" + SWITCH + "=jdk"));
        String streamProvider = System.getProperty(BenchmarkSuite.STREAM_PROVIDER, "");
        if (!streamProvider.isBlank()) {
            command.add("-D" + BenchmarkSuite.STREAM_PROVIDER + "=" + streamProvider);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), JdkOnlyConfiguration.class.getName(),
            String.valueOf(settings.seconds()), String.valueOf(settings.threads()),
            sizes.stream().map(size -> size.bytes() / 1024 + "k").collect(Collectors.joining(",")), "--only=" + String.join(",", settings.only())));
        Process child = new ProcessBuilder(command).start();
        Thread childProgress = new Thread(() -> child.errorReader().lines().forEach(line -> progress.println("(JDK only) " + line)));
        childProgress.start();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                String[] fields = line.split(" ");
                if (fields[0].equals(RESULT)) {
                    results.put(EngineOperation.valueOf(fields[1]), MessageSize.parse(fields[2]),
                        new Rates(Double.parseDouble(fields[3]), Double.parseDouble(fields[4])));
                }
            }
        }
        childProgress.join();
        if (!child.waitFor(30, TimeUnit.MINUTES) || child.exitValue() != 0) {
            throw new IllegalStateException("the JDK-only engine run failed");
        }
        for (MessageSize size : sizes) {
            for (EngineOperation operation : EngineOperation.values()) {
                if (!settings.runs(operation)) {
                    continue;
                }
                Rates rates = results.of(operation, size);
                Rates raw = operation.privateKey ? limits.jdkRsaSign() : limits.jdkRsaVerify();
                table.add(new ResultTable.Row("engine, JDK only", size.label() + " " + operation.label,
                    EngineBenchmark.mails(size, rates.oneThread()), EngineBenchmark.mails(size, rates.allCores()),
                    ResultTable.percent(Rates.ratio(rates.oneThread(), raw.oneThread())),
                    ResultTable.percent(Rates.ratio(rates.allCores(), raw.allCores())),
                    operation.privateKey ? "JDK RSA-2048 sign/s" : "JDK RSA-2048 verify/s"));
            }
        }
        return results;
    }

    /** The child: {@code <seconds> <threads> <sizes> --only=<words>}; prints a RESULT line per operation and size, progress on stderr. */
    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse("--seconds=" + args[0], "--threads=" + args[1], "--sizes=" + args[2], "--parts=engine",
            args.length > 3 ? args[3] : "--only=");
        EngineBenchmark.Results results = EngineBenchmark.run(settings, Fixtures.create(), HardwareLimits.unknown(),
            new ResultTable(settings.threads()), System.err);
        for (MessageSize size : settings.sizes()) {
            for (EngineOperation operation : EngineOperation.values()) {
                Rates rates = results.of(operation, size);
                System.out.printf(Locale.ROOT, "%s %s %dk %f %f%n", RESULT, operation.name(), size.bytes() / 1024, rates.oneThread(),
                    rates.allCores());
            }
        }
    }
}
