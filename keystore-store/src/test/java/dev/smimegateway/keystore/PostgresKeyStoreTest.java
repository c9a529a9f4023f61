package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.testing.TestPki;

/**
 * The store's SQL on PostgreSQL, the shared database of a James cluster: migrations, every kind of
 * entry, the look-ups, and the activation lock under concurrency. (Running several James servers on
 * it is a later step.)
 */
class PostgresKeyStoreTest {
    private static final TestPki PKI = TestPki.create("Postgres CA");
    private static PrivatePostgres postgres;
    private static SmimeKeyStore store;

    @BeforeAll
    static void start() throws Exception {
        postgres = PrivatePostgres.start();
        store = SmimeKeyStore.open(postgres.dataSource(), KeyStoreFixture.MASTER_SECRET.toCharArray(), Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void migratesToTheLatestSchemaAndReopens() {
        assertThat(store.schemaVersion()).isEqualTo(Database.latestSchemaVersion());
        SmimeKeyStore again = SmimeKeyStore.open(postgres.dataSource(), KeyStoreFixture.MASTER_SECRET.toCharArray(), Clock.systemUTC());

        assertThat(again.schemaVersion()).isEqualTo(Database.latestSchemaVersion());
        assertThatThrownBy(() -> SmimeKeyStore.open(postgres.dataSource(), "a-different-master-secret".toCharArray(), Clock.systemUTC()))
            .hasMessageContaining("master secret is not the one");
    }

    @Test
    void identitiesSignDecryptAndRollOver() {
        TestPki.Issued alice = PKI.leaf("Alice").email("alice@pg.example").issue();
        store.importPkcs12("pg-alice", alice.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), Optional.empty());
        store.createSelfSigned("pg-alice-new", SelfSignedRequest.builder().commonName("Alice").email("alice@pg.example").build(),
            Optional.empty());
        store.createSelfSigned("pg-org", SelfSignedRequest.builder().commonName("Org").domain("pg.example").build(), Optional.empty());

        assertThat(store.signingIdentityFor("alice@pg.example").orElseThrow().name()).isEqualTo("pg-alice");
        store.activate("pg-alice-new");
        assertThat(store.signingIdentityFor("ALICE@pg.example").orElseThrow().name()).isEqualTo("pg-alice-new");
        assertThat(store.signingIdentityFor("carol@pg.example").orElseThrow().name()).isEqualTo("pg-org");
        assertThat(store.decryptionKeyFor(alice.certificate().getIssuerX500Principal(), alice.certificate().getSerialNumber()))
            .map(DecryptionKey::identityName).contains("pg-alice");
        assertThat(store.decryptionKeyFor(CertificateFacts.of(alice.certificate()).subjectKeyIdentifier().orElseThrow()))
            .map(DecryptionKey::identityName).contains("pg-alice");
        assertThatThrownBy(() -> store.createSelfSigned("pg-org", SelfSignedRequest.builder().commonName("x").domain("pg.example").build(),
            Optional.empty())).isInstanceOf(EntryExistsException.class);
    }

    @Test
    void certificatesAnchorsAndCrls() throws Exception {
        TestPki.Issued bob = PKI.leaf("Bob").email("bob@partner-pg.example").issue();
        TestPki.Issued gateway = PKI.leaf("Gateway").domain("partner-pg.example").issue();
        store.addCertificate("pg-bob", bob.pem().getBytes(StandardCharsets.US_ASCII));
        store.addCertificate("pg-gateway", gateway.pem().getBytes(StandardCharsets.US_ASCII));

        assertThat(store.encryptionCertificatesFor("bob@partner-pg.example")).containsExactly(bob.certificate());
        assertThat(store.encryptionCertificatesFor("dave@partner-pg.example")).containsExactly(gateway.certificate());
        String export = store.exportCertificates();
        store.deleteCertificate("pg-bob");
        assertThat(store.importCertificates(export).count(ImportReport.Status.ACCEPTED)).isEqualTo(1);
        assertThat(store.importTrustAnchors(TestPki.pem(PKI.caCertificate())).count(ImportReport.Status.ACCEPTED)).isEqualTo(1);
        assertThat(store.importCrls(PKI.crlRevoking(bob.certificate()).getEncoded())).isEqualTo(1);
        assertThat(store.listCrls()).hasSize(1);
    }

    @Test
    void intermediatesPartnerLookUpAndDecryptOnlyIdentities() {
        CaCertificates partnerPki = CaCertificates.create("Postgres Partner Root");
        java.security.cert.X509Certificate intermediate = partnerPki.intermediate("Postgres Partner Issuing CA");
        assertThat(store.importIntermediates(TestPki.pem(intermediate, partnerPki.root())).entries())
            .extracting(ImportReport.Entry::status).containsExactly(ImportReport.Status.ACCEPTED, ImportReport.Status.REJECTED);
        assertThat(store.importIntermediates(TestPki.pem(intermediate)).count(ImportReport.Status.DUPLICATE)).isEqualTo(1);
        assertThat(store.intermediateCertificates()).containsExactly(intermediate);
        String fingerprint = CertificateFacts.of(intermediate).fingerprint();
        assertThat(store.intermediate(fingerprint)).isPresent();
        store.deleteIntermediate(fingerprint);
        assertThat(store.listIntermediates()).isEmpty();

        TestPki.Issued erin = PKI.leaf("Erin").email("erin@partner-pg.example").issue();
        store.addCertificate("pg-erin", erin.pem().getBytes(StandardCharsets.US_ASCII));
        assertThat(store.partnerCertificatesFor("Erin@partner-pg.example")).containsExactly(erin.certificate());

        java.time.Instant now = java.time.Instant.now();
        TestPki.Issued archived = PKI.leaf("Archived").email("archived@pg.example")
            .validity(now.minus(java.time.Duration.ofDays(700)), now.minus(java.time.Duration.ofDays(30))).issue();
        Identity identity = store.importPkcs12("pg-archived", archived.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), Optional.empty(),
            true);
        assertThat(identity.decryptOnly()).isTrue();
        assertThat(store.signingIdentity("pg-archived")).isEmpty();
        assertThat(store.decryptionKeyFor(archived.certificate().getIssuerX500Principal(), archived.certificate().getSerialNumber()))
            .map(DecryptionKey::identityName).contains("pg-archived");
        assertThatThrownBy(() -> store.activate("pg-archived")).isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void theAuditTrailRecordsFiltersAndPagesInUtc() {
        java.time.Instant before = java.time.Instant.now().minusSeconds(1);
        SmimeKeyStore admin = store.as(Actor.webadmin(Optional.of("admin@pg.example")));
        TestPki.Issued frank = PKI.leaf("Frank").email("frank@partner-pg.example").issue();
        admin.addCertificate("pg-audit-frank", frank.pem().getBytes(StandardCharsets.US_ASCII));
        admin.deleteCertificate("pg-audit-frank");

        List<AuditRecord> records = store.auditTrail(new AuditQuery(Optional.empty(), Optional.of("pg-audit-frank"), Optional.of(before),
            Optional.empty(), 0, 10));

        assertThat(records).extracting(AuditRecord::operation).containsExactly("certificate.delete", "certificate.add");
        assertThat(records.get(1).fingerprint()).contains(CertificateFacts.of(frank.certificate()).fingerprint());
        assertThat(records.get(1).subject()).contains("admin@pg.example");
        assertThat(records.get(1).time()).isAfterOrEqualTo(before).isBeforeOrEqualTo(java.time.Instant.now());
        assertThat(store.auditTrail(new AuditQuery(Optional.of(AuditOperation.CERTIFICATE_DELETE), Optional.of("pg-audit-frank"),
            Optional.empty(), Optional.empty(), 1, 10))).isEmpty();
    }

    @Test
    void oneActiveIdentityUnderConcurrentActivation() throws Exception {
        for (int i = 0; i < 4; i++) {
            store.createSelfSigned("pg-dave-" + i, SelfSignedRequest.builder().commonName("Dave " + i).email("dave@pg.example")
                .signatureAlgorithm(SignatureAlgorithm.ECDSA_P256_SHA256).build(), Optional.empty());
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> work = new ArrayList<>();
        for (int round = 0; round < 40; round++) {
            String name = "pg-dave-" + (round % 4);
            work.add(pool.submit(() -> store.activate(name)));
            work.add(pool.submit(() -> assertThat(store.signingIdentityFor("dave@pg.example")).isPresent()));
        }
        for (Future<?> future : work) {
            future.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        assertThat(store.listIdentities()).filteredOn(identity -> identity.name().startsWith("pg-dave-"))
            .filteredOn(Identity::active).hasSize(1);
    }

    @Test
    void archivesRestoresAndDestroysIdentities() {
        TestPki.Issued frank = PKI.leaf("Frank").email("frank@pg.example").ec().issue();
        Identity identity = store.importPkcs12("pg-frank", frank.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), Optional.empty());
        byte[] subjectKeyId = CertificateFacts.of(frank.certificate()).subjectKeyIdentifier().orElseThrow();

        assertThat(store.archiveIdentity("pg-frank").archivedAt()).isPresent();
        assertThat(store.signingIdentityFor("frank@pg.example")).isEmpty();
        assertThat(store.decryptionKeyFor(subjectKeyId)).isEmpty();
        assertThat(store.decryptionKeyFor(frank.certificate().getIssuerX500Principal(), frank.certificate().getSerialNumber())).isEmpty();
        assertThat(store.restoreIdentity("pg-frank").active()).isFalse();
        assertThat(store.decryptionKeyFor(subjectKeyId)).map(DecryptionKey::identityName).contains("pg-frank");
        store.archiveIdentity("pg-frank");
        assertThatThrownBy(() -> store.destroyIdentity("pg-frank", "0".repeat(64))).isInstanceOf(WrongStateException.class);
        store.destroyIdentity("pg-frank", identity.certificate().fingerprint());
        assertThat(store.identity("pg-frank")).isEmpty();
    }

    /** Several gateways starting at the same moment on an empty database: each opens, the schema is migrated once. */
    @Test
    void nodesStartingTogetherOnAnEmptyDatabaseMigrateItOnce() throws Exception {
        for (int round = 0; round < 3; round++) {
            String name = "smime_start_" + round;
            try (java.sql.Connection connection = postgres.dataSource().getConnection();
                 java.sql.Statement statement = connection.createStatement()) {
                statement.execute("CREATE DATABASE " + name);
            }
            javax.sql.DataSource empty = postgres.dataSource(name);
            int nodes = 4;
            java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(nodes);
            java.util.concurrent.ExecutorService starting = java.util.concurrent.Executors.newFixedThreadPool(nodes);
            try {
                List<java.util.concurrent.Future<SmimeKeyStore>> opened = new java.util.ArrayList<>();
                for (int node = 0; node < nodes; node++) {
                    opened.add(starting.submit(() -> {
                        together.await();
                        return SmimeKeyStore.open(empty, KeyStoreFixture.MASTER_SECRET.toCharArray(), Clock.systemUTC());
                    }));
                }
                for (java.util.concurrent.Future<SmimeKeyStore> node : opened) {
                    assertThat(node.get().schemaVersion()).isEqualTo(Database.latestSchemaVersion());
                }
            } finally {
                starting.shutdownNow();
            }
            try (java.sql.Connection connection = empty.getConnection();
                 java.sql.Statement statement = connection.createStatement();
                 java.sql.ResultSet rows = statement.executeQuery("SELECT COUNT(*), COUNT(DISTINCT version) FROM smime_schema_version")) {
                rows.next();
                assertThat(rows.getInt(1)).as("one row per version, each applied once").isEqualTo(Database.latestSchemaVersion());
                assertThat(rows.getInt(2)).isEqualTo(Database.latestSchemaVersion());
            }
        }
    }

    @Test
    void aSchemaNewerThanThisGatewayKnowsIsRefused() throws Exception {
        try (java.sql.Connection connection = postgres.dataSource().getConnection();
             java.sql.Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE smime_newer");
        }
        javax.sql.DataSource newer = postgres.dataSource("smime_newer");
        SmimeKeyStore.open(newer, KeyStoreFixture.MASTER_SECRET.toCharArray(), Clock.systemUTC());
        SchemaMigrationTest.markNewerSchema(newer);

        assertThatThrownBy(() -> SmimeKeyStore.open(newer, KeyStoreFixture.MASTER_SECRET.toCharArray(), Clock.systemUTC()))
            .isInstanceOf(KeyStoreFailureException.class).hasMessageContaining("newer than this gateway knows");
    }

    @Test
    void rotatesTheMasterSecretInOneTransaction() throws Exception {
        try (java.sql.Connection connection = postgres.dataSource().getConnection();
             java.sql.Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE smime_rotation");
        }
        javax.sql.DataSource rotation = postgres.dataSource("smime_rotation");
        SmimeKeyStore before = SmimeKeyStore.open(rotation, KeyStoreFixture.MASTER_SECRET.toCharArray(), Clock.systemUTC());
        for (String name : List.of("rot-a", "rot-b", "rot-c")) {
            before.createSelfSigned(name, SelfSignedRequest.builder().commonName(name).email(name + "@pg.example")
                .signatureAlgorithm(SignatureAlgorithm.ECDSA_P256_SHA256).build(), Optional.empty());
        }
        before.archiveIdentity("rot-b");
        String next = "postgres-rotated-master-secret-0";

        int count = MasterSecretRotation.rotate(rotation, KeyStoreFixture.MASTER_SECRET.toCharArray(), next.toCharArray(),
            new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        assertThat(count).isEqualTo(3);
        assertThatThrownBy(() -> SmimeKeyStore.open(rotation, KeyStoreFixture.MASTER_SECRET.toCharArray(), Clock.systemUTC()))
            .hasMessageContaining("master secret is not the one");
        SmimeKeyStore after = SmimeKeyStore.open(rotation, next.toCharArray(), Clock.systemUTC());
        assertThat(after.signingIdentityFor("rot-a@pg.example")).isPresent();
        after.restoreIdentity("rot-b");
        assertThat(after.signingIdentity("rot-b")).isPresent();
    }
}
