package dev.smimegateway.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The targets of issue 9, each with the value measured in this run and PASS or MISS. A target whose
 * inputs were not measured (a part left out, openssl missing) says so instead of passing.
 */
final class Targets {
    private record Target(String name, double measured, double required, boolean atLeast, String unit) {
        String result() {
            if (Double.isNaN(measured)) {
                return "not measured";
            }
            return (atLeast ? measured >= required : measured <= required) ? "PASS" : "MISS";
        }
    }

    private final List<Target> targets = new ArrayList<>();

    /** @param jdkOnly the engine with its private-key operations on the JDK's providers (the engine itself without ACCP) */
    Targets(HardwareLimits limits, EngineBenchmark.Results engine, EngineBenchmark.Results jdkOnly, HeapGrowth.Results memory,
            Rates james, Map<OpenSslCmsPeer.Command, Rates> openssl, EndToEnd endToEnd, int threads) {
        MessageSize small = MessageSize.parse("4k");
        MessageSize large = MessageSize.parse("10m");
        String all = threads + " threads";
        for (boolean allCores : threads > 1 ? new boolean[] {true, false} : new boolean[] {false}) {
            String where = allCores ? all + " vs openssl speed -multi " + threads : "1 thread vs openssl speed (1 core)";
            Rates sign = limits.opensslRsaSign();
            Rates verify = limits.opensslRsaVerify();
            ratio("4 KB sign detached, " + where + " rsa2048 sign", engine.of(EngineOperation.SIGN_DETACHED, small), sign, allCores, 0.75);
            ratio("4 KB decrypt CBC, " + where + " rsa2048 sign", engine.of(EngineOperation.DECRYPT_CBC, small), sign, allCores, 0.75);
            ratio("4 KB decrypt GCM, " + where + " rsa2048 sign", engine.of(EngineOperation.DECRYPT_GCM, small), sign, allCores, 0.75);
            ratio("4 KB sign+encrypt, " + where + " rsa2048 sign", engine.of(EngineOperation.SIGN_ENCRYPT, small), sign, allCores, 0.65);
            ratio("4 KB verify, " + where + " rsa2048 verify", engine.of(EngineOperation.VERIFY, small), verify, allCores, 0.50);
        }
        Rates jdkSign = jdkOnly.of(EngineOperation.SIGN_DETACHED, small);
        ratio("4 KB sign detached, JDK only, 1 thread vs the JDK's raw RSA-2048 sign", jdkSign, limits.jdkRsaSign(), false, 0.85);
        if (threads > 1) {
            ratio("4 KB sign detached, JDK only, " + all + " vs the JDK's raw RSA-2048 sign", jdkSign, limits.jdkRsaSign(), true, 0.85);
        }
        throughput("10 MB sign detached, 1 thread", engine.of(EngineOperation.SIGN_DETACHED, large), large, 800);
        for (EngineOperation operation : List.of(EngineOperation.ENCRYPT_CBC, EngineOperation.ENCRYPT_GCM, EngineOperation.DECRYPT_CBC,
            EngineOperation.DECRYPT_GCM, EngineOperation.VERIFY)) {
            throughput("10 MB " + operation.label + ", 1 thread", engine.of(operation, large), large, 300);
        }
        for (EngineOperation operation : HeapGrowth.OPERATIONS) {
            targets.add(new Target(memory.size().label() + " " + operation.label + ": heap growth, × message size",
                memory.of(operation), 2, false, "×"));
        }
        peer("4 KB sign, 1 thread vs James SMIMESign", engine.of(EngineOperation.SIGN_DETACHED, small).oneThread(), james.oneThread(), 8);
        if (threads > 1) {
            peer("4 KB sign, " + all + " vs James SMIMESign", engine.of(EngineOperation.SIGN_DETACHED, small).allCores(),
                james.allCores(), 8);
        }
        for (OpenSslCmsPeer.Command command : List.of(OpenSslCmsPeer.Command.SIGN, OpenSslCmsPeer.Command.ENCRYPT)) {
            Rates peer = openssl.getOrDefault(command, Rates.UNKNOWN);
            Rates ours = engine.of(command.ours, small);
            peer("4 KB " + command.ours.label + ", 1 thread vs openssl cms " + command.option + " serially", ours.oneThread(),
                peer.oneThread(), 20);
            if (threads > 1) {
                peer("4 KB " + command.ours.label + ", " + all + " vs " + threads + " openssl cms " + command.option + " at once",
                    ours.allCores(), peer.allCores(), 20);
            }
        }
        targets.add(new Target("end to end through James, 4 KB: sign+encrypt policy vs the plain server's mails/s",
            endToEnd.outgoingRatio() * 100, 75, true, "%"));
    }

    private void ratio(String name, Rates measured, Rates reference, boolean allCores, double required) {
        double value = allCores ? measured.allCores() / reference.allCores() : measured.oneThread() / reference.oneThread();
        targets.add(new Target(name, value * 100, required * 100, true, "%"));
    }

    private void throughput(String name, Rates measured, MessageSize size, double megabytesPerSecond) {
        targets.add(new Target(name, size.megabytesPerSecond(measured.oneThread()), megabytesPerSecond, true, "MB/s"));
    }

    private void peer(String name, double ours, double theirs, double times) {
        targets.add(new Target(name, ours / theirs, times, true, "×"));
    }

    void print(PrintStream out) {
        out.println("| target | measured | required | result |");
        out.println("|---|---:|---:|---|");
        for (Target target : targets) {
            out.printf("| %s | %s %s | %s %s %s | %s |%n", target.name(), format(target.measured()), target.unit(),
                target.atLeast() ? "≥" : "≤", format(target.required()), target.unit(), target.result());
        }
    }

    private static String format(double value) {
        return Double.isNaN(value) ? "—" : value >= 100 ? String.format("%,.0f", value) : String.format("%.1f", value);
    }
}
