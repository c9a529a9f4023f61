package dev.smimegateway.mailets;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

import javax.sql.DataSource;

import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.EmbeddedDerby;
import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.mail.internet.MimeMessage;

/** A key store in a test folder, and test messages. */
final class MailetFixtures {
    static final TestPki PKI = TestPki.create("Mailet Test CA");

    private MailetFixtures() {
    }

    static SmimeKeyStore keyStore(Path folder, Clock clock) {
        return SmimeKeyStore.open(EmbeddedDerby.dataSource(folder.resolve("db")), "mailet-test-master-secret".toCharArray(), clock);
    }

    /** A key store on {@code dataSource} that trusts {@link #PKI}. */
    static SmimeKeyStore trustingPki(DataSource dataSource) {
        SmimeKeyStore store = SmimeKeyStore.open(dataSource, "mailet-test-master-secret".toCharArray(), Clock.systemUTC());
        store.importTrustAnchors(TestPki.pem(PKI.caCertificate()));
        return store;
    }

    static TestPki.Issued importIdentity(SmimeKeyStore store, String name, TestPki.Issued issued) {
        store.importPkcs12(name, issued.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), Optional.empty());
        return issued;
    }

    static MimeMessage message(String from, String to, String subject) throws Exception {
        String raw = "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: <m1@example.com>\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + "Grüße aus Berlin\r\n";
        return MimeEntities.parse(raw.getBytes(StandardCharsets.UTF_8));
    }
}
