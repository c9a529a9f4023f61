package dev.smimegateway.james;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MailAddress;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.mailrepository.api.MailKey;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.PerRecipientHeaders;
import org.apache.mailet.base.test.FakeMail;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.smime.MimeEntities;

/**
 * The quarantine's repository keeps every byte of what it stores, above all base64 bodies whose
 * length is not a multiple of 3 (James 3.8.1's own file repository loses their last bytes), and the
 * envelope and attributes an administrator reads in webadmin.
 */
class LosslessFileMailRepositoryTest {
    @TempDir
    Path base;
    private LosslessFileMailRepository repository;

    @BeforeEach
    void setUp() throws Exception {
        repository = open();
    }

    private LosslessFileMailRepository open() throws Exception {
        LosslessFileMailRepository opened = new LosslessFileMailRepository(new FileSystem() {
            @Override
            public InputStream getResource(String url) {
                throw new UnsupportedOperationException();
            }

            @Override
            public File getFile(String fileURL) {
                return base.resolve(fileURL.substring("file://".length())).toFile();
            }

            @Override
            public File getBasedir() {
                return base.toFile();
            }
        });
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        configuration.addProperty("[@destinationURL]", "file://var/mail/smime-quarantine/");
        opened.configure(configuration);
        opened.init();
        return opened;
    }

    /** An S/MIME-like message whose base64 body decodes to {@code length} bytes. */
    private static byte[] base64Message(int length, long seed) {
        byte[] body = new byte[length];
        new Random(seed).nextBytes(body);
        return ("From: alice@partner.example\r\nTo: bob@example.com\r\nSubject: stored\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + Base64.getMimeEncoder().encodeToString(body) + "\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    }

    private static FakeMail mail(String name, byte[] message) throws Exception {
        return FakeMail.builder().name(name).sender("alice@partner.example").recipients("bob@example.com", "carol@example.com")
            .mimeMessage(MimeEntities.parse(message)).state("incoming-smime").errorMessage("not decrypted")
            .remoteHost("mx.partner.example").remoteAddr("192.0.2.7").build();
    }

    @Test
    void everyByteOfABase64BodyComesBackWhateverItsLength() throws Exception {
        for (int length = 1000; length < 1006; length++) {
            byte[] message = base64Message(length, length);
            repository.store(mail("mail-" + length, message));

            Mail back = repository.retrieve(new MailKey("mail-" + length));

            assertThat(MimeEntities.write(back.getMessage())).as("decoded length %d", length).isEqualTo(message);
        }
    }

    @Test
    void theEnvelopeStateErrorAndAttributesSurviveAndANewInstanceSeesThem() throws Exception {
        FakeMail mail = mail("Mail-1", base64Message(4096, 1));
        mail.setAttribute(new Attribute(AttributeName.of("smime.decryption.failure"), AttributeValue.of("no stored private key")));
        mail.setAttribute(new Attribute(AttributeName.of("smime.decryption.authenticated"), AttributeValue.of(false)));
        mail.addSpecificHeaderForRecipient(PerRecipientHeaders.Header.builder().name("X-Folder").value("Quarantine").build(),
            new MailAddress("bob@example.com"));
        repository.store(mail);

        Mail back = open().retrieve(new MailKey("Mail-1"));

        assertThat(back.getName()).isEqualTo("Mail-1");
        assertThat(back.getMaybeSender().asString()).isEqualTo("alice@partner.example");
        assertThat(back.getRecipients()).extracting(MailAddress::asString).containsExactly("bob@example.com", "carol@example.com");
        assertThat(back.getState()).isEqualTo("incoming-smime");
        assertThat(back.getErrorMessage()).isEqualTo("not decrypted");
        assertThat(back.getRemoteHost()).isEqualTo("mx.partner.example");
        assertThat(back.getRemoteAddr()).isEqualTo("192.0.2.7");
        assertThat(back.getAttribute(AttributeName.of("smime.decryption.failure"))).map(attribute -> (Object) attribute.getValue().value())
            .contains("no stored private key");
        assertThat(back.getAttribute(AttributeName.of("smime.decryption.authenticated"))).map(attribute -> (Object) attribute.getValue().value())
            .contains(false);
        assertThat(back.getPerRecipientSpecificHeaders().getHeadersForRecipient(new MailAddress("bob@example.com")))
            .extracting(PerRecipientHeaders.Header::getValue).containsExactly("Quarantine");
        assertThat(back.duplicate().getMessage().getSubject()).isEqualTo("stored");
    }

    @Test
    void listSizeRemoveAndRemoveAll() throws Exception {
        repository.store(mail("b", base64Message(10, 1)));
        repository.store(mail("a", base64Message(11, 2)));
        repository.store(mail("ünïcode key/with slash", base64Message(12, 3)));
        assertThat(repository.size()).isEqualTo(3);
        List<String> keys = new ArrayList<>();
        repository.list().forEachRemaining(key -> keys.add(key.asString()));
        assertThat(keys).containsExactly("a", "b", "ünïcode key/with slash");

        repository.remove(new MailKey("a"));
        assertThat(repository.retrieve(new MailKey("a"))).isNull();
        assertThat(repository.size()).isEqualTo(2);

        repository.removeAll();
        assertThat(repository.size()).isZero();
        try (var files = Files.list(base.resolve("var/mail/smime-quarantine"))) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void storingAgainUnderTheSameKeyReplacesTheMail() throws Exception {
        repository.store(mail("same", base64Message(100, 1)));
        byte[] second = base64Message(101, 2);

        repository.store(mail("same", second));

        assertThat(repository.size()).isEqualTo(1);
        assertThat(MimeEntities.write(repository.retrieve(new MailKey("same")).getMessage())).isEqualTo(second);
    }

    /** A message without its details (a crash between the two writes) is not listed as a mail. */
    @Test
    void aMessageWithoutItsDetailsIsNotListed() throws Exception {
        repository.store(mail("whole", base64Message(100, 1)));
        Files.write(base.resolve("var/mail/smime-quarantine").resolve("6372617368.eml"), base64Message(50, 2));

        assertThat(repository.size()).isEqualTo(1);
        assertThat(repository.retrieve(new MailKey("crash"))).isNull();
    }

    @Test
    void manySpoolThreadsStoringAtOnceLoseNothing() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> stored = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                int n = i;
                stored.add(threads.submit(() -> repository.store(mail("m" + n, base64Message(500 + n, n)))));
            }
            for (Future<?> future : stored) {
                future.get();
            }
        } finally {
            threads.shutdown();
        }
        assertThat(repository.size()).isEqualTo(64);
        for (int i = 0; i < 64; i++) {
            assertThat(MimeEntities.write(repository.retrieve(new MailKey("m" + i)).getMessage())).isEqualTo(base64Message(500 + i, i));
        }
    }

    @Test
    void aRepositoryWithoutADestinationIsRefusedAtStart() {
        LosslessFileMailRepository unconfigured = new LosslessFileMailRepository(null);

        assertThatThrownBy(() -> unconfigured.configure(new BaseHierarchicalConfiguration()))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("destinationURL");
    }

    @Test
    void unreadableDetailsAreAClearErrorNamingTheMail() throws Exception {
        repository.store(mail("broken", base64Message(10, 1)));
        Files.writeString(base.resolve("var/mail/smime-quarantine").resolve("62726f6b656e.json"), "{not json");

        assertThatThrownBy(() -> repository.retrieve(new MailKey("broken"))).hasMessageContaining("cannot read mail broken");
    }
}
