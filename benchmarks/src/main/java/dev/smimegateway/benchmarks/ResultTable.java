package dev.smimegateway.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one table a run prints, in Markdown: each row a measurement on one thread and on all cores, with
 * its ratio to the reference named in the last column (the hardware's limit, our engine, or a peer).
 */
final class ResultTable {
    record Row(String part, String measurement, String oneThread, String allCores, String ratioOneThread,
               String ratioAllCores, String against) {
    }

    private final int threads;
    private final List<Row> rows = new ArrayList<>();

    ResultTable(int threads) {
        this.threads = threads;
    }

    void add(Row row) {
        rows.add(row);
    }

    List<Row> rows() {
        return List.copyOf(rows);
    }

    void print(PrintStream out) {
        out.printf("| part | measurement | 1 thread | %d threads | ratio, 1 thread | ratio, %d threads | ratio of |%n", threads, threads);
        out.println("|---|---|---:|---:|---:|---:|---|");
        for (Row row : rows) {
            out.printf("| %s | %s | %s | %s | %s | %s | %s |%n", row.part(), row.measurement(), row.oneThread(), row.allCores(),
                row.ratioOneThread(), row.ratioAllCores(), row.against());
        }
    }

    static String rate(double perSecond, String unit) {
        return number(perSecond) + " " + unit;
    }

    static String number(double value) {
        if (Double.isNaN(value)) {
            return "—";
        }
        return value >= 100 ? String.format("%,.0f", value) : String.format("%,.1f", value);
    }

    static String percent(Optional<Double> ratio) {
        return ratio.map(value -> String.format("%.0f%%", value * 100)).orElse("");
    }

    static String times(Optional<Double> ratio) {
        return ratio.map(value -> String.format("%.1f×", value)).orElse("");
    }
}
