package dev.smimegateway.benchmarks;

import java.io.PrintStream;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

import dev.smimegateway.core.smime.MimeEntities;
import jakarta.mail.internet.MimeMessage;

/**
 * Part 2, our engine: every {@link EngineOperation} on every message size, on one thread and on all
 * cores, in mails/s and MB/s, compared with the limit (openssl's RSA rates for small messages, the JDK's
 * bulk primitives for large ones).
 */
final class EngineBenchmark {
    /** Mails per second of each operation and size. */
    static final class Results {
        private final Map<String, Rates> rates = new HashMap<>();

        Rates of(EngineOperation operation, MessageSize size) {
            return rates.getOrDefault(key(operation, size), Rates.UNKNOWN);
        }

        void put(EngineOperation operation, MessageSize size, Rates value) {
            rates.put(key(operation, size), value);
        }

        private static String key(EngineOperation operation, MessageSize size) {
            return operation.name() + "/" + size.bytes();
        }
    }

    private EngineBenchmark() {
    }

    static Results run(Settings settings, Fixtures fixtures, HardwareLimits limits, ResultTable table, PrintStream progress)
        throws Exception {
        Results results = new Results();
        warmUp(settings, fixtures, progress);
        for (MessageSize size : settings.sizes()) {
            byte[] plain = Fixtures.plainMessage(size);
            Map<EngineOperation.Input, byte[]> inputs = new EnumMap<>(EngineOperation.Input.class);
            for (EngineOperation operation : EngineOperation.values()) {
                if (!settings.runs(operation)) {
                    continue;
                }
                progress.println("engine: " + size.label() + " " + operation.label);
                byte[] input = inputs.computeIfAbsent(operation.input, kind -> make(kind, fixtures, plain));
                Rates rates = Throughput.rates(settings, threads -> Throughput.perSecond(threads, settings.seconds(), () -> {
                    MimeMessage message = MimeEntities.parse(input);
                    return () -> operation.apply(fixtures, message);
                }));
                results.put(operation, size, rates);
                table.add(row(operation, size, rates, limits));
            }
        }
        return results;
    }

    /** Compiles the MIME and CMS code paths before the first cell, which would otherwise pay for it. */
    private static void warmUp(Settings settings, Fixtures fixtures, PrintStream progress) throws Exception {
        progress.println("engine: warming up");
        byte[] plain = Fixtures.plainMessage(MessageSize.parse("4k"));
        for (EngineOperation operation : EngineOperation.values()) {
            if (!settings.runs(operation)) {
                continue;
            }
            MimeMessage message = MimeEntities.parse(operation.input.make(fixtures, plain));
            Throughput.perSecond(1, settings.seconds() / 2, () -> () -> operation.apply(fixtures, message));
        }
    }

    private static byte[] make(EngineOperation.Input kind, Fixtures fixtures, byte[] plain) {
        try {
            return kind.make(fixtures, plain);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the " + kind + " input: " + e.getMessage(), e);
        }
    }

    private static ResultTable.Row row(EngineOperation operation, MessageSize size, Rates rates, HardwareLimits limits) {
        String measurement = size.label() + " " + operation.label;
        if (size.small()) {
            Rates limit = operation.privateKey ? limits.opensslRsaSign() : limits.opensslRsaVerify();
            return new ResultTable.Row("engine", measurement, mails(size, rates.oneThread()), mails(size, rates.allCores()),
                ResultTable.percent(Rates.ratio(rates.oneThread(), limit.oneThread())),
                ResultTable.percent(Rates.ratio(rates.allCores(), limit.allCores())),
                operation.privateKey ? "openssl rsa2048 sign/s" : "openssl rsa2048 verify/s");
        }
        Rates limit = operation.bulkLimit(limits);
        return new ResultTable.Row("engine", measurement, mails(size, rates.oneThread()), mails(size, rates.allCores()),
            ResultTable.percent(Rates.ratio(size.megabytesPerSecond(rates.oneThread()), limit.oneThread())),
            ResultTable.percent(Rates.ratio(size.megabytesPerSecond(rates.allCores()), limit.allCores())),
            operation.bulkLabel() + " MB/s");
    }

    static String mails(MessageSize size, double perSecond) {
        return ResultTable.rate(perSecond, "mails/s") + " · " + ResultTable.rate(size.megabytesPerSecond(perSecond), "MB/s");
    }
}
