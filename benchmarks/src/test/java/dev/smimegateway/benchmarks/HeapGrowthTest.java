package dev.smimegateway.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probe JVM the memory part bisects -Xmx with: it must tell a heap that fits from one that does not. */
class HeapGrowthTest {
    private static final EngineOperation.Input ENCRYPTED = EngineOperation.Input.ENCRYPTED_CBC;

    @TempDir
    Path folder;

    @BeforeEach
    void writeAnEncryptedMessage() throws Exception {
        Fixtures fixtures = Fixtures.create();
        HeapProbe.writeKeys(folder, fixtures);
        Files.write(HeapProbe.input(folder, ENCRYPTED), ENCRYPTED.make(fixtures, Fixtures.plainMessage(MessageSize.parse("4m"))));
    }

    @Test
    void aProbeCompletesWithAGenerousHeapAndNotWithATinyOne() throws Exception {
        assertThat(HeapGrowth.completes(folder, ENCRYPTED, EngineOperation.DECRYPT_CBC.name(), 256)).isTrue();
        assertThat(HeapGrowth.completes(folder, ENCRYPTED, EngineOperation.DECRYPT_CBC.name(), 8)).isFalse();
    }

    @Test
    void aProbeWhoseOperationFailsDoesNotCountAsFitting() throws Exception {
        // the message is encrypted but not signed: verifying it fails, whatever the heap
        assertThat(HeapGrowth.completes(folder, ENCRYPTED, EngineOperation.DECRYPT_VERIFY.name(), 256)).isFalse();
    }
}
