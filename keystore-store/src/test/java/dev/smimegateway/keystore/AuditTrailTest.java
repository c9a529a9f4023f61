package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.testing.TestPki;

/** Every change to the key store leaves exactly one audit record, in its own transaction; a change that fails leaves none. */
class AuditTrailTest {
    private static final TestPki PKI = TestPki.create("Audit CA");
    private static final CaCertificates CA = CaCertificates.create("Audit Root");
    private static final TestPki.Issued ALICE = PKI.leaf("Alice").email("alice@example.com").issue();
    private static final TestPki.Issued BOB = PKI.leaf("Bob").email("bob@partner.example").issue();
    private static final Actor ADMIN = Actor.webadmin(Optional.of("admin@example.com"));
    private static final Duration WINDOW = Duration.ofHours(48);
    private static final long NO_CAP = 512L * 1024 * 1024;

    @TempDir
    Path folder;
    final KeyStoreFixture.MovableClock clock = new KeyStoreFixture.MovableClock();
    BreakableDataSource database;
    SmimeKeyStore store;
    SmimeKeyStore admin;

    @BeforeEach
    void open() {
        database = new BreakableDataSource(EmbeddedDerby.dataSource(folder.resolve("keystore")));
        store = SmimeKeyStore.open(database.dataSource(), KeyStoreFixture.MASTER_SECRET.toCharArray(), clock, "gateway-1");
        admin = store.as(ADMIN);
    }

    private List<AuditRecord> all() {
        return store.auditTrail(AuditQuery.page(0, AuditQuery.MAX_LIMIT));
    }

    /** The one record the change made (the test fails when it made none or several). */
    private AuditRecord onlyRecordOf(Runnable change) {
        int before = all().size();
        clock.advance(Duration.ofSeconds(1));
        change.run();
        List<AuditRecord> after = all();
        assertThat(after).as("records after the change").hasSize(before + 1);
        return after.get(0);
    }

    private void assertNoRecordFrom(Runnable change) {
        List<AuditRecord> before = all();
        try {
            change.run();
        } catch (RuntimeException expected) {
            // the change failed: that is the case under test
        }
        assertThat(all()).isEqualTo(before);
    }

    private static void assertRecord(AuditRecord record, String operation, String entry, Optional<String> fingerprint) {
        assertThat(record.operation()).isEqualTo(operation);
        assertThat(record.entry()).isEqualTo(entry);
        assertThat(record.fingerprint()).isEqualTo(fingerprint);
        assertThat(record.node()).isEqualTo("gateway-1");
        assertThat(record.actor()).isEqualTo("webadmin");
        assertThat(record.subject()).contains("admin@example.com");
    }

    private static Optional<String> fingerprint(X509Certificate certificate) {
        return Optional.of(CertificateFacts.of(certificate).fingerprint());
    }

    private HarvestResult harvest(CertificateFacts facts, boolean acceptUpdates, long cap) {
        return store.harvest(new HarvestRequest(facts, List.of(facts.emailAddresses().iterator().next()), Optional.of("<m@partner.example>"),
            acceptUpdates, WINDOW, cap, Optional.empty(), Optional.empty()));
    }

    private CertificateFacts partner(String address, int daysAgo) {
        Instant notBefore = clock.instant().minus(Duration.ofDays(daysAgo));
        return CertificateFacts.of(PKI.leaf(address).email(address).ec().validity(notBefore, notBefore.plus(Duration.ofDays(700))).issue()
            .certificate());
    }

