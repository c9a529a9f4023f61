package dev.smimegateway.core.smime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Random;

import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.cms.RecipientInfo;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSAuthEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.RecipientInfoGenerator;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.cms.jcajce.JceKEKRecipientInfoGenerator;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipientInfoGenerator;
import org.bouncycastle.operator.OutputEncryptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.smimegateway.core.crypto.JdkGcmContentEncryptor;
import dev.smimegateway.core.crypto.Providers;

/**
 * The streamed DER envelope is byte for byte what Bouncy Castle's generators build and encode in DER
 * from the same key, IV and RecipientInfos (fixed here: a seeded random, AES key wrap and a
 * pre-made key-transport RecipientInfo, where RSA would pad at random).
 */
class DerEnvelopeTest {
    private static final byte[] SEED = "der-envelope".getBytes(StandardCharsets.US_ASCII);
    private static final RecipientInfo KEY_TRANSPORT;

    static {
        try {
            KEY_TRANSPORT = new JceKeyTransRecipientInfoGenerator(IncomingFixture.BOB.certificate())
                .generate(new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES128_CBC).build().getKey());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static SecureRandom seeded() throws Exception {
        SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
        random.setSeed(SEED);
        return random;
    }

    private static List<RecipientInfoGenerator> recipients() {
        RecipientInfoGenerator keyWrap = new JceKEKRecipientInfoGenerator(new byte[] {1, 2, 3},
            new SecretKeySpec(new byte[32], "AES")).setProvider(Providers.BOUNCY_CASTLE);
        RecipientInfoGenerator keyTransport = key -> KEY_TRANSPORT;
        return List.of(keyWrap, keyTransport);
    }

    /** Content of the given length whose lines end with LF, so that the envelope also makes it CRLF. */
    private static byte[] content(int length) {
        byte[] content = new byte[length];
        new Random(length).nextBytes(content);
        for (int i = 40; i < length; i += 41) {
            content[i] = '\n';
        }
        return content;
    }

    private static byte[] streamed(byte[] content, OutputEncryptor encryptor, ContentEncryption algorithm,
        List<RecipientInfoGenerator> recipients) throws Exception {
        CanonicalEntity entity = new CanonicalEntity(new byte[0], content, 0, content.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DerEnvelope.write(out, recipients, encryptor, algorithm.encryptedLength(entity.length()), entity);
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 15, 16, 17, 90, 200, 70_000})
    void envelopedDataIsWhatBouncyCastleEncodes(int length) throws Exception {
        byte[] content = content(length);
        for (List<RecipientInfoGenerator> recipients : List.of(recipients(), recipients().subList(1, 2))) {
            CMSEnvelopedDataGenerator generator = new CMSEnvelopedDataGenerator();
            recipients.forEach(generator::addRecipientInfoGenerator);
            byte[] expected = generator.generate(new CMSProcessableByteArray(MimeEntities.toCrlf(content)),
                new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES256_CBC).setSecureRandom(seeded()).build())
                .toASN1Structure().getEncoded(ASN1Encoding.DER);

            OutputEncryptor encryptor = new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES256_CBC).setSecureRandom(seeded()).build();

            assertThat(streamed(content, encryptor, ContentEncryption.AES256_CBC, recipients)).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 16, 17, 200, 70_000})
    void authEnvelopedDataIsWhatBouncyCastleEncodes(int length) throws Exception {
        byte[] content = content(length);
        for (List<RecipientInfoGenerator> recipients : List.of(recipients(), recipients().subList(1, 2))) {
            CMSAuthEnvelopedDataGenerator generator = new CMSAuthEnvelopedDataGenerator();
            recipients.forEach(generator::addRecipientInfoGenerator);
            byte[] expected = generator.generate(new CMSProcessableByteArray(MimeEntities.toCrlf(content)),
                JdkGcmContentEncryptor.create(CMSAlgorithm.AES128_GCM, 128, seeded())).toASN1Structure().getEncoded(ASN1Encoding.DER);

            OutputEncryptor encryptor = JdkGcmContentEncryptor.create(CMSAlgorithm.AES128_GCM, 128, seeded());

            assertThat(streamed(content, encryptor, ContentEncryption.AES128_GCM, recipients)).isEqualTo(expected);
        }
    }

    @Test
    void aCipherWritingOtherThanTheAnnouncedLengthIsAnError() throws Exception {
        CanonicalEntity entity = new CanonicalEntity(new byte[0], content(100), 0, 100);
        OutputEncryptor encryptor = new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES128_CBC).build();

        assertThatThrownBy(() -> DerEnvelope.write(new ByteArrayOutputStream(), recipients(), encryptor, entity.length(), entity))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("were announced");
    }

    @Test
    void lengthsAreInTheShortestDerForm() {
        assertThat(DerEnvelope.header(0x30, 127)).containsExactly(0x30, 127);
        assertThat(DerEnvelope.header(0x30, 128)).containsExactly(0x30, 0x81, 0x80);
        assertThat(DerEnvelope.header(0x80, 256)).containsExactly(0x80, 0x82, 0x01, 0x00);
        assertThat(DerEnvelope.header(0x04, 70_000)).containsExactly(0x04, 0x83, 0x01, 0x11, 0x70);
    }
}
