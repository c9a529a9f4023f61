package dev.smimegateway.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.io.PrintStream;

import org.junit.jupiter.api.Test;

/** The JDK-only engine runs in a JVM of its own; its figures must come back whole. */
class JdkOnlyConfigurationTest {
    @Test
    void everySmallCellComesBackFromTheChildJvmAsARow() throws Exception {
        Settings settings = Settings.parse("--seconds=0.05", "--sizes=4k,1m", "--threads=1");
        ResultTable table = new ResultTable(1);

        EngineBenchmark.Results results = JdkOnlyConfiguration.run(settings, HardwareLimits.unknown(), table,
            new PrintStream(OutputStream.nullOutputStream()));

        for (EngineOperation operation : EngineOperation.values()) {
            assertThat(results.of(operation, MessageSize.parse("4k")).oneThread()).as(operation.label).isPositive();
            assertThat(results.of(operation, MessageSize.parse("1m")).oneThread()).as("large sizes are left out").isNaN();
        }
        assertThat(table.rows()).hasSize(EngineOperation.values().length)
            .allSatisfy(row -> assertThat(row.part()).isEqualTo("engine, JDK only"));
    }
}
