package dev.smimegateway.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite on a tiny setting: each part runs and lands in the one table; no figure is checked. The
 * memory part's bisection starts dozens of JVMs: {@link HeapGrowthTest} checks its probe instead.
 */
class BenchmarkSuiteTest {
    @Test
    void everyPartRunsAndPrintsItsRowsAndTheTargets() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        BenchmarkSuite.run(Settings.parse("--seconds=0.05", "--sizes=4k,1m", "--threads=2", "--parts=limits,engine,mailets,peers"),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(OutputStream.nullOutputStream()));

        String table = out.toString(StandardCharsets.UTF_8);
        assertThat(table).contains("| limit | openssl speed rsa2048 sign |", "| limit | JDK RSA-2048 sign (SunRsaSign) |",
            "| limit | JDK AES-256-GCM encrypt, 1 MiB buffers |", "| engine | 4 KB triple wrap (CBC) |",
            "| engine | 1 MB decrypt+verify (CBC) |", "| mailets | 4 KB SMimeVerify |",
            "| peers | 4 KB openssl cms -verify, a process per mail |", "| peers | 4 KB Apache James SMIMESign 3.0.0 (own class path) |",
            "| 4 KB sign detached, 2 threads vs openssl speed -multi 2 rsa2048 sign |");
        assertThat(table).doesNotContain("could not run");
    }

    @Test
    void theEndToEndFiguresOfJamesItStandInTheTableAndDecideTheirTarget(@TempDir Path folder) throws Exception {
        Path figures = folder.resolve("end-to-end.properties");
        Files.writeString(figures, "plain=160.0\noutgoing=100.0\nincoming=90.0\nconditions=400 mails, 4 clients\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        BenchmarkSuite.run(Settings.parse("--parts=limits,end-to-end", "--seconds=0.05", "--end-to-end=" + figures),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(OutputStream.nullOutputStream()));

        String table = out.toString(StandardCharsets.UTF_8);
        assertThat(table).contains("| end to end | 4 KB sign-then-encrypt policy, outgoing |  | 100 mails/s |  | 63% | the plain server |",
            "| end to end through James, 4 KB: sign+encrypt policy vs the plain server's mails/s | 62.5 % | ≥ 75.0 % | MISS |");
    }

    @Test
    void withoutEndToEndFiguresItsTargetIsNotMeasured() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        BenchmarkSuite.run(Settings.parse("--parts=limits", "--seconds=0.05"), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(OutputStream.nullOutputStream()));

        assertThat(out.toString(StandardCharsets.UTF_8))
            .contains("| end to end through James, 4 KB: sign+encrypt policy vs the plain server's mails/s | — % | ≥ 75.0 % | not measured |");
    }

    @Test
    void onlyMeasuresTheNamedEngineOperations() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        BenchmarkSuite.run(Settings.parse("--seconds=0.05", "--sizes=4k", "--threads=1", "--parts=engine", "--only=verify"),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(OutputStream.nullOutputStream()));

        String table = out.toString(StandardCharsets.UTF_8);
        assertThat(table).contains("| engine | 4 KB verify detached |", "| engine | 4 KB decrypt+verify (CBC) |");
        assertThat(table).doesNotContain("| engine | 4 KB sign detached |", "| engine | 4 KB encrypt AES-256-CBC |");
    }
}
