package dev.smimegateway.matchers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;

import org.apache.james.core.MailAddress;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMatcherConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.EmbeddedDerby;
import dev.smimegateway.keystore.SmimeKeyStore;

class RecipientCertificateMatchersTest {
    private static final TestPki PKI = TestPki.create("Matcher CA");

    @TempDir
    Path folder;

    @Test
    void splitsRecipientsByWhetherTheyHaveACertificate() throws Exception {
        SmimeKeyStore store = SmimeKeyStore.open(EmbeddedDerby.dataSource(folder.resolve("db")), "matcher-test-secret-1234".toCharArray(),
            Clock.systemUTC());
        store.addCertificate("bob", PKI.leaf("Bob").email("bob@partner.example").issue().pem().getBytes(StandardCharsets.US_ASCII));
        store.addCertificate("gw", PKI.leaf("Gateway").domain("bank.example").issue().pem().getBytes(StandardCharsets.US_ASCII));
        FakeMail mail = FakeMail.builder().name("m").recipients("bob@partner.example", "dave@other.example", "eve@bank.example").build();
        RecipientHasSmimeCertificate has = new RecipientHasSmimeCertificate(store);
        has.init(FakeMatcherConfig.builder().matcherName("RecipientHasSmimeCertificate").build());
        RecipientLacksSmimeCertificate lacks = new RecipientLacksSmimeCertificate(store);
        lacks.init(FakeMatcherConfig.builder().matcherName("RecipientLacksSmimeCertificate").build());

        assertThat(has.match(mail)).containsExactly(new MailAddress("bob@partner.example"), new MailAddress("eve@bank.example"));
        assertThat(lacks.match(mail)).containsExactly(new MailAddress("dave@other.example"));
    }
}
