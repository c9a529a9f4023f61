package dev.smimegateway.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code openssl speed rsa2048 ecdsap256}, on one core or on several ({@code -multi}): the native limit
 * of the private- and public-key operations, read from the summary lines that end in sign/s and verify/s.
 */
final class OpenSslSpeed {
    /** Sign and verify operations per second of one algorithm. */
    record SignVerify(double sign, double verify) {
    }

    private static final Pattern RSA_2048 = Pattern.compile("^rsa\\s+2048 bits\\s+\\S+\\s+\\S+\\s+([\\d.]+)\\s+([\\d.]+)\\s*$");
    private static final Pattern ECDSA_P256 =
        Pattern.compile("^\\s*256 bits ecdsa \\(nistp256\\)\\s+\\S+\\s+\\S+\\s+([\\d.]+)\\s+([\\d.]+)\\s*$");

    private OpenSslSpeed() {
    }

    /** @return by algorithm name ({@code rsa2048}, {@code ecdsap256}) */
    static Map<String, SignVerify> measure(int seconds, int processes) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl", "speed", "-seconds", String.valueOf(Math.max(1, seconds))));
        if (processes > 1) {
            command.addAll(List.of("-multi", String.valueOf(processes)));
        }
        command.addAll(List.of("rsa2048", "ecdsap256"));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
        return parse(output);
    }

    static Map<String, SignVerify> parse(String output) {
        Map<String, SignVerify> rates = new HashMap<>();
        for (String line : output.split("\n")) {
            Matcher rsa = RSA_2048.matcher(line);
            if (rsa.matches()) {
                rates.put("rsa2048", new SignVerify(Double.parseDouble(rsa.group(1)), Double.parseDouble(rsa.group(2))));
            }
            Matcher ecdsa = ECDSA_P256.matcher(line);
            if (ecdsa.matches()) {
                rates.put("ecdsap256", new SignVerify(Double.parseDouble(ecdsa.group(1)), Double.parseDouble(ecdsa.group(2))));
            }
        }
        return rates;
    }
}
