package dev.smimegateway.benchmarks;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
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
 * @param only            the engine operations measured (names such as {@code sign_detached}); all when empty
 */
record Settings(double seconds, List<MessageSize> sizes, int threads, int memoryMegabytes, Set<Part> parts, Path peerLib,
                Set<EngineOperation> only) {
    enum Part {
        LIMITS, ENGINE, MAILETS, MEMORY, PEERS
    }

    static final String USAGE = """
        java -jar smime-gateway-benchmarks.jar [--seconds=1] [--sizes=4k,100k,10m,50m] [--threads=<cores>]
            [--memory=50] [--parts=limits,engine,mailets,memory,peers] [--peer-lib=<folder beside the jar>/peer-lib]
            [--only=sign_detached,sign_opaque,...] (engine operations, for profiling one of them)""";

    static Settings parse(String... arguments) {
        Settings settings = new Settings(1, List.of(MessageSize.parse("4k"), MessageSize.parse("100k"), MessageSize.parse("10m"),
            MessageSize.parse("50m")), Runtime.getRuntime().availableProcessors(), 50, EnumSet.allOf(Part.class), defaultPeerLib(),
            Set.of());
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
            case "seconds" -> new Settings(Double.parseDouble(value), sizes, threads, memoryMegabytes, parts, peerLib, only);
            case "sizes" -> new Settings(seconds, Arrays.stream(value.split(",")).map(MessageSize::parse).toList(), threads,
                memoryMegabytes, parts, peerLib, only);
            case "threads" -> new Settings(seconds, sizes, Integer.parseInt(value), memoryMegabytes, parts, peerLib, only);
            case "memory" -> new Settings(seconds, sizes, threads, Integer.parseInt(value), parts, peerLib, only);
            case "parts" -> new Settings(seconds, sizes, threads, memoryMegabytes, Arrays.stream(value.split(","))
                .map(part -> Part.valueOf(part.trim().toUpperCase(Locale.ROOT)))
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Part.class))), peerLib, only);
            case "peer-lib" -> new Settings(seconds, sizes, threads, memoryMegabytes, parts, Path.of(value), only);
            case "only" -> new Settings(seconds, sizes, threads, memoryMegabytes, parts, peerLib, Arrays.stream(value.split(","))
                .map(operation -> EngineOperation.valueOf(operation.trim().toUpperCase(Locale.ROOT)))
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(EngineOperation.class))));
            default -> throw new IllegalArgumentException("unknown argument " + argument + "; usage:\n" + USAGE);
        };
    }

    boolean runs(Part part) {
        return parts.contains(part);
    }

    /** The engine operations measured, in table order. */
    List<EngineOperation> operations() {
        return Arrays.stream(EngineOperation.values()).filter(operation -> only.isEmpty() || only.contains(operation)).toList();
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
