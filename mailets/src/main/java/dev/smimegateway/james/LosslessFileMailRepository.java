package dev.smimegateway.james;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.apache.commons.configuration2.HierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.commons.configuration2.tree.ImmutableNode;
import org.apache.james.core.MailAddress;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.lifecycle.api.Configurable;
import org.apache.james.mailrepository.api.Initializable;
import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepository;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.PerRecipientHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.smimegateway.core.smime.MimeEntities;
import jakarta.inject.Inject;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.AddressException;

/**
 * A mail repository on disk that keeps every message byte for byte, for the quarantine and error
 * repositories ({@code file://var/mail/...}). The sample {@code mailrepositorystore.xml} makes it
 * the class of the {@code file} protocol:
 * <pre>{@code
 * <mailrepository class="dev.smimegateway.james.LosslessFileMailRepository">
 *     <protocols><protocol>file</protocol></protocols>
 * </mailrepository>
 * }</pre>
 *
 * <p><b>Why not James's own {@code FileMailRepository}:</b> James 3.8.1 stores a mail by decoding its
 * top-level body and encoding it again ({@code MimeMessageUtil.writeMessageBodyTo}), and never
 * flushes the base64 encoder: when the decoded body's length is not a multiple of 3, its last one or
 * two bytes are lost. Every encrypted or opaque-signed S/MIME message has a base64 body, so two
 * quarantined S/MIME mails in three came back corrupt, and an encrypted one could then never be
 * decrypted (found by {@code QuarantineLifecycleTest} on a real James 3.8.1).
 *
 * <p>Each mail is two files in the repository's folder, named by the hexadecimal UTF-8 of its key:
 * {@code <key>.eml}, the message as James writes it (unchanged bytes), and {@code <key>.json}, its
 * envelope, state, error message, attributes and per-recipient headers. Both are written to a
 * temporary file first and moved into place, the message before its details: a mail is listed once
 * its details exist, so a crash never leaves half a mail listed. An attribute whose value has no JSON
 * form is left out, with a warning. The files of James's own file repository in the same folder are
 * not read: after switching, release or move what it held first.
 *
 * <p>Works with James's webadmin {@code /mailRepositories} routes (list, read, reprocess, delete) as
 * James's repositories do.
 */
public class LosslessFileMailRepository implements MailRepository, Configurable, Initializable {
    private static final Logger LOGGER = LoggerFactory.getLogger(LosslessFileMailRepository.class);
    private static final String MESSAGE = ".eml";
    private static final String DETAILS = ".json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FileSystem fileSystem;
    private String destination;
    private Path folder;

    @Inject
    public LosslessFileMailRepository(FileSystem fileSystem) {
        this.fileSystem = fileSystem;
    }

    @Override
    public void configure(HierarchicalConfiguration<ImmutableNode> configuration) throws ConfigurationException {
        destination = configuration.getString("[@destinationURL]");
        if (destination == null || destination.isBlank()) {
            throw new ConfigurationException("LosslessFileMailRepository needs a destinationURL such as file://var/mail/error/");
        }
    }

    @Override
    public void init() throws Exception {
        File file = fileSystem.getFile(destination);
        folder = Files.createDirectories(file.toPath());
        LOGGER.info("Mail repository {} keeps its mail in {}", destination, folder);
    }

