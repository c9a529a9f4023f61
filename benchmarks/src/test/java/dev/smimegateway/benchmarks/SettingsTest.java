package dev.smimegateway.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SettingsTest {
    @Test
    void onlyKeepsTheOperationsWhoseNameOrLabelContainsAGivenWord() {
        Settings settings = Settings.parse("--only=Decrypt, sign opaque");

        assertThat(settings.runs(EngineOperation.DECRYPT_CBC)).isTrue();
        assertThat(settings.runs(EngineOperation.DECRYPT_VERIFY)).isTrue();
        assertThat(settings.runs(EngineOperation.SIGN_OPAQUE)).isTrue();
        assertThat(settings.runs(EngineOperation.SIGN_DETACHED)).isFalse();
        assertThat(settings.runs(EngineOperation.VERIFY)).isFalse();
    }

    @Test
    void withoutOnlyEveryOperationRuns() {
        Settings settings = Settings.parse("--seconds=1");

        for (EngineOperation operation : EngineOperation.values()) {
            assertThat(settings.runs(operation)).isTrue();
        }
    }
}