    @Test
    void eachIdentityChangeIsRecordedOnceWithItsEntryFingerprintNodeAndCaller() {
        AuditRecord imported = onlyRecordOf(() -> admin.importPkcs12("alice", ALICE.pkcs12("pw"), "pw".toCharArray(), Optional.empty(),
            Optional.empty()));
        assertRecord(imported, "identity.import", "alice", fingerprint(ALICE.certificate()));
        assertThat(imported.time()).isEqualTo(clock.instant().truncatedTo(ChronoUnit.MILLIS));
        assertThat(imported.detail()).hasValueSatisfying(detail -> assertThat(detail).contains("CN=Alice").endsWith("; active"));

        Identity[] carol = new Identity[1];
        AuditRecord created = onlyRecordOf(() -> carol[0] = admin.createSelfSigned("carol",
            SelfSignedRequest.builder().commonName("Carol").email("carol@example.com").build(), Optional.empty()));
        assertRecord(created, "identity.create", "carol", Optional.of(carol[0].certificate().fingerprint()));

        X509Certificate issued = PKI.sign(store.certificationRequest("carol"), Duration.ofDays(100));
        AuditRecord replaced = onlyRecordOf(() -> admin.importCertificate("carol", TestPki.pem(issued).getBytes(StandardCharsets.US_ASCII)));
        assertRecord(replaced, "identity.certificate", "carol", fingerprint(issued));

        Identity second = admin.createSelfSigned("carol-2", SelfSignedRequest.builder().commonName("Carol").email("carol@example.com").build(),
            Optional.of(false));
        AuditRecord activated = onlyRecordOf(() -> admin.activate("carol-2"));
        assertRecord(activated, "identity.activate", "carol-2", Optional.of(second.certificate().fingerprint()));
        assertThat(activated.detail()).hasValueSatisfying(detail -> assertThat(detail).endsWith("made inactive: carol"));

        AuditRecord archived = onlyRecordOf(() -> admin.archiveIdentity("carol-2"));
        assertRecord(archived, "identity.archive", "carol-2", Optional.of(second.certificate().fingerprint()));
        AuditRecord restored = onlyRecordOf(() -> admin.restoreIdentity("carol-2"));
        assertRecord(restored, "identity.restore", "carol-2", Optional.of(second.certificate().fingerprint()));
        admin.archiveIdentity("carol-2");
        AuditRecord destroyed = onlyRecordOf(() -> admin.destroyIdentity("carol-2", second.certificate().fingerprint()));
        assertRecord(destroyed, "identity.destroy", "carol-2", Optional.of(second.certificate().fingerprint()));
    }

    @Test
    void eachCertificateTrustAnchorIntermediateAndCrlChangeIsRecordedOnce() throws Exception {
        byte[] bob = BOB.pem().getBytes(StandardCharsets.US_ASCII);
        assertRecord(onlyRecordOf(() -> admin.addCertificate("bob", bob)), "certificate.add", "bob", fingerprint(BOB.certificate()));
        assertRecord(onlyRecordOf(() -> admin.deleteCertificate("bob")), "certificate.delete", "bob", fingerprint(BOB.certificate()));
        assertRecord(onlyRecordOf(() -> admin.importCertificates("name: bob-again\n" + BOB.pem())), "certificate.import", "bob-again",
            fingerprint(BOB.certificate()));

        String anchor = fingerprint(CA.root()).orElseThrow();
        assertRecord(onlyRecordOf(() -> admin.importTrustAnchors(TestPki.pem(CA.root()))), "trust-anchor.import", anchor, Optional.of(anchor));
        assertRecord(onlyRecordOf(() -> admin.deleteTrustAnchor(anchor)), "trust-anchor.delete", anchor, Optional.of(anchor));

        X509Certificate intermediate = CA.intermediate("Audit Issuing CA");
        String intermediateFingerprint = fingerprint(intermediate).orElseThrow();
        assertRecord(onlyRecordOf(() -> admin.importIntermediates(TestPki.pem(intermediate))), "intermediate.import", intermediateFingerprint,
            Optional.of(intermediateFingerprint));
        assertRecord(onlyRecordOf(() -> admin.deleteIntermediate(intermediateFingerprint)), "intermediate.delete", intermediateFingerprint,
            Optional.of(intermediateFingerprint));

        X509CRL crl = PKI.crlRevoking(BOB.certificate());
        String crlFingerprint = CertificateFacts.sha256Hex(crl.getEncoded());
        AuditRecord crlImported = onlyRecordOf(() -> admin.importCrls(encoded(crl)));
        assertRecord(crlImported, "crl.import", crlFingerprint, Optional.empty());
        assertThat(crlImported.detail()).hasValueSatisfying(detail -> assertThat(detail).startsWith("CRL of ").contains("CN=Audit CA"));
        assertRecord(onlyRecordOf(() -> admin.deleteCrl(crlFingerprint)), "crl.delete", crlFingerprint, Optional.empty());
    }

