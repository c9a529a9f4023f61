package dev.smimegateway.benchmarks;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one run measures and for how long, from arguments such as {@code --seconds=2 --sizes=4k,10m}.
 *
 * @param seconds         time measured per cell, after a warm-up of 30% of it, in three rounds of which the
 *                        best counts; each round runs at least one operation per thread, so 50 MB cells run few
 * @param threads         the "all cores" column: a fixed pool of this many threads
 * @param memoryMegabytes the message size of the peak heap part
 * @param peerLib         the class path folder of Apache James's own SMIMESign (apache-mailet-crypto 3.0.0)
 * @param endToEnd        the figures james-it's EndToEndThroughput wrote, when it ran before (benchmark.sh runs it)
 * @param only            engine and memory operations measured: those whose name or label contains one of these
 *                        (ignoring case); empty for all
 */
record Settings(double seconds, List<MessageSize> sizes, int threads, int memoryMegabytes, Set<Part> parts, Path peerLib,
                Optional<Path> endToEnd, List<String> only) {
    enum Part {
        LIMITS, ENGINE, MAILETS, MEMORY, PEERS,
        /** The figures of {@code --end-to-end}, measured by james-it before the suite runs (benchmark.sh). */
        END_TO_END
    }

    static final String USAGE = """
        java -jar smime-gateway-benchmarks.jar [--seconds=1] [--sizes=4k,100k,10m,50m] [--threads=<cores>]
            [--memory=50] [--parts=limits,engine,mailets,memory,peers,end-to-end] [--peer-lib=<folder beside the jar>/peer-lib]
            [--end-to-end=<the properties file james-it's EndToEndThroughput wrote>]
            [--only=<operation>,...] (engine and memory operations whose name or label contains one, e.g. decrypt)""";

    static Settings parse(String... arguments) {
        Settings settings = new Settings(1, List.of(MessageSize.parse("4k"), MessageSize.parse("100k"), MessageSize.parse("10m"),
            MessageSize.parse("50m")), Runtime.getRuntime().availableProcessors(), 50, EnumSet.allOf(Part.class), defaultPeerLib(),
            Optional.empty(), List.of());
        for (String argument : arguments) {
            settings = settings.with(argument);
        }
        return settings;
    }

    private Settings with(String argument) {
        int equals = argument.indexOf('=');
        if (!argument.startsWith("--") || equals < 0) {
            throw new IllegalArgumentException("unknown argument " + argument + "; usage:\n" + USAGE);
        }
        String value = argument.substring(equals + 1);
        return switch (argument.substring(2, equals)) {
            case "seconds" -> new Settings(Double.parseDouble(value), sizes, threads, memoryMegabytes, parts, peerLib, endToEnd, only);
            case "sizes" -> new Settings(seconds, Arrays.stream(value.split(",")).map(MessageSize::parse).toList(), threads,
                memoryMegabytes, parts, peerLib, endToEnd, only);
            case "threads" -> new Settings(seconds, sizes, Integer.parseInt(value), memoryMegabytes, parts, peerLib, endToEnd, only);
            case "memory" -> new Settings(seconds, sizes, threads, Integer.parseInt(value), parts, peerLib, endToEnd, only);
            case "parts" -> new Settings(seconds, sizes, threads, memoryMegabytes, Arrays.stream(value.split(","))
                .map(part -> Part.valueOf(part.trim().toUpperCase(Locale.ROOT).replace('-', '_')))
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Part.class))), peerLib, endToEnd, only);
            case "peer-lib" -> new Settings(seconds, sizes, threads, memoryMegabytes, parts, Path.of(value), endToEnd, only);
            case "end-to-end" -> new Settings(seconds, sizes, threads, memoryMegabytes, parts, peerLib, Optional.of(Path.of(value)), only);
            case "only" -> new Settings(seconds, sizes, threads, memoryMegabytes, parts, peerLib, endToEnd,
                Arrays.stream(value.split(",")).map(name -> name.trim().toLowerCase(Locale.ROOT)).filter(name -> !name.isEmpty()).toList());
            default -> throw new IllegalArgumentException("unknown argument " + argument + "; usage:\n" + USAGE);
        };
    }

    boolean runs(Part part) {
        return parts.contains(part);
    }

    /** Whether {@code --only} lets this engine operation run. */
    boolean runs(EngineOperation operation) {
        return only.isEmpty() || only.stream().anyMatch(name -> operation.name().toLowerCase(Locale.ROOT).contains(name)
            || operation.label.toLowerCase(Locale.ROOT).contains(name));
    }

    /** {@code peer-lib} beside the jar (or the classes folder) this class was loaded from: benchmarks/target/peer-lib. */
    private static Path defaultPeerLib() {
        try {
            Path location = Path.of(Settings.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return location.getParent().resolve("peer-lib");
        } catch (Exception e) {
            return Path.of("benchmarks", "target", "peer-lib");
        }
    }
}
