package dev.smimegateway.benchmarks;

import java.io.PrintStream;
import java.security.KeyPair;
import java.security.Provider;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Part 1, the limit: what this machine does natively ({@code openssl speed}) and what the JDK's
 * providers do, on one core and on all; every other figure of the run is compared with these.
 *
 * @param opensslRsaSign RSA-2048 private-key operations per second, also the limit of decryption
 * @param jdkBulk        MB/s of each bulk primitive
 */
record HardwareLimits(Rates opensslRsaSign, Rates opensslRsaVerify, Rates opensslEcdsaSign, Rates opensslEcdsaVerify,
                      Rates jdkRsaSign, Rates jdkRsaVerify, Rates jdkEcdsaSign, Map<Primitive, Rates> jdkBulk) {
    private static final String RSA = "SHA256withRSA";
    private static final String ECDSA = "SHA256withECDSA";

    static HardwareLimits unknown() {
        return new HardwareLimits(Rates.UNKNOWN, Rates.UNKNOWN, Rates.UNKNOWN, Rates.UNKNOWN, Rates.UNKNOWN, Rates.UNKNOWN,
            Rates.UNKNOWN, Map.of());
    }

    Rates bulk(Primitive primitive) {
        return jdkBulk.getOrDefault(primitive, Rates.UNKNOWN);
    }

    static HardwareLimits measure(Settings settings, ResultTable table, PrintStream progress) throws Exception {
        progress.println("limit: openssl speed rsa2048 ecdsap256, 1 core and -multi " + settings.threads());
        Map<String, OpenSslSpeed.SignVerify> one = openssl(settings, 1, progress);
        Map<String, OpenSslSpeed.SignVerify> all = settings.threads() > 1 ? openssl(settings, settings.threads(), progress) : one;
        Rates rsaSign = new Rates(sign(one, "rsa2048"), sign(all, "rsa2048"));
        Rates rsaVerify = new Rates(verify(one, "rsa2048"), verify(all, "rsa2048"));
        Rates ecdsaSign = new Rates(sign(one, "ecdsap256"), sign(all, "ecdsap256"));
        Rates ecdsaVerify = new Rates(verify(one, "ecdsap256"), verify(all, "ecdsap256"));
        table.add(row("openssl speed rsa2048 sign", rsaSign, "/s", Rates.UNKNOWN, ""));
        table.add(row("openssl speed rsa2048 verify", rsaVerify, "/s", Rates.UNKNOWN, ""));
        table.add(row("openssl speed ecdsap256 sign", ecdsaSign, "/s", Rates.UNKNOWN, ""));
        table.add(row("openssl speed ecdsap256 verify", ecdsaVerify, "/s", Rates.UNKNOWN, ""));

        progress.println("limit: the JDK's providers");
        Primitives jdk = primitives(settings, new JdkPrimitives(Optional.empty(), settings.seconds()), "JDK", rsaSign, rsaVerify,
            ecdsaSign, table);
        Optional<Provider> accelerated = AcceleratedProvider.find();
        if (accelerated.isPresent()) {
            progress.println("limit: " + accelerated.get().getName());
            primitives(settings, new JdkPrimitives(accelerated, settings.seconds()), "accelerated", rsaSign, rsaVerify,
                ecdsaSign, table);
        }
        return new HardwareLimits(rsaSign, rsaVerify, ecdsaSign, ecdsaVerify, jdk.rsaSign(), jdk.rsaVerify(), jdk.ecdsaSign(), jdk.bulk());
    }

    private record Primitives(Rates rsaSign, Rates rsaVerify, Rates ecdsaSign, Map<Primitive, Rates> bulk) {
    }

    private static Primitives primitives(Settings settings, JdkPrimitives primitives, String name, Rates opensslRsaSign,
                                         Rates opensslRsaVerify, Rates opensslEcdsaSign, ResultTable table) throws Exception {
        KeyPair rsa = JdkPrimitives.rsa2048();
        KeyPair ec = JdkPrimitives.ecP256();
        Rates rsaSign = Throughput.rates(settings, threads -> primitives.signs(RSA, rsa, threads));
        Rates rsaVerify = Throughput.rates(settings, threads -> primitives.verifies(RSA, rsa, threads));
        Rates ecdsaSign = Throughput.rates(settings, threads -> primitives.signs(ECDSA, ec, threads));
        table.add(row(name + " RSA-2048 sign (" + primitives.providerOf(RSA) + ")", rsaSign, "/s", opensslRsaSign,
            "openssl rsa2048 sign"));
        table.add(row(name + " RSA-2048 verify (" + primitives.providerOf(RSA) + ")", rsaVerify, "/s", opensslRsaVerify,
            "openssl rsa2048 verify"));
        table.add(row(name + " ECDSA P-256 sign (" + primitives.providerOf(ECDSA) + ")", ecdsaSign, "/s", opensslEcdsaSign,
            "openssl ecdsap256 sign"));
        Map<Primitive, Rates> bulk = new EnumMap<>(Primitive.class);
        for (Primitive primitive : Primitive.values()) {
            primitives.warmUp(primitive);
            Rates rates = Throughput.rates(settings, threads -> primitives.megabytesPerSecond(primitive, threads));
            bulk.put(primitive, rates);
            table.add(row(name + " " + primitive.label + ", 1 MiB buffers", rates, "MB/s", Rates.UNKNOWN, ""));
        }
        return new Primitives(rsaSign, rsaVerify, ecdsaSign, bulk);
    }

    private static ResultTable.Row row(String measurement, Rates rates, String unit, Rates reference, String against) {
        return new ResultTable.Row("limit", measurement, ResultTable.rate(rates.oneThread(), unit),
            ResultTable.rate(rates.allCores(), unit),
            ResultTable.percent(Rates.ratio(rates.oneThread(), reference.oneThread())),
            ResultTable.percent(Rates.ratio(rates.allCores(), reference.allCores())), against);
    }

    /** The best of {@link Throughput#ROUNDS} runs of each algorithm, as for every other rate of the run. */
    private static Map<String, OpenSslSpeed.SignVerify> openssl(Settings settings, int processes, PrintStream progress) {
        Map<String, OpenSslSpeed.SignVerify> best = new HashMap<>();
        try {
            for (int round = 0; round < Throughput.ROUNDS; round++) {
                OpenSslSpeed.measure((int) Math.round(settings.seconds() / Throughput.ROUNDS), processes)
                    .forEach((algorithm, rates) -> best.merge(algorithm, rates, (a, b) ->
                        new OpenSslSpeed.SignVerify(Math.max(a.sign(), b.sign()), Math.max(a.verify(), b.verify()))));
            }
        } catch (Exception e) {
            progress.println("openssl speed could not run: " + e.getMessage());
        }
        return best;
    }

    private static double sign(Map<String, OpenSslSpeed.SignVerify> rates, String algorithm) {
        return rates.containsKey(algorithm) ? rates.get(algorithm).sign() : Double.NaN;
    }

    private static double verify(Map<String, OpenSslSpeed.SignVerify> rates, String algorithm) {
        return rates.containsKey(algorithm) ? rates.get(algorithm).verify() : Double.NaN;
    }
}
