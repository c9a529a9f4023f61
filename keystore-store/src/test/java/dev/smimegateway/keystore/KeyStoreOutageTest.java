package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.testing.TestPki;

/**
 * Faults are not verdicts: when the database is down, every look-up the mailets make throws
 * {@link KeyStoreFailureException} (the mail stays in the spool and is retried) and never answers
 * "no such key" or "no anchors", which would turn an outage into "not verified" or "cannot decrypt".
 */
class KeyStoreOutageTest {
    private static final TestPki PKI = TestPki.create("Outage CA");
    private static final CaCertificates CA = CaCertificates.create("Outage Root");
    private static final TestPki.Issued ALICE = PKI.leaf("Alice").email("alice@example.com").issue();
    private static final TestPki.Issued BOB = PKI.leaf("Bob").email("bob@partner.example").issue();

    @TempDir
    Path folder;
    BreakableDataSource database;
    SmimeKeyStore store;
    final KeyStoreFixture.MovableClock clock = new KeyStoreFixture.MovableClock();

    @BeforeEach
    void setUp() throws Exception {
        database = new BreakableDataSource(EmbeddedDerby.dataSource(folder.resolve("keystore")));
        store = SmimeKeyStore.open(database.dataSource(), KeyStoreFixture.MASTER_SECRET.toCharArray(), clock);
        store.importPkcs12("alice", ALICE.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), Optional.empty());
        store.addCertificate("bob", BOB.pem().getBytes(StandardCharsets.US_ASCII));
        store.importTrustAnchors(TestPki.pem(PKI.caCertificate()));
        store.importIntermediates(TestPki.pem(CA.intermediate("Outage Issuing CA")));
        store.importCrls(PKI.crlRevoking(BOB.certificate()).getEncoded());
    }

    /** What the mailets ask while processing mail, each of which finds something while the database is up. */
    private static Map<String, Consumer<SmimeKeyStore>> mailProcessingLookUps() {
        X509Certificate alice = ALICE.certificate();
        byte[] aliceKeyId = CertificateFacts.of(alice).subjectKeyIdentifier().orElseThrow();
        return Map.of(
            "listTrustAnchors", store -> assertThat(store.listTrustAnchors()).isNotEmpty(),
            "listCrls", store -> assertThat(store.listCrls()).isNotEmpty(),
            "decryptionKeyFor(issuer, serial)", store -> assertThat(
                store.decryptionKeyFor(alice.getIssuerX500Principal(), alice.getSerialNumber())).isPresent(),
            "decryptionKeyFor(subjectKeyIdentifier)", store -> assertThat(store.decryptionKeyFor(aliceKeyId)).isPresent(),
            "partnerCertificatesFor", store -> assertThat(store.partnerCertificatesFor("bob@partner.example")).isNotEmpty(),
            "intermediateCertificates", store -> assertThat(store.intermediateCertificates()).isNotEmpty(),
            "signingIdentityFor", store -> assertThat(store.signingIdentityFor("alice@example.com")).isPresent(),
            "signingIdentity", store -> assertThat(store.signingIdentity("alice")).isPresent(),
            "encryptionCertificatesFor", store -> assertThat(store.encryptionCertificatesFor("bob@partner.example")).isNotEmpty(),
            "certificate", store -> assertThat(store.certificate("bob")).isPresent());
    }

    @ParameterizedTest
    @EnumSource(value = BreakableDataSource.Fault.class, names = {"REFUSES_CONNECTIONS", "DROPS_STATEMENTS"})
    void everyMailProcessingLookUpReportsAnOutageAsAFailureNotAsNothingFound(BreakableDataSource.Fault fault) {
        mailProcessingLookUps().forEach((name, lookUp) -> lookUp.accept(store));

        database.breakWith(fault);
        // A cached answer (the same as before the outage) may still be given; "nothing found" never.
        mailProcessingLookUps().forEach((name, lookUp) -> {
            try {
                lookUp.accept(store);
            } catch (KeyStoreFailureException failure) {
                assertThat(failure).as(name).hasMessageContaining("key store database error");
            }
        });
        clock.advance(LookupCache.TIME_TO_LIVE);

        mailProcessingLookUps().forEach((name, lookUp) -> assertThatThrownBy(() -> lookUp.accept(store))
            .as(name).isInstanceOf(KeyStoreFailureException.class).hasMessageContaining("key store database error"));
    }

    @ParameterizedTest
    @EnumSource(value = BreakableDataSource.Fault.class, names = {"REFUSES_CONNECTIONS", "DROPS_STATEMENTS"})
    void administrationReportsAnOutageAsAFailureToo(BreakableDataSource.Fault fault) {
        String fingerprint = CertificateFacts.of(PKI.caCertificate()).fingerprint();
        database.breakWith(fault);

        Map<String, Runnable> calls = Map.ofEntries(
            Map.entry("listIdentities", store::listIdentities),
            Map.entry("identity", () -> store.identity("alice")),
            Map.entry("listCertificates", store::listCertificates),
            Map.entry("listIntermediates", store::listIntermediates),
            Map.entry("intermediate", () -> store.intermediate(fingerprint)),
            Map.entry("trustAnchor", () -> store.trustAnchor(fingerprint)),
            Map.entry("importTrustAnchors", () -> store.importTrustAnchors(TestPki.pem(CA.root()))),
            Map.entry("importIntermediates", () -> store.importIntermediates(TestPki.pem(CA.intermediate("Another CA")))),
            Map.entry("importCertificates", () -> store.importCertificates(PKI.leaf("Carol").email("carol@partner.example").issue().pem())),
            Map.entry("activate", () -> store.activate("alice")),
            Map.entry("deleteTrustAnchor", () -> store.deleteTrustAnchor(fingerprint)),
            Map.entry("deleteIntermediate", () -> store.deleteIntermediate(fingerprint)),
            Map.entry("exportCertificates", store::exportCertificates));

        calls.forEach((name, call) -> assertThatThrownBy(call::run).as(name).isInstanceOf(KeyStoreFailureException.class));
    }

    @ParameterizedTest
    @EnumSource(value = BreakableDataSource.Fault.class, names = {"REFUSES_CONNECTIONS", "DROPS_STATEMENTS"})
    void theStoreWorksAgainOnceTheDatabaseIsBack(BreakableDataSource.Fault fault) {
        database.breakWith(fault);
        assertThatThrownBy(store::listTrustAnchors).isInstanceOf(KeyStoreFailureException.class);

        database.breakWith(BreakableDataSource.Fault.NONE);

        mailProcessingLookUps().forEach((name, lookUp) -> lookUp.accept(store));
    }

    @ParameterizedTest
    @EnumSource(value = BreakableDataSource.Fault.class, names = {"REFUSES_CONNECTIONS", "DROPS_STATEMENTS"})
    void openingTheStoreDuringAnOutageIsAFailureToo(BreakableDataSource.Fault fault) {
        database.breakWith(fault);

        assertThatThrownBy(() -> SmimeKeyStore.open(database.dataSource(), KeyStoreFixture.MASTER_SECRET.toCharArray(),
            java.time.Clock.systemUTC())).isInstanceOf(KeyStoreFailureException.class);
    }
}
