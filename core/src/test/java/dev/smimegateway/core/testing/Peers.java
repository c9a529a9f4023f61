package dev.smimegateway.core.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * GnuPG's gpgsm and NSS's cmsutil (Thunderbird's S/MIME library), set up in a test folder with a
 * CA to trust and one recipient's key: independent implementations to read what we produce.
 * Neither tool's exit code is a verdict on signatures (gpgsm exits 0 on expired signers, cmsutil
 * whatever the verdict), so verification reads their status output.
 */
public final class Peers {
    public record Result(int exitCode, String output) {
    }

    private Peers() {
    }

    public static Result run(Path directory, Map<String, String> environment, String... command) throws IOException, InterruptedException {
        return runWithInput(directory, environment, "", command);
    }

    static Result runWithInput(Path directory, Map<String, String> environment, String input, String... command)
        throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(List.of(command)).directory(directory.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        try (var stdin = process.getOutputStream()) {
            stdin.write(input.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // The tool exited or closed its input without reading it; its output says why.
        }
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("did not finish: " + command[0]);
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    /** A gpgsm home that trusts the CA and holds the recipient's key (imported from an OpenSSL -legacy PKCS#12, the only kind gpgsm 2.2 reads). */
    public static final class GpgSm {
        private final Path work;
        private final Map<String, String> environment;
        private String lastOutput = "";

        public GpgSm(Path work, X509Certificate ca, TestPki.Issued recipient) throws Exception {
            this.work = work;
            Path home = Files.createTempDirectory("gsm");
            home.toFile().setReadable(true, true);
            this.environment = Map.of("GNUPGHOME", home.toString());
            Files.writeString(home.resolve("gpgsm.conf"), "disable-crl-checks\ndisable-policy-checks\n");
            Files.writeString(home.resolve("gpg-agent.conf"), "allow-loopback-pinentry\n");
            Files.writeString(home.resolve("trustlist.txt"),
                HexFormat.ofDelimiter(":").withUpperCase().formatHex(MessageDigest.getInstance("SHA-1").digest(ca.getEncoded())) + " S relax\n");
            OpenSsl openssl = new OpenSsl(work);
            openssl.writePem("gpgsm-ca.pem", ca);
            openssl.writePem("gpgsm-recipient.pem", recipient.certificate());
            openssl.writeKey("gpgsm-recipient.key", recipient.privateKey());
            check(gpgsm("--import", "gpgsm-ca.pem"));
            // gpgsm 2.2.40 now and then fails to decrypt a legacy PKCS#12 key bag ("data error at
            // shrouded_key_bag.decrypted-text"), depending on the random salt: a fresh file imports.
            Result imported = null;
            for (int attempt = 0; attempt < 5; attempt++) {
                OpenSsl.Result p12 = openssl.run("pkcs12", "-export", "-legacy",
                    "-inkey", "gpgsm-recipient.key", "-in", "gpgsm-recipient.pem", "-out", "gpgsm-recipient.p12", "-passout", "pass:pw");
                if (p12.exitCode() != 0) {
                    throw new IllegalStateException(p12.output());
                }
                imported = gpgsm("--pinentry-mode", "loopback", "--passphrase-fd", "0", "--import", "gpgsm-recipient.p12");
                if (imported.exitCode() == 0 && !imported.output().contains("error parsing or decrypting")) {
                    return;
                }
            }
            check(imported);
        }

        private Result gpgsm(String... arguments) throws Exception {
            String[] command = new String[arguments.length + 3];
            command[0] = "gpgsm";
            command[1] = "--batch";
            command[2] = "--status-fd=1";
            System.arraycopy(arguments, 0, command, 3, arguments.length);
            return runWithInput(work, environment, "pw\n", command);
        }

        /** True when gpgsm reports a good, valid signature and nothing bad (GOODSIG and VALIDSIG, no BADSIG/ERRSIG/EXPKEYSIG/REVKEYSIG). */
        public boolean verifies(byte[] signature, byte[] detachedContent) throws Exception {
            Files.write(work.resolve("gpgsm.sig"), signature);
            Result result;
            if (detachedContent == null) {
                result = gpgsm("--output", "gpgsm.out", "--yes", "--verify", "gpgsm.sig");
            } else {
                Files.write(work.resolve("gpgsm.data"), detachedContent);
                result = gpgsm("--verify", "gpgsm.sig", "gpgsm.data");
            }
            String status = result.output();
            return status.contains("[GNUPG:] GOODSIG") && status.contains("[GNUPG:] VALIDSIG")
                && !status.contains("BADSIG") && !status.contains("ERRSIG") && !status.contains("EXPKEYSIG") && !status.contains("REVKEYSIG");
        }

        /** The decrypted content, or null when gpgsm cannot decrypt. */
        public byte[] decrypt(byte[] cms) throws Exception {
            Files.write(work.resolve("gpgsm.enc"), cms);
            Files.deleteIfExists(work.resolve("gpgsm.dec"));
            Result result = gpgsm("--pinentry-mode", "loopback", "--passphrase-fd", "0", "--output", "gpgsm.dec", "--decrypt", "gpgsm.enc");
            lastOutput = result.output();
            return result.exitCode() == 0 && result.output().contains("DECRYPTION_OKAY") ? Files.readAllBytes(work.resolve("gpgsm.dec")) : null;
        }

        /** A signature by the imported key over the content: detached (content not included) or opaque. */
        public byte[] sign(byte[] content, boolean detached) throws Exception {
            Files.write(work.resolve("gpgsm-content"), content);
            Files.deleteIfExists(work.resolve("gpgsm-signed"));
            check(gpgsm("--pinentry-mode", "loopback", "--passphrase-fd", "0", "--output", "gpgsm-signed",
                detached ? "--detach-sign" : "--sign", "gpgsm-content"));
            return Files.readAllBytes(work.resolve("gpgsm-signed"));
        }

        /** The content encrypted by gpgsm to the given certificate (imported first). */
        public byte[] encrypt(byte[] content, X509Certificate recipient) throws Exception {
            new OpenSsl(work).writePem("gpgsm-to.pem", recipient);
            check(gpgsm("--import", "gpgsm-to.pem"));
            Files.write(work.resolve("gpgsm-plain"), content);
            Files.deleteIfExists(work.resolve("gpgsm-encrypted"));
            String address = dev.smimegateway.core.certificate.CertificateFacts.of(recipient).emailAddresses().iterator().next();
            check(gpgsm("--output", "gpgsm-encrypted", "--recipient", address, "--encrypt", "gpgsm-plain"));
            return Files.readAllBytes(work.resolve("gpgsm-encrypted"));
        }

        /** What gpgsm printed on its last decryption, for failure messages. */
        public String lastOutput() {
            return lastOutput;
        }

        public void close() throws Exception {
            run(work, environment, "gpgconf", "--kill", "gpg-agent");
        }

        private static void check(Result result) {
            if (result.exitCode() != 0) {
                throw new IllegalStateException(result.output());
            }
        }
    }

    /** An NSS database (as Thunderbird keeps one) that trusts the CA and holds the recipient's key. */
    public static final class Nss {
        private final Path work;
        private final String database;

        public Nss(Path work, X509Certificate ca, TestPki.Issued recipient) throws Exception {
            this.work = work;
            Path db = Files.createDirectories(work.resolve("nssdb"));
            this.database = "sql:" + db;
            OpenSsl openssl = new OpenSsl(work);
            openssl.writePem("nss-ca.pem", ca);
            Files.write(work.resolve("nss-recipient.p12"), TestPki.pkcs12(recipient.privateKey(), recipient.chain(), "pw", "recipient"));
            check(run(work, Map.of(), "certutil", "-N", "-d", database, "--empty-password"));
            check(run(work, Map.of(), "certutil", "-A", "-n", "test-ca", "-t", "CT,C,C", "-i", "nss-ca.pem", "-d", database));
            check(run(work, Map.of(), "pk12util", "-i", "nss-recipient.p12", "-d", database, "-W", "pw", "-K", ""));
        }

        /** True when cmsutil reports GoodSignature for the (only) signer. */
        public boolean verifies(byte[] signature, byte[] detachedContent) throws Exception {
            Files.write(work.resolve("nss.sig"), signature);
            Result result;
            if (detachedContent == null) {
                result = run(work, Map.of(), "cmsutil", "-D", "-i", "nss.sig", "-d", database, "-u", "4", "-n", "-h", "1");
            } else {
                Files.write(work.resolve("nss.data"), detachedContent);
                result = run(work, Map.of(), "cmsutil", "-D", "-i", "nss.sig", "-c", "nss.data", "-d", database, "-u", "4", "-n", "-h", "1");
            }
            return result.output().contains("signer0.status=GoodSignature");
        }

        /** A signature by the imported key over the content: detached (-T) or opaque, with signing time and capabilities. */
        public byte[] sign(byte[] content, boolean detached) throws Exception {
            Files.write(work.resolve("nss-content"), content);
            List<String> command = new java.util.ArrayList<>(List.of("cmsutil", "-S", "-N", "recipient", "-i", "nss-content",
                "-o", "nss-signed", "-d", database, "-p", "", "-G", "-P"));
            if (detached) {
                command.add("-T");
            }
            check(run(work, Map.of(), command.toArray(String[]::new)));
            return Files.readAllBytes(work.resolve("nss-signed"));
        }

        /** The content encrypted by NSS to the given certificate (added to the database first). */
        public byte[] encrypt(byte[] content, X509Certificate recipient) throws Exception {
            new OpenSsl(work).writePem("nss-to.pem", recipient);
            run(work, Map.of(), "certutil", "-A", "-n", "to", "-t", ",,", "-i", "nss-to.pem", "-d", database);
            Files.write(work.resolve("nss-plain"), content);
            check(run(work, Map.of(), "cmsutil", "-E", "-r", "to", "-i", "nss-plain", "-o", "nss-encrypted", "-d", database));
            return Files.readAllBytes(work.resolve("nss-encrypted"));
        }

        /** The decrypted content, or null when cmsutil cannot decrypt. */
        public byte[] decrypt(byte[] cms) throws Exception {
            Files.write(work.resolve("nss.enc"), cms);
            Files.deleteIfExists(work.resolve("nss.dec"));
            Result result = run(work, Map.of(), "cmsutil", "-D", "-i", "nss.enc", "-d", database, "-p", "", "-o", "nss.dec");
            return result.exitCode() == 0 && Files.exists(work.resolve("nss.dec")) ? Files.readAllBytes(work.resolve("nss.dec")) : null;
        }

        private static void check(Result result) {
            if (result.exitCode() != 0) {
                throw new IllegalStateException(result.output());
            }
        }
    }
}
