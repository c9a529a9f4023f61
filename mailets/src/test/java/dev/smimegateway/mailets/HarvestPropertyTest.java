package dev.smimegateway.mailets;

import static dev.smimegateway.mailets.MailetFixtures.PKI;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.smime.DigestAlgorithm;
import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.smime.SignMode;
import dev.smimegateway.core.smime.SmimeAttributes;
import dev.smimegateway.core.smime.SmimeSigner;
import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.HarvestedCertificate;
import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * The harvesting invariant, over many mutations of signed mail: the store only ever learns the
 * certificate of a signer whose signature SMimeVerify accepted, from a mail whose From (as the reader
 * sees it) is the signer's address, and binds it only to that address: never a certificate that was
 * merely carried in the message, never an untrusted stranger's. Seeds include an impostor certificate
 * in the certificate bag, a stranger's certificate for the same address, a trusted signer writing as
 * someone else; mutations flip bytes anywhere, rewrite From, and add headers.
 * {@code -Dharvest.cases=N -Dharvest.seed=S} changes the run.
 */
class HarvestPropertyTest {
    private static final String ALICE_ADDRESS = "alice@partner.example";
    private static final List<String> FROMS = List.of(ALICE_ADDRESS, "ceo@partner.example", "Alice <alice@partner.example>",
        "ALICE@PARTNER.EXAMPLE", "eve@evil.example", "alice@partner.example, ceo@partner.example", "mallory@partner.example");

    @TempDir
    Path folder;

    @Test
    void onlyAnAcceptedSignersCertificateIsLearntAndOnlyForTheFromItSignedAs() throws Exception {
        long seed = Long.getLong("harvest.seed", 20261202L);
        int cases = Integer.getInteger("harvest.cases", 2000);
        SmimeKeyStore store = MailetFixtures.keyStore(folder, Clock.systemUTC());
        store.importTrustAnchors(TestPki.pem(PKI.caCertificate()));
        FakeMailContext context = FakeMailContext.defaultContext();
        SMimeVerify verify = new SMimeVerify(store);
        verify.init(FakeMailetConfig.builder().mailetName("SMimeVerify").mailetContext(context).build());
        HarvestPublicKey harvest = new HarvestPublicKey(store);
        harvest.init(FakeMailetConfig.builder().mailetName("HarvestPublicKey").mailetContext(context)
            .setProperty("harvestUpdatedKeys", "true").build());

        TestPki.Issued alice = PKI.leaf("Alice").email(ALICE_ADDRESS).issue();
        TestPki.Issued ceoImpostor = PKI.leaf("CEO").email("ceo@partner.example").issue();
        TestPki.Issued mallory = PKI.leaf("Mallory").email("mallory@partner.example").issue();
        TestPki.Issued stranger = TestPki.create("Unknown CA").leaf("Alice").email(ALICE_ADDRESS).issue();
        List<X509Certificate> bagWithImpostor = new ArrayList<>(alice.chain());
        bagWithImpostor.add(ceoImpostor.certificate());
        List<byte[]> seeds = List.of(
            signed(alice, alice.chain(), ALICE_ADDRESS, SignMode.DETACHED),
            signed(alice, alice.chain(), ALICE_ADDRESS, SignMode.OPAQUE),
            signed(alice, bagWithImpostor, ALICE_ADDRESS, SignMode.DETACHED),
            signed(stranger, stranger.chain(), ALICE_ADDRESS, SignMode.DETACHED),
            signed(mallory, mallory.chain(), ALICE_ADDRESS, SignMode.DETACHED),
            signed(alice, alice.chain(), "ceo@partner.example", SignMode.DETACHED));

        Random random = new Random(seed);
        List<String> violations = new ArrayList<>();
        int harvested = 0;
        for (int i = 0; i < cases; i++) {
            byte[] raw = i < seeds.size() ? seeds.get(i) : mutate(seeds.get(random.nextInt(seeds.size())), random);
            MimeMessage message;
            try {
                message = MimeEntities.parse(raw);
            } catch (Exception e) {
                continue;
            }
            FakeMail mail = FakeMail.builder().name("m" + i).sender(ALICE_ADDRESS).recipient("bob@example.com").mimeMessage(message).build();
            verify.service(mail);
            harvest.service(mail);
            String outcome = attribute(mail, SmimeAttributes.HARVEST);
            boolean learnt = outcome.equals("STORED") || outcome.equals("UPDATED") || outcome.equals("SEEN_AGAIN");
            if (learnt) {
                harvested++;
                if (!"true".equals(attribute(mail, SmimeAttributes.VERIFIED))) {
                    violations.add("case " + i + ": harvested from a mail that was not verified (" + attribute(mail, SmimeAttributes.VERIFICATION_FAILURE) + ")");
                }
                List<String> from = fromAddresses(mail.getMessage());
                String signer = attribute(mail, SmimeAttributes.SIGNER_ADDRESS).toLowerCase(java.util.Locale.ROOT);
                if (!from.contains(signer)) {
                    violations.add("case " + i + ": harvested the certificate of " + signer + " from a mail whose From is " + from);
                }
            }
            if (Mail.GHOST.equals(mail.getState())) {
                violations.add("case " + i + ": the mail was dropped");
            }
        }
        List<String> legitimate = List.of(pair(alice, ALICE_ADDRESS), pair(mallory, "mallory@partner.example"));
        for (HarvestedCertificate stored : store.listHarvested(Optional.empty(), Optional.empty(), 0, 10_000)) {
            if (!legitimate.contains(stored.fingerprint() + " " + stored.address())) {
                violations.add("the store learnt " + stored.certificate().subject() + " for " + stored.address());
            }
        }
        System.out.printf("harvest property: %d cases (seed %d), %d harvested or seen again, %d violations%n", cases, seed, harvested,
            violations.size());
        assertThat(harvested).as("the unmutated seeds are harvested: the test can see a harvest").isGreaterThanOrEqualTo(3);
        assertThat(store.encryptionCertificatesFor("ceo@partner.example")).isEmpty();
        assertThat(violations).isEmpty();
    }

