package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyStoreConcurrencyTest {
    @TempDir
    Path folder;

    @Test
    void exactlyOneIdentityStaysActiveWhenManyThreadsActivateAtOnce() throws Exception {
        SmimeKeyStore store = new KeyStoreFixture(folder).open();
        int identities = 6;
        for (int i = 0; i < identities; i++) {
            store.createSelfSigned("alice-" + i, SelfSignedRequest.builder().commonName("Alice " + i).email("alice@example.com")
                .signatureAlgorithm(SignatureAlgorithm.ECDSA_P256_SHA256).build(), Optional.empty());
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> work = new ArrayList<>();
        for (int round = 0; round < 60; round++) {
            String name = "alice-" + (round % identities);
            work.add(pool.submit(() -> store.activate(name)));
            work.add(pool.submit(() -> assertThat(store.signingIdentityFor("alice@example.com")).isPresent()));
        }
        for (Future<?> future : work) {
            future.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        assertThat(store.listIdentities()).filteredOn(Identity::active).hasSize(1);
    }

    @Test
    void parallelHarvestsLeaveNoDuplicatesNoLostUpdatesAndKeepTheCap() throws Exception {
        KeyStoreFixture fixture = new KeyStoreFixture(folder);
        SmimeKeyStore store = fixture.open();
        dev.smimegateway.core.testing.TestPki pki = dev.smimegateway.core.testing.TestPki.create("Partner CA");
        List<String> senders = List.of("a@one.example", "b@one.example", "c@two.example", "d@three.example");
        List<dev.smimegateway.core.certificate.CertificateFacts> certificates = new ArrayList<>();
        java.time.Instant now = fixture.clock.instant();
        for (String sender : senders) {
            for (int version = 0; version < 3; version++) {
                java.time.Instant notBefore = now.minus(java.time.Duration.ofDays(30 - version * 10L));
                certificates.add(dev.smimegateway.core.certificate.CertificateFacts.of(pki.leaf(sender).email(sender).ec()
                    .validity(notBefore, notBefore.plus(java.time.Duration.ofDays(400))).issue().certificate()));
            }
        }
        long cap = certificates.get(0).der().length * 7L;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> work = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < certificates.size(); i++) {
                dev.smimegateway.core.certificate.CertificateFacts facts = certificates.get(i);
                String sender = senders.get(i / 3);
                work.add(pool.submit(() -> store.harvest(new HarvestRequest(facts, List.of(sender), Optional.empty(), true,
                    java.time.Duration.ofHours(48), cap, Optional.of("aes256-cbc"), Optional.empty()))));
                work.add(pool.submit(() -> store.encryptionTargetFor(sender)));
            }
        }
        for (Future<?> future : work) {
            future.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();

        List<HarvestedCertificate> stored = store.listHarvested(Optional.empty(), Optional.empty(), 0, 1000);
        assertThat(stored).extracting(HarvestedCertificate::fingerprint).doesNotHaveDuplicates();
        assertThat(stored.stream().mapToLong(HarvestedCertificate::storedBytes).sum()).isLessThanOrEqualTo(cap);
        assertThat(store.certificateUpdates(Optional.empty()))
            .extracting(update -> update.address() + " " + update.certificate().fingerprint())
            .doesNotHaveDuplicates();
        for (String sender : senders) {
            if (store.encryptionTargetFor(sender).isPresent()) {
                assertThat(store.announcedCapabilities(sender)).contains("aes256-cbc");
            }
        }
    }
}