    @Override
    public synchronized MailKey store(Mail mail) {
        MailKey key = MailKey.forMail(mail);
        try {
            write(file(key, MESSAGE), MimeEntities.write(mail.getMessage()));
            write(file(key, DETAILS), JSON.writeValueAsBytes(details(mail)));
            return key;
        } catch (IOException | MessagingException e) {
            throw new IllegalStateException("cannot store mail " + key.asString() + " in " + folder + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized long size() {
        return keys().size();
    }

    @Override
    public synchronized Iterator<MailKey> list() {
        return keys().iterator();
    }

    @Override
    public synchronized Mail retrieve(MailKey key) {
        try {
            byte[] details = Files.readAllBytes(file(key, DETAILS));
            byte[] message = Files.readAllBytes(file(key, MESSAGE));
            return mail(key, JSON.readTree(details), message);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | MessagingException | RuntimeException e) {
            throw new IllegalStateException("cannot read mail " + key.asString() + " from " + folder + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void remove(MailKey key) {
        try {
            Files.deleteIfExists(file(key, DETAILS));
            Files.deleteIfExists(file(key, MESSAGE));
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove mail " + key.asString() + " from " + folder + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void remove(Collection<MailKey> keys) {
        keys.forEach(this::remove);
    }

    @Override
    public synchronized void removeAll() {
        keys().forEach(this::remove);
    }

    private List<MailKey> keys() {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(path -> path.getFileName().toString())
                .filter(name -> name.endsWith(DETAILS))
                .map(name -> new MailKey(new String(HexFormat.of().parseHex(name.substring(0, name.length() - DETAILS.length())),
                    StandardCharsets.UTF_8)))
                .sorted((a, b) -> a.asString().compareTo(b.asString()))
                .toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list the mail in " + folder + ": " + e.getMessage(), e);
        }
    }

    private Path file(MailKey key, String suffix) {
        return folder.resolve(HexFormat.of().formatHex(key.asString().getBytes(StandardCharsets.UTF_8)) + suffix);
    }

    /** Writes the file whole or not at all: a temporary file in the same folder, moved into place. */
    private static void write(Path file, byte[] content) throws IOException {
        Path temporary = Files.createTempFile(file.getParent(), ".storing-", ".tmp");
        try {
            Files.write(temporary, content);
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static ObjectNode details(Mail mail) {
        ObjectNode details = JSON.createObjectNode();
        details.put("name", mail.getName());
        details.put("state", mail.getState());
        details.put("errorMessage", mail.getErrorMessage());
        mail.getMaybeSender().asOptional().ifPresent(sender -> details.put("sender", sender.asString()));
        ArrayNode recipients = details.putArray("recipients");
        mail.getRecipients().forEach(recipient -> recipients.add(recipient.asString()));
        details.put("remoteHost", mail.getRemoteHost());
        details.put("remoteAddr", mail.getRemoteAddr());
        Optional.ofNullable(mail.getLastUpdated()).ifPresent(date -> details.put("lastUpdated", date.getTime()));
        ObjectNode attributes = details.putObject("attributes");
        mail.attributes().forEach(attribute -> attribute.getValue().toJson().ifPresentOrElse(
            json -> attributes.set(attribute.getName().asString(), json),
            () -> LOGGER.warn("Mail {}: attribute {} has no JSON form and is not stored", mail.getName(), attribute.getName().asString())));
        ArrayNode headers = details.putArray("perRecipientHeaders");
        PerRecipientHeaders perRecipient = mail.getPerRecipientSpecificHeaders();
        for (MailAddress recipient : perRecipient.getRecipientsWithSpecificHeaders()) {
            for (PerRecipientHeaders.Header header : perRecipient.getHeadersForRecipient(recipient)) {
                headers.addObject().put("recipient", recipient.asString()).put("name", header.getName()).put("value", header.getValue());
            }
        }
        return details;
    }

    private static Mail mail(MailKey key, JsonNode details, byte[] message) throws MessagingException {
        List<MailAddress> recipients = new ArrayList<>();
        for (JsonNode recipient : details.path("recipients")) {
            recipients.add(address(recipient.asText()));
        }
        Optional<MailAddress> sender = details.hasNonNull("sender") ? Optional.of(address(details.get("sender").asText())) : Optional.empty();
        StoredMail mail = new StoredMail(details.path("name").asText(key.asString()), MimeEntities.parse(message), sender, recipients);
        mail.setState(text(details, "state"));
        mail.setErrorMessage(text(details, "errorMessage"));
        mail.setRemote(text(details, "remoteHost"), text(details, "remoteAddr"));
        if (details.hasNonNull("lastUpdated")) {
            mail.setLastUpdated(new Date(details.get("lastUpdated").asLong()));
        }
        details.path("attributes").fields().forEachRemaining(field ->
            mail.setAttribute(new Attribute(AttributeName.of(field.getKey()), AttributeValue.fromJson(field.getValue()))));
        for (JsonNode header : details.path("perRecipientHeaders")) {
            mail.addSpecificHeaderForRecipient(PerRecipientHeaders.Header.builder().name(header.path("name").asText())
                .value(header.path("value").asText()).build(), address(header.path("recipient").asText()));
        }
        return mail;
    }

    private static String text(JsonNode details, String field) {
        return details.hasNonNull(field) ? details.get(field).asText() : null;
    }

    private static MailAddress address(String text) throws MessagingException {
        try {
            return new MailAddress(text);
        } catch (AddressException e) {
            throw new MessagingException("stored address '" + text + "' is not a mail address", e);
        }
    }
}