    @Test
    void promotionDeletionOfHarvestedCertificatesAndAlertAcknowledgementAreRecordedOnce() {
        CertificateFacts dave = partner("dave@partner.example", 10);
        String daveName = harvest(dave, false, NO_CAP).name().orElseThrow();
        assertRecord(onlyRecordOf(() -> admin.promoteHarvested(daveName)), "harvested.promote", daveName, Optional.of(dave.fingerprint()));

        CertificateFacts erin = partner("erin@partner.example", 10);
        String erinName = harvest(erin, false, NO_CAP).name().orElseThrow();
        assertRecord(onlyRecordOf(() -> admin.deleteHarvested(erinName)), "harvested.delete", erinName, Optional.of(erin.fingerprint()));

        harvest(partner("bob@partner.example", 100), false, NO_CAP);
        harvest(partner("bob@partner.example", 50), false, NO_CAP);
        String alert = harvest(partner("bob@partner.example", 1), false, NO_CAP).alert().orElseThrow().id();
        AuditRecord acknowledged = onlyRecordOf(() -> admin.acknowledgeAlert(alert));
        assertRecord(acknowledged, "alert.acknowledge", alert, Optional.empty());
        assertThat(acknowledged.detail()).contains("alert for bob@partner.example");
        assertNoRecordFrom(() -> admin.acknowledgeAlert(alert));
    }

    @Test
    void aHarvestThatStoresACertificateIsRecordedAsMailAndOneThatStoresNothingIsNot() {
        CertificateFacts bob = partner("bob@partner.example", 100);

        AuditRecord stored = onlyRecordOf(() -> harvest(bob, true, NO_CAP));
        assertThat(stored.operation()).isEqualTo("harvest");
        assertThat(stored.actor()).isEqualTo("mail");
        assertThat(stored.subject()).isEmpty();
        assertThat(stored.fingerprint()).contains(bob.fingerprint());
        assertThat(stored.detail()).hasValueSatisfying(detail -> assertThat(detail).endsWith("stored for bob@partner.example"));
        assertNoRecordFrom(() -> harvest(bob, true, NO_CAP));
        assertNoRecordFrom(() -> harvest(partner("bob@partner.example", 200), true, NO_CAP));
        assertNoRecordFrom(() -> harvest(partner("bob@partner.example", 1), false, NO_CAP));

        CertificateFacts renewed = partner("bob@partner.example", 2);
        assertThat(onlyRecordOf(() -> harvest(renewed, true, NO_CAP)).detail())
            .hasValueSatisfying(detail -> assertThat(detail).contains("updated for bob@partner.example, replacing serial"));
    }

    @Test
    void anEvictionUnderTheHarvestCapIsRecordedInTheHarvestThatCausedIt() {
        CertificateFacts bob = partner("bob@partner.example", 10);
        String bobName = harvest(bob, false, NO_CAP).name().orElseThrow();
        CertificateFacts carol = partner("carol@partner.example", 10);

        harvest(carol, false, carol.der().length);

        List<AuditRecord> records = all();
        assertThat(records).extracting(AuditRecord::operation).containsExactly("harvest.evict", "harvest", "harvest");
        assertThat(records.get(0).entry()).isEqualTo(bobName);
        assertThat(records.get(0).fingerprint()).contains(bob.fingerprint());
        assertThat(records.get(0).actor()).isEqualTo("mail");
    }

