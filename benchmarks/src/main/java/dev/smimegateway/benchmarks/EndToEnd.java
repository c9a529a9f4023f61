package dev.smimegateway.benchmarks;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * Part 4, end to end through a real James: the figures james-it's {@code EndToEndThroughput} measured
 * (4 KB mails over SMTP on loopback into IMAP mailboxes: the plain server, the sign-then-encrypt policy,
 * the b2b-gateway policy's incoming path) and wrote as a properties file, which {@code benchmark.sh}
 * hands to this suite so that they stand in the same table as the rest of the run.
 *
 * @param plain    mails/s of the server with the S/MIME mailets taken out
 * @param outgoing mails/s of the sign-then-encrypt policy
 * @param incoming mails/s of the b2b-gateway policy's incoming path (decrypt, verify, harvest)
 */
record EndToEnd(double plain, double outgoing, double incoming, String conditions) {
    static final EndToEnd UNKNOWN = new EndToEnd(Double.NaN, Double.NaN, Double.NaN, "");

    static EndToEnd read(Optional<Path> file) throws IOException {
        if (file.isEmpty()) {
            return UNKNOWN;
        }
        Properties figures = new Properties();
        try (Reader reader = Files.newBufferedReader(file.get())) {
            figures.load(reader);
        }
        return new EndToEnd(number(figures, "plain"), number(figures, "outgoing"), number(figures, "incoming"),
            figures.getProperty("conditions", ""));
    }

    private static double number(Properties figures, String name) {
        String value = figures.getProperty(name);
        if (value == null) {
            throw new IllegalArgumentException("the end-to-end figures have no '" + name + "'");
        }
        return Double.parseDouble(value);
    }

    boolean measured() {
        return !Double.isNaN(plain);
    }

    /** The sign-then-encrypt policy's mails/s over the plain server's. */
    double outgoingRatio() {
        return outgoing / plain;
    }

    void addTo(ResultTable table) {
        if (!measured()) {
            return;
        }
        table.add(row("plain server (sign-then-encrypt without its S/MIME mailets), " + conditions, plain));
        table.add(row("sign-then-encrypt policy, outgoing", outgoing));
        table.add(row("b2b-gateway policy, incoming signed+encrypted (decrypt, verify, harvest)", incoming));
    }

    private ResultTable.Row row(String measurement, double rate) {
        return new ResultTable.Row("end to end", "4 KB " + measurement, "", ResultTable.rate(rate, "mails/s"), "",
            ResultTable.percent(Optional.of(rate / plain)), "the plain server");
    }
}