    private static String pair(TestPki.Issued issued, String address) {
        return CertificateFacts.of(issued.certificate()).fingerprint() + " " + address;
    }

    private static byte[] signed(TestPki.Issued signer, List<X509Certificate> bag, String from, SignMode mode) throws Exception {
        MimeMessage signed = new SmimeSigner(signer.privateKey(), bag, DigestAlgorithm.SHA256, false)
            .sign(MailetFixtures.message(from, "bob@example.com", "Contract"), mode);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        signed.writeTo(out);
        return out.toByteArray();
    }

    /** One to three mutations: a changed byte anywhere, a rewritten From, an added header. */
    private static byte[] mutate(byte[] seed, Random random) {
        String text = new String(seed, StandardCharsets.ISO_8859_1);
        int count = 1 + random.nextInt(3);
        for (int n = 0; n < count; n++) {
            switch (random.nextInt(3)) {
                case 0 -> {
                    int at = random.nextInt(text.length());
                    char replacement = (char) (' ' + random.nextInt(95));
                    text = text.substring(0, at) + replacement + text.substring(at + 1);
                }
                case 1 -> text = text.replaceFirst("(?m)^From: [^\r\n]*", "From: " + FROMS.get(random.nextInt(FROMS.size())));
                default -> text = (random.nextBoolean() ? "Sender: " : "Reply-To: ") + FROMS.get(random.nextInt(FROMS.size())) + "\r\n" + text;
            }
        }
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static List<String> fromAddresses(MimeMessage message) throws Exception {
        List<String> result = new ArrayList<>();
        if (message.getFrom() != null) {
            for (jakarta.mail.Address address : message.getFrom()) {
                result.add(((InternetAddress) address).getAddress().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return result;
    }

    private static String attribute(Mail mail, String name) {
        return mail.getAttribute(AttributeName.of(name)).map(attribute -> String.valueOf(attribute.getValue().getValue())).orElse("none");
    }
}
