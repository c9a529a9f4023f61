package dev.smimegateway.benchmarks;

import java.util.List;
import java.util.Optional;

import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.smime.SignMode;
import dev.smimegateway.core.smime.SmimeException;
import dev.smimegateway.core.smime.VerificationResult;
import jakarta.mail.internet.MimeMessage;

/**
 * One operation of the S/MIME engine on a parsed message, with what bounds it: for small messages its
 * RSA operations (a private-key one makes openssl's sign rate the limit, else its verify rate), for large
 * ones the bulk primitives its bytes pass through (in series: {@code 1 / sum(1 / rate)}).
 */
enum EngineOperation {
    SIGN_DETACHED("sign detached", Input.PLAIN, true, List.of(Primitive.SHA256),
        (fixtures, message) -> fixtures.signer.sign(message, SignMode.DETACHED)),
    SIGN_OPAQUE("sign opaque", Input.PLAIN, true, List.of(Primitive.SHA256),
        (fixtures, message) -> fixtures.signer.sign(message, SignMode.OPAQUE)),
    ENCRYPT_CBC("encrypt AES-256-CBC", Input.PLAIN, false, List.of(Primitive.AES_CBC_ENCRYPT), EngineOperation::encryptCbc),
    ENCRYPT_GCM("encrypt AES-256-GCM", Input.PLAIN, false, List.of(Primitive.AES_GCM_ENCRYPT),
        (fixtures, message) -> fixtures.gcm.encrypt(message, List.of(fixtures.bob.certificate()), Optional.empty())),
    SIGN_ENCRYPT("sign+encrypt (CBC)", Input.PLAIN, true, List.of(Primitive.SHA256, Primitive.AES_CBC_ENCRYPT),
        (fixtures, message) -> encryptCbc(fixtures, fixtures.signer.sign(message, SignMode.DETACHED))),
    TRIPLE_WRAP("triple wrap (CBC)", Input.PLAIN, true, List.of(Primitive.SHA256, Primitive.AES_CBC_ENCRYPT, Primitive.SHA256),
        (fixtures, message) -> fixtures.signer.sign(encryptCbc(fixtures, fixtures.signer.sign(message, SignMode.DETACHED)),
            SignMode.DETACHED)),
    DECRYPT_CBC("decrypt AES-256-CBC", Input.ENCRYPTED_CBC, true, List.of(Primitive.AES_CBC_DECRYPT), EngineOperation::decrypt),
    DECRYPT_GCM("decrypt AES-256-GCM", Input.ENCRYPTED_GCM, true, List.of(Primitive.AES_GCM_DECRYPT), EngineOperation::decrypt),
    VERIFY("verify detached", Input.SIGNED, false, List.of(Primitive.SHA256),
        (fixtures, message) -> verified(fixtures.verifier.verify(message))),
    DECRYPT_VERIFY("decrypt+verify (CBC)", Input.SIGNED_THEN_ENCRYPTED, true, List.of(Primitive.AES_CBC_DECRYPT, Primitive.SHA256),
        (fixtures, message) -> verified(fixtures.verifier.verify(decrypt(fixtures, message))));

    private interface Step {
        Object apply(Fixtures fixtures, MimeMessage message) throws SmimeException;
    }

    /** What an operation reads, made from the plain message by the engine itself. */
    enum Input {
        PLAIN, SIGNED, ENCRYPTED_CBC, ENCRYPTED_GCM, SIGNED_THEN_ENCRYPTED;

        byte[] make(Fixtures fixtures, byte[] plain) throws Exception {
            MimeMessage message = MimeEntities.parse(plain);
            return switch (this) {
                case PLAIN -> plain;
                case SIGNED -> MimeEntities.write((MimeMessage) SIGN_DETACHED.apply(fixtures, message));
                case ENCRYPTED_CBC -> MimeEntities.write((MimeMessage) ENCRYPT_CBC.apply(fixtures, message));
                case ENCRYPTED_GCM -> MimeEntities.write((MimeMessage) ENCRYPT_GCM.apply(fixtures, message));
                case SIGNED_THEN_ENCRYPTED -> MimeEntities.write((MimeMessage) SIGN_ENCRYPT.apply(fixtures, message));
            };
        }
    }

    final String label;
    final Input input;
    final boolean privateKey;
    final List<Primitive> bulk;
    private final Step step;

    EngineOperation(String label, Input input, boolean privateKey, List<Primitive> bulk, Step step) {
        this.label = label;
        this.input = input;
        this.privateKey = privateKey;
        this.bulk = bulk;
        this.step = step;
    }

    /** @return the resulting message, or the verification result */
    Object apply(Fixtures fixtures, MimeMessage message) throws SmimeException {
        return step.apply(fixtures, message);
    }

    /** MB/s of the bulk primitives this operation's bytes go through, one after the other. */
    Rates bulkLimit(HardwareLimits limits) {
        double oneThread = 0;
        double allCores = 0;
        for (Primitive primitive : bulk) {
            oneThread += 1 / limits.bulk(primitive).oneThread();
            allCores += 1 / limits.bulk(primitive).allCores();
        }
        return new Rates(1 / oneThread, 1 / allCores);
    }

    String bulkLabel() {
        return String.join(" + ", bulk.stream().map(primitive -> "JDK " + primitive.label).toList());
    }

    private static MimeMessage encryptCbc(Fixtures fixtures, MimeMessage message) throws SmimeException {
        return fixtures.cbc.encrypt(message, List.of(fixtures.bob.certificate()), Optional.empty());
    }

    private static MimeMessage decrypt(Fixtures fixtures, MimeMessage message) throws SmimeException {
        return fixtures.decryptor.decrypt(message, List.of(Fixtures.BOB)).message();
    }

    private static VerificationResult verified(VerificationResult result) {
        if (!result.verified()) {
            throw new IllegalStateException("the benchmark message did not verify: " + result);
        }
        return result;
    }
}
