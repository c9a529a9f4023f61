package dev.smimegateway.core.smime;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.TestPki;

/**
 * The good signed messages that {@link SignatureWrappingPropertyTest} mutates: detached
 * (multipart/signed) and opaque (application/pkcs7-mime signed-data), by an RSA and an EC signer,
 * made by our {@link SmimeSigner} and by {@code openssl cms -sign}, over a text entity, a
 * multipart/mixed with an attachment and a nested multipart. All are from alice@example.com, whose
 * certificate both signers hold, so that only the structure decides the verdict.
 */
final class SignedSeeds {
    /** One good message: its raw bytes as sent, whether its signature is detached, and the entity Alice signed (CRLF). */
    record Seed(String name, byte[] raw, boolean detached, String content) {
        String text() {
            return new String(raw, StandardCharsets.ISO_8859_1);
        }
    }

    static final String TEXT = IncomingFixture.CONTENT;

    static final String MIXED = "Content-Type: multipart/mixed; boundary=\"mixed-7f3a\"\r\n"
        + "\r\n"
        + "--mixed-7f3a\r\n"
        + "Content-Type: text/plain; charset=us-ascii\r\n"
        + "\r\n"
        + "Pay 100 EUR to account 1234; the invoice is attached.\r\n"
        + "--mixed-7f3a\r\n"
        + "Content-Type: application/pdf; name=\"invoice.pdf\"\r\n"
        + "Content-Transfer-Encoding: base64\r\n"
        + "Content-Disposition: attachment; filename=\"invoice.pdf\"\r\n"
        + "\r\n"
        + attachment()
        + "--mixed-7f3a--\r\n";

    static final String NESTED = "Content-Type: multipart/mixed; boundary=\"outer-19c2\"\r\n"
        + "\r\n"
        + "This is a multi-part message in MIME format.\r\n"
        + "--outer-19c2\r\n"
        + "Content-Type: multipart/alternative; boundary=\"alt-55e1\"\r\n"
        + "\r\n"
        + "--alt-55e1\r\n"
        + "Content-Type: text/plain; charset=us-ascii\r\n"
        + "\r\n"
        + "Pay 100 EUR to account 1234.\r\n"
        + "--alt-55e1\r\n"
        + "Content-Type: text/html; charset=us-ascii\r\n"
        + "\r\n"
        + "<p>Pay 100 EUR to account 1234.</p>\r\n"
        + "--alt-55e1--\r\n"
        + "--outer-19c2\r\n"
        + "Content-Type: message/rfc822\r\n"
        + "Content-Disposition: attachment; filename=\"order.eml\"\r\n"
        + "\r\n"
        + "From: carol@example.com\r\n"
        + "Subject: order 77\r\n"
        + "Content-Type: text/plain; charset=us-ascii\r\n"
        + "\r\n"
        + "Order 77: 100 EUR.\r\n"
        + "--outer-19c2--\r\n";

    private static final String OUTER_HEADERS = "From: alice@example.com\r\nTo: bob@partner.example\r\nSubject: payment\r\n";

    private SignedSeeds() {
    }

    /** Every combination of maker, layout, key type and content, openssl's via the command line in the folder. */
    static List<Seed> create(Path folder) throws Exception {
        List<Seed> seeds = new ArrayList<>();
        String[][] contents = {{"text", TEXT}, {"multipart/mixed with attachment", MIXED}, {"nested multipart", NESTED}};
        for (TestPki.Issued signer : List.of(IncomingFixture.ALICE, IncomingFixture.ALICE_EC)) {
            String key = signer == IncomingFixture.ALICE ? "RSA" : "EC";
            for (String[] content : contents) {
                for (SignMode mode : SignMode.values()) {
                    boolean detached = mode == SignMode.DETACHED;
                    String layout = detached ? "detached" : "opaque";
                    seeds.add(new Seed("SmimeSigner " + layout + " " + key + " " + content[0], ours(signer, content[1], mode), detached,
                        content[1]));
                    seeds.add(new Seed("openssl " + layout + " " + key + " " + content[0], openssl(folder, signer, content[1], detached),
                        detached, content[1]));
                }
            }
        }
        return seeds;
    }

    private static byte[] ours(TestPki.Issued signer, String content, SignMode mode) throws Exception {
        byte[] plain = (OUTER_HEADERS + "MIME-Version: 1.0\r\n" + content).getBytes(StandardCharsets.US_ASCII);
        return MimeEntities.write(new SmimeSigner(signer.privateKey(), signer.chain(), DigestAlgorithm.SHA256, false)
            .sign(MimeEntities.parse(plain), mode));
    }

    /** openssl writes its own lines with LF and the signed content CRLF-canonical: kept as it is, a realistic mix. */
    private static byte[] openssl(Path folder, TestPki.Issued signer, String content, boolean detached) throws Exception {
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("seed-signer.pem", signer.certificate());
        openssl.writeKey("seed-signer.key", signer.privateKey());
        openssl.write("seed-content.eml", content.getBytes(StandardCharsets.US_ASCII));
        List<String> command = new ArrayList<>(List.of("cms", "-sign", "-md", "sha256", "-in", "seed-content.eml",
            "-signer", "seed-signer.pem", "-inkey", "seed-signer.key", "-out", "seed-signed.eml"));
        if (!detached) {
            command.add("-nodetach");
        }
        OpenSsl.Result result = openssl.run(command.toArray(String[]::new));
        if (result.exitCode() != 0) {
            throw new IllegalStateException("openssl cms -sign failed: " + result.output());
        }
        byte[] signed = openssl.read("seed-signed.eml");
        byte[] headers = OUTER_HEADERS.getBytes(StandardCharsets.US_ASCII);
        byte[] raw = new byte[headers.length + signed.length];
        System.arraycopy(headers, 0, raw, 0, headers.length);
        System.arraycopy(signed, 0, raw, headers.length, signed.length);
        return raw;
    }

    private static String attachment() {
        byte[] pdf = new byte[700];
        for (int i = 0; i < pdf.length; i++) {
            pdf[i] = (byte) (i * 31 + 7);
        }
        return Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pdf) + "\r\n";
    }
}
