package dev.smimegateway.benchmarks;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.smimegateway.core.testing.OpenSsl;

/**
 * Part 6, the shell-out peer: {@code openssl cms} run as one process per 4 KB message, serially and
 * as many at once as the run has threads, what a gateway that shells out to openssl does. The same
 * keys as our engine's; what it verifies and decrypts, openssl made itself.
 */
final class OpenSslCmsPeer {
    enum Command {
        SIGN("-sign", EngineOperation.SIGN_DETACHED, "-in", "message.eml", "-signer", "alice.pem", "-inkey", "alice.key"),
        ENCRYPT("-encrypt", EngineOperation.ENCRYPT_CBC, "-aes256", "-in", "message.eml", "bob.pem"),
        DECRYPT("-decrypt", EngineOperation.DECRYPT_CBC, "-in", "encrypted.eml", "-recip", "bob.pem", "-inkey", "bob.key"),
        VERIFY("-verify", EngineOperation.VERIFY, "-in", "signed.eml", "-CAfile", "ca.pem");

        final String option;
        final EngineOperation ours;
        private final List<String> arguments;

        Command(String option, EngineOperation ours, String... arguments) {
            this.option = option;
            this.ours = ours;
            this.arguments = List.of(arguments);
        }

        String[] arguments(String output) {
            // the recipient certificate of -encrypt comes last
            List<String> all = new ArrayList<>(List.of("cms", option, "-out", output));
            all.addAll(arguments);
            return all.toArray(String[]::new);
        }
    }

    private OpenSslCmsPeer() {
    }

    static Map<Command, Rates> run(Settings settings, Fixtures fixtures, EngineBenchmark.Results engine, ResultTable table,
                                   PrintStream progress) throws Exception {
        MessageSize size = MessageSize.parse("4k");
        Path folder = Files.createTempDirectory("smime-benchmark-openssl");
        Map<Command, Rates> results = new EnumMap<>(Command.class);
        try {
            OpenSsl openssl = new OpenSsl(folder);
            openssl.write("message.eml", Fixtures.plainMessage(size));
            openssl.writePem("alice.pem", fixtures.alice.certificate());
            openssl.writeKey("alice.key", fixtures.alice.privateKey());
            openssl.writePem("bob.pem", fixtures.bob.certificate());
            openssl.writeKey("bob.key", fixtures.bob.privateKey());
            openssl.writePem("ca.pem", fixtures.ca);
            require(openssl.run(Command.SIGN.arguments("signed.eml")), Command.SIGN);
            require(openssl.run(Command.ENCRYPT.arguments("encrypted.eml")), Command.ENCRYPT);
            AtomicInteger processes = new AtomicInteger();
            for (Command command : Command.values()) {
                progress.println("peers: openssl cms " + command.option);
                Rates rates = Throughput.rates(settings, threads -> Throughput.perSecond(threads, settings.seconds(), () -> {
                    String[] arguments = command.arguments("out-" + processes.incrementAndGet() + ".eml");
                    return () -> require(openssl.run(arguments), command);
                }));
                results.put(command, rates);
                Rates ours = engine.of(command.ours, size);
                table.add(new ResultTable.Row("peers", size.label() + " openssl cms " + command.option + ", a process per mail",
                    ResultTable.rate(rates.oneThread(), "mails/s"), ResultTable.rate(rates.allCores(), "mails/s"),
                    ResultTable.times(Rates.ratio(ours.oneThread(), rates.oneThread())),
                    ResultTable.times(Rates.ratio(ours.allCores(), rates.allCores())),
                    "ours (engine " + command.ours.label + ") ÷ openssl; " + settings.threads() + " threads: as many processes at once"));
            }
        } finally {
            TemporaryFolders.delete(folder);
        }
        return results;
    }

    private static void require(OpenSsl.Result result, Command command) {
        if (result.exitCode() != 0) {
            throw new IllegalStateException("openssl cms " + command.option + " failed: " + result.output());
        }
    }
}
