package dev.smimegateway.core.smime;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

import javax.security.auth.x500.X500Principal;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.internet.MimeMessage;

/** Keys and messages for the incoming-mail tests. */
final class IncomingFixture {
    static final TestPki PKI = TestPki.create("Incoming CA");
    static final TestPki.Issued ALICE = PKI.leaf("Alice").email("alice@example.com").issue();
    static final TestPki.Issued ALICE_EC = PKI.leaf("Alice EC").email("alice@example.com").ec().issue();
    static final TestPki.Issued BOB = PKI.leaf("Bob").email("bob@partner.example").issue();
    static final TestPki.Issued BOB_EC = PKI.leaf("Bob EC").email("bob@partner.example").ec().issue();
    static final int MAX_BYTES = 64 * 1024 * 1024;

    static final String CONTENT = "Content-Type: text/plain; charset=us-ascii\r\n\r\nPay 100 EUR to account 1234.\r\n";

    private IncomingFixture() {
    }

    /** An {@code application/pkcs7-mime} entity of the given smime-type carrying the CMS, as our engine writes one. */
    static byte[] pkcs7MimeEntity(String smimeType, byte[] der) {
        return (new String(SmimeSigner.pkcs7MimeHeader(smimeType), StandardCharsets.US_ASCII)
            + java.util.Base64.getMimeEncoder().encodeToString(der) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static SmimeVerifier verifier() {
        return new SmimeVerifier(List.of(PKI.caCertificate()), Clock.systemUTC(), MAX_BYTES);
    }

    static SmimeDecryptor decryptor(TestPki.Issued... holders) {
        return new SmimeDecryptor(keys("bob", holders), MAX_BYTES, java.util.Set.of());
    }

    /** The holders' keys, all under one identity name. */
    static SmimeDecryptor.KeyLookup keys(String owner, TestPki.Issued... holders) {
        return new SmimeDecryptor.KeyLookup() {
            @Override
            public Optional<SmimeDecryptor.KeyAndCertificate> byIssuerAndSerial(X500Principal issuer, BigInteger serial) {
                for (TestPki.Issued holder : holders) {
                    if (holder.certificate().getIssuerX500Principal().equals(issuer) && holder.certificate().getSerialNumber().equals(serial)) {
                        return Optional.of(new SmimeDecryptor.KeyAndCertificate(owner, holder.privateKey(), holder.certificate()));
                    }
                }
                return Optional.empty();
            }

            @Override
            public Optional<SmimeDecryptor.KeyAndCertificate> bySubjectKeyIdentifier(byte[] ski) {
                for (TestPki.Issued holder : holders) {
                    if (java.util.Arrays.equals(CertificateFacts.of(holder.certificate()).subjectKeyIdentifier().orElse(null), ski)) {
                        return Optional.of(new SmimeDecryptor.KeyAndCertificate(owner, holder.privateKey(), holder.certificate()));
                    }
                }
                return Optional.empty();
            }
        };
    }

    static MimeMessage plain(String from) throws Exception {
        return MimeEntities.parse(("From: " + from + "\r\nTo: bob@partner.example\r\nSubject: payment\r\nMIME-Version: 1.0\r\n" + CONTENT)
            .getBytes(StandardCharsets.US_ASCII));
    }

    static MimeMessage signedBy(TestPki.Issued signer, SignMode mode) throws Exception {
        return new SmimeSigner(signer.privateKey(), signer.chain(), DigestAlgorithm.SHA256, false).sign(plain("alice@example.com"), mode);
    }

    static MimeMessage parse(String raw) throws Exception {
        return MimeEntities.parse(raw.getBytes(StandardCharsets.ISO_8859_1));
    }

    static String text(MimeMessage message) throws Exception {
        return new String(MimeEntities.write(message), StandardCharsets.ISO_8859_1);
    }
}
