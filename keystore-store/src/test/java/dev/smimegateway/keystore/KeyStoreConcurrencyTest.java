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
}
