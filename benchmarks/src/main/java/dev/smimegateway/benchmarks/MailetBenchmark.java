package dev.smimegateway.benchmarks;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.apache.mailet.Mailet;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;

import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.smime.SmimeAttributes;
import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.EmbeddedDerby;
import dev.smimegateway.keystore.SmimeKeyStore;
import dev.smimegateway.mailets.SMimeDecrypt;
import dev.smimegateway.mailets.SMimeEncrypt;
import dev.smimegateway.mailets.SMimeSign;
import dev.smimegateway.mailets.SMimeVerify;

/**
 * Part 3, the mailets: SMimeSign, SMimeEncrypt, SMimeDecrypt and SMimeVerify with their default
 * parameters, on the mailet test kit's fake mail and a key store on embedded Derby in a temporary
 * folder, next to the engine operation each one wraps. A mail is parsed from its bytes, serviced, and
 * written out again, as James reads a mail from its spool and writes it to the next: the ratio to the
 * bare engine is what James and the mailet add (key store look-ups, copies of the message).
 */
final class MailetBenchmark {
    private static final char[] MASTER_SECRET = "benchmark-master-secret".toCharArray();

    private record Case(String mailet, EngineOperation engine, String outcome, Mailet instance) {
    }

    private MailetBenchmark() {
    }

    static void run(Settings settings, Fixtures fixtures, EngineBenchmark.Results engine, ResultTable table, PrintStream progress)
        throws Exception {
        Path folder = Files.createTempDirectory("smime-benchmark-mailets");
        try {
            SmimeKeyStore store = keyStore(folder, fixtures);
            List<Case> cases = List.of(
                new Case("SMimeSign", EngineOperation.SIGN_DETACHED, SmimeAttributes.SIGNED, init(new SMimeSign(store))),
                new Case("SMimeEncrypt", EngineOperation.ENCRYPT_CBC, SmimeAttributes.ENCRYPTED, init(new SMimeEncrypt(store))),
                new Case("SMimeDecrypt", EngineOperation.DECRYPT_CBC, SmimeAttributes.DECRYPTED, init(new SMimeDecrypt(store))),
                new Case("SMimeVerify", EngineOperation.VERIFY, SmimeAttributes.VERIFIED, init(new SMimeVerify(store))));
            for (MessageSize size : settings.sizes().stream().filter(MessageSize::small).toList()) {
                byte[] plain = Fixtures.plainMessage(size);
                for (Case mailetCase : cases) {
                    progress.println("mailets: " + size.label() + " " + mailetCase.mailet());
                    byte[] input = mailetCase.engine().input.make(fixtures, plain);
                    requireOutcome(mailetCase, input);
                    Rates rates = Throughput.rates(settings, threads -> Throughput.perSecond(threads, settings.seconds(),
                        () -> () -> process(mailetCase.instance(), input)));
                    Rates bare = engine.of(mailetCase.engine(), size);
                    table.add(new ResultTable.Row("mailets", size.label() + " " + mailetCase.mailet(),
                        EngineBenchmark.mails(size, rates.oneThread()), EngineBenchmark.mails(size, rates.allCores()),
                        ResultTable.percent(Rates.ratio(rates.oneThread(), bare.oneThread())),
                        ResultTable.percent(Rates.ratio(rates.allCores(), bare.allCores())), "engine " + mailetCase.engine().label));
                }
            }
        } finally {
            TemporaryFolders.delete(folder);
        }
    }

    private static SmimeKeyStore keyStore(Path folder, Fixtures fixtures) {
        SmimeKeyStore store = SmimeKeyStore.open(EmbeddedDerby.dataSource(folder.resolve("db")), MASTER_SECRET, Clock.systemUTC());
        store.importPkcs12("alice", fixtures.alice.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), Optional.empty());
        store.importPkcs12("bob", fixtures.bob.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), Optional.empty());
        store.addCertificate("bob-certificate", fixtures.bob.pem().getBytes(StandardCharsets.US_ASCII));
        store.importTrustAnchors(TestPki.pem(fixtures.ca));
        return store;
    }

    private static Mailet init(Mailet mailet) throws Exception {
        mailet.init(FakeMailetConfig.builder().mailetName(mailet.getClass().getSimpleName())
            .mailetContext(FakeMailContext.defaultContext()).build());
        return mailet;
    }

    private static Mail process(Mailet mailet, byte[] input) throws Exception {
        Mail mail = FakeMail.builder().name("benchmark").state("transport").sender(Fixtures.ALICE).recipient(Fixtures.BOB)
            .mimeMessage(MimeEntities.parse(input)).build();
        mailet.service(mail);
        mail.getMessage().writeTo(OutputStream.nullOutputStream());
        return mail;
    }

    /** A mailet that failed on the benchmark mail would be measured on its failure path: refuse that. */
    private static void requireOutcome(Case mailetCase, byte[] input) throws Exception {
        Object value = process(mailetCase.instance(), input).getAttribute(AttributeName.of(mailetCase.outcome()))
            .map(attribute -> attribute.getValue().value()).orElse(null);
        if (!Boolean.TRUE.equals(value)) {
            throw new IllegalStateException(mailetCase.mailet() + " did not succeed on the benchmark mail: "
                + mailetCase.outcome() + " = " + value);
        }
    }
}
