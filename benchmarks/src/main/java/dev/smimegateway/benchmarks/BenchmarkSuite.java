package dev.smimegateway.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import dev.smimegateway.benchmarks.Settings.Part;

/**
 * The benchmark suite of issue 9: in one run on one machine, the limit (openssl speed, the JDK's
 * primitives), our engine, the mailets, peak heap, the peers (openssl cms as a process per mail,
 * Apache James's own SMIMESign) and, when {@code benchmark.sh} measured it first, the end-to-end
 * throughput of a real James ({@link EndToEnd}), printed as one Markdown table with ratios, then the targets with PASS or
 * MISS. Progress goes to standard error, the table to standard output. Usage: {@link Settings#USAGE}.
 */
public final class BenchmarkSuite {
    /** Names Jakarta Mail's stream provider, sparing its per-use ServiceLoader look-up (README: James 3.9's JVM options). */
    static final String STREAM_PROVIDER = "jakarta.mail.util.StreamProvider";

    private BenchmarkSuite() {
    }

    /** {@code --jmh [JMH options]} runs {@link Microbenchmarks} under JMH instead of the suite. */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--jmh")) {
            org.openjdk.jmh.Main.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        run(Settings.parse(args), System.out, System.err);
    }

    static void run(Settings settings, PrintStream out, PrintStream progress) throws Exception {
        Instant start = Instant.now();
        String loadBefore = loadAverage();
        Fixtures fixtures = Fixtures.create();
        ResultTable table = new ResultTable(settings.threads());
        HardwareLimits limits = settings.runs(Part.LIMITS) ? HardwareLimits.measure(settings, table, progress) : HardwareLimits.unknown();
        EngineBenchmark.Results engine = settings.runs(Part.ENGINE)
            ? EngineBenchmark.run(settings, fixtures, limits, table, progress) : new EngineBenchmark.Results();
        EngineBenchmark.Results jdkOnly = settings.runs(Part.ENGINE) && JdkOnlyConfiguration.needed()
            ? JdkOnlyConfiguration.run(settings, limits, table, progress) : engine;
        if (settings.runs(Part.MAILETS)) {
            MailetBenchmark.run(settings, fixtures, engine, table, progress);
        }
        HeapGrowth.Results memory = settings.runs(Part.MEMORY) && settings.memoryMegabytes() > 0
            ? HeapGrowth.run(settings, fixtures, table, progress)
            : new HeapGrowth.Results(MessageSize.megabytes(settings.memoryMegabytes()), Map.of());
        Map<OpenSslCmsPeer.Command, Rates> openssl = Map.of();
        Rates james = Rates.UNKNOWN;
        if (settings.runs(Part.PEERS)) {
            openssl = OpenSslCmsPeer.run(settings, fixtures, engine, table, progress);
            james = JamesSignPeer.run(settings, fixtures, engine, table, progress);
        }
        EndToEnd endToEnd = settings.runs(Part.END_TO_END) ? EndToEnd.read(settings.endToEnd()) : EndToEnd.UNKNOWN;
        endToEnd.addTo(table);

        out.printf("S/MIME gateway benchmark suite, %s UTC, %s%n", DateTimeFormatter.ISO_LOCAL_DATE_TIME
            .format(start.atOffset(ZoneOffset.UTC).withNano(0)), machine());
        out.printf("Java %s (%s), %s; RSA-2048 keys, SHA-256; %s s per cell, best of %d rounds; %d threads for \"all cores\"%n",
            System.getProperty("java.version"), System.getProperty("java.vm.name"), opensslVersion(), settings.seconds(), Throughput.ROUNDS,
            settings.threads());
        out.printf("Private-key operations of the engine rows: %s; Jakarta Mail's stream provider %s; load average %s at start, %s at end;"
            + " run took %d s%n%n", configuration(), System.getProperty(STREAM_PROVIDER, "").isBlank()
                ? "looked up through ServiceLoader on each use" : "named by -D" + STREAM_PROVIDER + " (as README advises for James 3.9)",
            loadBefore, loadAverage(), Duration.between(start, Instant.now()).toSeconds());
        table.print(out);
        out.println();
        new Targets(limits, engine, jdkOnly, memory, james, openssl, endToEnd, settings.threads()).print(out);
    }

    private static String configuration() {
        String accelerated = AcceleratedProvider.find().map(provider -> provider.getName() + " on the class path")
            .orElse("no accelerated provider on the class path, so the JDK's providers");
        return accelerated + ", " + JdkOnlyConfiguration.SWITCH + "=" + System.getProperty(JdkOnlyConfiguration.SWITCH, "auto");
    }

    private static String machine() {
        String cpu = "";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(line -> line.startsWith("model name"))
                .findFirst().map(line -> line.substring(line.indexOf(':') + 1).trim() + ", ").orElse("");
        } catch (IOException e) {
            // not Linux: the core count still says something
        }
        return cpu + Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name");
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String opensslVersion() {
        try {
            Process process = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            return new String(process.getInputStream().readAllBytes()).trim();
        } catch (IOException e) {
            return "no openssl";
        }
    }
}