    @Test
    void everyKindOfChangeHasItsOperation() {
        assertThat(Arrays.stream(AuditOperation.values()).map(AuditOperation::label).collect(Collectors.toSet()))
            .hasSize(AuditOperation.values().length);
        assertThat(AuditOperation.fromLabel("identity.archive")).isEqualTo(AuditOperation.IDENTITY_ARCHIVE);
        assertThatThrownBy(() -> AuditOperation.fromLabel("identity.delete")).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("known: identity.import, identity.create");
    }

    @Test
    void aRefusedChangeLeavesNoRecord() {
        admin.importPkcs12("alice", ALICE.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), Optional.empty());
        admin.addCertificate("bob", BOB.pem().getBytes(StandardCharsets.US_ASCII));

        assertNoRecordFrom(() -> admin.createSelfSigned("alice", SelfSignedRequest.builder().commonName("A").email("a@example.com").build(),
            Optional.empty()));
        assertNoRecordFrom(() -> admin.importPkcs12("alice-again", ALICE.pkcs12("pw"), "pw".toCharArray(), Optional.empty(),
            Optional.empty()));
        assertNoRecordFrom(() -> admin.addCertificate("bob", BOB.pem().getBytes(StandardCharsets.US_ASCII)));
        assertNoRecordFrom(() -> admin.importCertificate("alice", BOB.pem().getBytes(StandardCharsets.US_ASCII)));
        assertNoRecordFrom(() -> admin.archiveIdentity("nobody"));
        assertNoRecordFrom(() -> admin.restoreIdentity("alice"));
        assertNoRecordFrom(() -> admin.destroyIdentity("alice", "00".repeat(32)));
        assertNoRecordFrom(() -> admin.deleteCertificate("nobody"));
        assertNoRecordFrom(() -> admin.deleteTrustAnchor("00".repeat(32)));
        assertNoRecordFrom(() -> admin.deleteHarvested("bob"));
        assertNoRecordFrom(() -> admin.acknowledgeAlert("no-such-alert"));
        assertNoRecordFrom(() -> admin.importTrustAnchors(BOB.pem()));
        assertThatThrownBy(() -> admin.archiveIdentity("nobody")).isInstanceOf(EntryNotFoundException.class);
    }

    @Test
    void aChangeWhoseTransactionFailsLeavesNoRecordAndNoLogLine() {
        database.failNextCommit("08006");
        String log = stderrOf(() -> assertThatThrownBy(() -> admin.addCertificate("bob", BOB.pem().getBytes(StandardCharsets.US_ASCII)))
            .isInstanceOf(KeyStoreFailureException.class));

        assertThat(all()).isEmpty();
        assertThat(store.certificate("bob")).as("the change itself was rolled back").isEmpty();
        assertThat(log).doesNotContain("dev.smimegateway.audit");
    }

    @Test
    void aChangeDuringAnOutageLeavesNoRecord() {
        database.breakWith(BreakableDataSource.Fault.DROPS_STATEMENTS);
        assertThatThrownBy(() -> admin.addCertificate("bob", BOB.pem().getBytes(StandardCharsets.US_ASCII)))
            .isInstanceOf(KeyStoreFailureException.class);
        assertThatThrownBy(() -> admin.importTrustAnchors(TestPki.pem(CA.root()))).isInstanceOf(KeyStoreFailureException.class);

        database.breakWith(BreakableDataSource.Fault.NONE);

        assertThat(all()).isEmpty();
    }

    @Test
    void aTransactionRunAgainAfterADeadlockIsRecordedAndLoggedOnce() {
        database.failNextCommit("40001");
        String log = stderrOf(() -> admin.addCertificate("bob", BOB.pem().getBytes(StandardCharsets.US_ASCII)));

        assertThat(all()).singleElement().satisfies(record -> assertRecord(record, "certificate.add", "bob", fingerprint(BOB.certificate())));
        assertThat(log.lines().filter(line -> line.contains("dev.smimegateway.audit"))).singleElement().satisfies(line -> assertThat(line)
            .contains("INFO").contains("operation=certificate.add").contains("entry=bob")
            .contains("fingerprint=" + fingerprint(BOB.certificate()).orElseThrow()).contains("node=gateway-1").contains("actor=webadmin")
            .contains("subject=admin@example.com").contains("time=" + clock.instant().truncatedTo(ChronoUnit.MILLIS)));
    }

    @Test
    void recordsAreListedNewestFirstInPagesAndFiltered() {
        Instant start = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        for (String name : List.of("one", "two", "three", "four")) {
            clock.advance(Duration.ofMinutes(1));
            admin.createSelfSigned(name, SelfSignedRequest.builder().commonName(name).email(name + "@example.com").build(), Optional.empty());
        }
        clock.advance(Duration.ofMinutes(1));
        admin.archiveIdentity("two");

        assertThat(entries(AuditQuery.page(0, 2))).containsExactly("two", "four");
        assertThat(entries(AuditQuery.page(2, 2))).containsExactly("three", "two");
        assertThat(entries(AuditQuery.page(4, 2))).containsExactly("one");
        assertThat(entries(AuditQuery.page(5, 2))).isEmpty();
        assertThat(entries(query(Optional.of(AuditOperation.IDENTITY_CREATE), Optional.empty(), Optional.empty(), Optional.empty())))
            .containsExactly("four", "three", "two", "one");
        assertThat(store.auditTrail(query(Optional.empty(), Optional.of("two"), Optional.empty(), Optional.empty())))
            .extracting(AuditRecord::operation).containsExactly("identity.archive", "identity.create");
        assertThat(entries(query(Optional.empty(), Optional.empty(), Optional.of(start.plus(Duration.ofMinutes(2))),
            Optional.of(start.plus(Duration.ofMinutes(4)))))).as("since included, until excluded").containsExactly("three", "two");
        assertThat(entries(query(Optional.of(AuditOperation.IDENTITY_ARCHIVE), Optional.of("one"), Optional.empty(), Optional.empty())))
            .isEmpty();
    }

    @Test
    void aQueryOutOfBoundsIsABadRequest() {
        assertThatThrownBy(() -> AuditQuery.page(0, 0)).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> AuditQuery.page(0, 1001)).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> AuditQuery.page(-1, 10)).isInstanceOf(InvalidRequestException.class);
        Instant now = Instant.now();
        assertThatThrownBy(() -> query(Optional.empty(), Optional.empty(), Optional.of(now), Optional.of(now)))
            .isInstanceOf(InvalidRequestException.class).hasMessageContaining("must be before");
    }

    @Test
    void theNodeIsTheHostNameUnlessNamedAndTheDefaultActorIsLocal() {
        SmimeKeyStore unnamed = SmimeKeyStore.open(EmbeddedDerby.dataSource(folder.resolve("other")), KeyStoreFixture.MASTER_SECRET.toCharArray(),
            clock);

        unnamed.addCertificate("bob", BOB.pem().getBytes(StandardCharsets.US_ASCII));

        assertThat(unnamed.auditTrail(AuditQuery.page(0, 10))).singleElement().satisfies(record -> {
            assertThat(record.node()).isEqualTo(SmimeKeyStore.hostName()).isNotBlank();
            assertThat(record.actor()).isEqualTo("local");
            assertThat(record.subject()).isEmpty();
        });
        assertThat(Actor.webadmin(Optional.of(" ")).subject()).as("a blank subject is none").isEmpty();
    }

    private static AuditQuery query(Optional<AuditOperation> operation, Optional<String> entry, Optional<Instant> since,
                                    Optional<Instant> until) {
        return new AuditQuery(operation, entry, since, until, 0, 100);
    }

    private List<String> entries(AuditQuery query) {
        return store.auditTrail(query).stream().map(AuditRecord::entry).toList();
    }

    private static byte[] encoded(X509CRL crl) {
        try {
            return crl.getEncoded();
        } catch (java.security.cert.CRLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the code writes to standard error, where the tests' slf4j-simple logs, while it runs. */
    private static String stderrOf(Runnable code) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            code.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
