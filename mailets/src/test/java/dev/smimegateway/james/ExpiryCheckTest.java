package dev.smimegateway.james;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.apache.james.core.MailAddress;
import org.apache.james.metrics.api.Gauge;
import org.apache.james.metrics.api.GaugeRegistry;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.mailet.base.test.FakeMailContext;
import org.junit.jupiter.api.Test;

import dev.smimegateway.keystore.ExpiringEntry;
import dev.smimegateway.keystore.ExpiringEntry.Kind;
import dev.smimegateway.keystore.KeyStoreFailureException;

/** One run of the expiry check, on a fixed clock, with the store's answer given. */
class ExpiryCheckTest {
    private static final Instant NOW = Instant.parse("2027-01-02T08:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final Duration THIRTY_DAYS = Duration.ofDays(30);

    private static final ExpiringEntry SIGNER_SOON = new ExpiringEntry(Kind.IDENTITY, "org", "aa", "CN=Sales", List.of("sales@example.com"),
        NOW.plus(Duration.ofDays(12)), false, true);
    private static final ExpiringEntry SIGNER_EXPIRED = new ExpiringEntry(Kind.IDENTITY, "org-old", "bb", "CN=Sales",
        List.of("sales@example.com"), NOW.minus(Duration.ofDays(2)), true, true);
    private static final ExpiringEntry SPARE_EXPIRED = new ExpiringEntry(Kind.IDENTITY, "spare", "cc", "CN=Spare", List.of("spare@example.com"),
        NOW.minus(Duration.ofDays(1)), true, false);
    private static final ExpiringEntry PARTNER = new ExpiringEntry(Kind.CERTIFICATE, "bob", "dd", "CN=Bob", List.of("bob@partner.example"),
        NOW.plus(Duration.ofDays(20)), false, false);
    private static final ExpiringEntry ANCHOR = new ExpiringEntry(Kind.TRUST_ANCHOR, "CN=Partner Root", "ee", "CN=Partner Root", List.of(),
        NOW.plus(Duration.ofDays(1)), false, false);
    private static final ExpiringEntry CRL = new ExpiringEntry(Kind.CRL, "CN=Partner Root", "ff", "CN=Partner Root", List.of(),
        NOW.minus(Duration.ofDays(3)), true, false);

    private final RecordingMetricFactory metrics = new RecordingMetricFactory();
    private final Gauges gauges = new Gauges();
    private final Lines log = new Lines();
    private final FakeMailContext mailetContext = FakeMailContext.builder().postmaster(postmaster()).build();

    /** The gauges registered, read as a metrics reporter would. */
    private static final class Gauges implements GaugeRegistry {
        private final Map<String, Gauge<?>> registered = new HashMap<>();

        @Override
        public <T> GaugeRegistry register(String name, Gauge<T> gauge) {
            registered.put(name, gauge);
            return this;
        }

        @Override
        public <T> SettableGauge<T> settableGauge(String name) {
            throw new UnsupportedOperationException();
        }

        Object value(String name) {
            return registered.get(name).get();
        }
    }

    /** The log lines, with their level. */
    private static final class Lines implements ExpiryCheck.Log {
        final List<String> lines = new ArrayList<>();

        @Override
        public void info(String line) {
            lines.add("INFO " + line);
        }

        @Override
        public void warn(String line) {
            lines.add("WARN " + line);
        }

        @Override
        public void error(String line, Throwable cause) {
            lines.add("ERROR " + line + " [" + cause.getClass().getSimpleName() + "]");
        }

        @Override
        public void error(String line) {
            lines.add("ERROR " + line);
        }

        List<String> at(String level) {
            return lines.stream().filter(line -> line.startsWith(level + " ")).toList();
        }
    }

    private static MailAddress postmaster() {
        try {
            return new MailAddress("postmaster@example.com");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private ExpiryCheck check(Function<Duration, List<ExpiringEntry>> store, boolean notifyPostmaster) {
        return new ExpiryCheck(store, CLOCK, THIRTY_DAYS, metrics, gauges, log,
            notifyPostmaster ? Optional.of(new MailetContextPostmaster(() -> mailetContext)) : Optional.empty());
    }

    private ExpiryCheck check(List<ExpiringEntry> entries) {
        return check(window -> entries, false);
    }

    @Test
    void asksTheStoreForTheConfiguredWindow() {
        List<Duration> asked = new ArrayList<>();

        check(window -> {
            asked.add(window);
            return List.of();
        }, false).run();

        assertThat(asked).containsExactly(THIRTY_DAYS);
    }

    @Test
    void eachEntryIsOneWarnLineSayingWhatExpiresWhenAndWhereToLook() {
        check(List.of(ANCHOR, SIGNER_SOON, PARTNER)).run();

        assertThat(log.at("WARN")).containsExactly(
            "WARN S/MIME trust anchor 'CN=Partner Root' expires in 1 day, on 2027-01-03T08:00:00Z; see /smime/trust-anchors/ee",
            "WARN S/MIME identity 'org' (sales@example.com) expires in 12 days, on 2027-01-14T08:00:00Z: renew it before mail from "
                + "sales@example.com bounces or goes unsigned; see /smime/identities/org",
            "WARN S/MIME certificate 'bob' (bob@partner.example) expires in 20 days, on 2027-01-22T08:00:00Z; see /smime/certificates/bob");
        assertThat(log.at("ERROR")).isEmpty();
    }

    @Test
    void anExpiredActiveSigningIdentityIsAnErrorSayingMailWillBounceOrGoUnsigned() {
        check(List.of(SIGNER_EXPIRED, SPARE_EXPIRED)).run();

        assertThat(log.at("ERROR")).containsExactly("ERROR S/MIME identity 'org-old' (sales@example.com) EXPIRED 2 days ago, on "
            + "2026-12-31T08:00:00Z: mail from sales@example.com will bounce or go unsigned until it is renewed; see /smime/identities/org-old");
        assertThat(log.at("WARN")).as("an inactive identity signs nothing").containsExactly(
            "WARN S/MIME identity 'spare' (spare@example.com) EXPIRED 1 day ago, on 2027-01-01T08:00:00Z; see /smime/identities/spare");
    }

    @Test
    void anOverdueCrlSaysToImportTheNewerOne() {
        check(List.of(CRL)).run();

        assertThat(log.at("WARN")).containsExactly("WARN S/MIME CRL 'CN=Partner Root' is OVERDUE since 3 days ago, on 2026-12-30T08:00:00Z: "
            + "import the issuer's newer CRL; see /smime/crls/ff");
    }

    @Test
    void aRunIsSummedUpAtInfo() {
        check(List.of(SIGNER_EXPIRED, PARTNER)).run();
        check(List.of()).run();

        assertThat(log.at("INFO")).containsExactly(
            "INFO S/MIME expiry check: 2 keys or certificates expire within 30 days (1 already expired)",
            "INFO S/MIME expiry check: nothing expires within 30 days");
    }

    @Test
    void eachRunLogsEachEntryOnce() {
        ExpiryCheck check = check(List.of(PARTNER));

        check.run();
        check.run();

        assertThat(log.at("WARN")).hasSize(2);
        assertThat(metrics.countFor(ExpiryCheck.CHECKS)).isEqualTo(2);
    }

    @Test
    void theGaugesCountWhatTheLastRunFoundByKind() {
        check(List.of(SIGNER_SOON, SIGNER_EXPIRED, SPARE_EXPIRED, PARTNER, ANCHOR, CRL)).run();

        assertThat(gauges.value("smime.expiring.identities")).isEqualTo(3L);
        assertThat(gauges.value("smime.expiring.certificates")).isEqualTo(1L);
        assertThat(gauges.value("smime.expiring.harvested")).isEqualTo(0L);
        assertThat(gauges.value("smime.expiring.trustAnchors")).isEqualTo(1L);
        assertThat(gauges.value("smime.expiring.intermediates")).isEqualTo(0L);
        assertThat(gauges.value("smime.expiring.crls")).isEqualTo(1L);
        assertThat(gauges.value("smime.expired.identities")).isEqualTo(2L);
        assertThat(gauges.value("smime.expired.activeIdentities")).isEqualTo(1L);
        assertThat(metrics.countFor("smime.expiry.checks")).isEqualTo(1);
        assertThat(metrics.countFor("smime.expiry.checkFailures")).isZero();
    }

    @Test
    void beforeTheFirstRunTheGaugesReadZero() {
        check(List.of(PARTNER));

        assertThat(gauges.value("smime.expiring.certificates")).isEqualTo(0L);
    }

    @Test
    void aStoreFailureIsLoggedAndCountedAndTheGaugesKeepTheLastFigures() {
        List<List<ExpiringEntry>> answers = new ArrayList<>(List.of(List.of(PARTNER)));
        ExpiryCheck check = check(window -> {
            if (answers.isEmpty()) {
                throw new KeyStoreFailureException("key store database error: Connection refused", new java.sql.SQLException());
            }
            return answers.remove(0);
        }, true);
        check.run();

        check.run();

        assertThat(log.at("ERROR")).containsExactly("ERROR S/MIME expiry check failed, the next run will try again: "
            + "key store database error: Connection refused [KeyStoreFailureException]");
        assertThat(metrics.countFor("smime.expiry.checkFailures")).isEqualTo(1);
        assertThat(metrics.countFor("smime.expiry.checks")).isEqualTo(1);
        assertThat(gauges.value("smime.expiring.certificates")).isEqualTo(1L);
        assertThat(mailetContext.getSentMails()).as("only the run that succeeded mails").hasSize(1);
    }

    @Test
    void thePostmasterGetsOnePlainTextMailPerRunListingTheEntries() throws Exception {
        check(window -> List.of(SIGNER_EXPIRED, PARTNER), true).run();

        assertThat(mailetContext.getSentMails()).hasSize(1);
        FakeMailContext.SentMail mail = mailetContext.getSentMails().get(0);
        assertThat(mail.getSender()).isEqualTo(postmaster());
        assertThat(mail.getRecipients()).containsExactly(postmaster());
        jakarta.mail.internet.MimeMessage message = mail.getMsg();
        assertThat(message.getSubject()).isEqualTo("S/MIME expiry check: 2 keys or certificates expire within 30 days (1 already expired)");
        assertThat(message.getHeader("Auto-Submitted", null)).isEqualTo("auto-generated");
        assertThat(message.getHeader("To", null)).isEqualTo("postmaster@example.com");
        assertThat(message.getContentType()).startsWith("text/plain");
        assertThat((String) message.getContent()).isEqualTo("""
            The S/MIME gateway checked its key store at 2027-01-02T08:00:00Z.

            - S/MIME identity 'org-old' (sales@example.com) EXPIRED 2 days ago, on 2026-12-31T08:00:00Z: mail from sales@example.com \
            will bounce or go unsigned until it is renewed; see /smime/identities/org-old

            - S/MIME certificate 'bob' (bob@partner.example) expires in 20 days, on 2027-01-22T08:00:00Z; see /smime/certificates/bob

            To list them again: curl http://<james>:8000/smime/expiring?withinDays=30
            Renewing an identity: GET /smime/identities/<name>/csr, have it signed, then PUT /smime/identities/<name>/certificate.
            """);
    }

    @Test
    void nothingExpiringMeansNoMail() {
        check(window -> List.of(), true).run();

        assertThat(mailetContext.getSentMails()).isEmpty();
    }

    @Test
    void withoutTheSettingThePostmasterGetsNoMail() {
        check(List.of(SIGNER_EXPIRED)).run();

        assertThat(mailetContext.getSentMails()).isEmpty();
    }

    @Test
    void aMailThatCannotBeSentIsLoggedAndTheRunStillCounts() {
        new ExpiryCheck(window -> List.of(PARTNER), CLOCK, THIRTY_DAYS, metrics, gauges, log, Optional.of((subject, text) -> {
            throw new jakarta.mail.MessagingException("spool is full");
        })).run();

        assertThat(log.at("ERROR")).containsExactly("ERROR S/MIME expiry check: cannot mail the postmaster: spool is full [MessagingException]");
        assertThat(log.at("WARN")).hasSize(1);
        assertThat(metrics.countFor("smime.expiry.checks")).isEqualTo(1);
    }
}
