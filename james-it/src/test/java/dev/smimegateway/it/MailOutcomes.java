package dev.smimegateway.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Where the mail sent to one mailbox of a real James ended up: the mailbox (IMAP), the quarantine or
 * the error repository (webadmin {@code /mailRepositories}). Every send waits until the mail is in
 * exactly one of them, so that a mail the gateway loses fails the test instead of passing unseen.
 */
final class MailOutcomes {
    static final String QUARANTINE = "var/mail/smime-quarantine/";
    static final String ERROR = "var/mail/error/";
    static final String INBOX = "INBOX";

    /** Where one mail landed, with its bytes as stored and, for a repository, its mail attributes. */
    record Outcome(String place, String key, byte[] raw, JsonNode details) {
        String text() {
            return new String(raw, StandardCharsets.ISO_8859_1);
        }

        /** A mail attribute as text ({@code "MALFORMED"}, {@code "false"}), whatever webadmin's serialisation. */
        Optional<String> attribute(String name) {
            if (details == null || details.get("attributes") == null || details.get("attributes").get(name) == null) {
                return Optional.empty();
            }
            JsonNode value = details.get("attributes").get(name);
            if (value.isObject() && value.has("value")) {
                value = value.get("value");
            }
            String text = value.isTextual() ? value.asText() : value.toString();
            return Optional.of(text.replaceAll("^\"|\"$", ""));
        }

        /** The gateway's verdict as written into the message, e.g. {@code verified; signer=a@b}; empty when none. */
        List<String> statusHeaders() {
            List<String> values = new ArrayList<>();
            String headers = text().split("\r\n\r\n", 2)[0].replaceAll("\r\n[ \t]+", " ");
            for (String line : headers.split("\r\n")) {
                if (line.regionMatches(true, 0, "X-Smime-Gateway-Status:", 0, 23)) {
                    values.add(line.substring(23).trim());
                }
            }
            return values;
        }

        String summary() {
            return place + (place.equals(INBOX) ? "" : " " + attribute("smime.verification.failure").orElse("-")
                + " / " + attribute("smime.verification.detail").orElse("-") + " / decryption: "
                + attribute("smime.decryption.failure").orElse("-") + " / authenticated: "
                + attribute("smime.decryption.authenticated").orElse("-")) + " / status " + statusHeaders();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RealJamesServer james;
    private final String user;
    private final String password;

    MailOutcomes(RealJamesServer james, String user, String password) {
        this.james = james;
        this.user = user;
        this.password = password;
    }

    /** Sends the message over SMTP and waits (up to {@code within}) until it is in the mailbox or a repository. */
    Outcome send(String envelopeSender, String message, Duration within) throws Exception {
        Set<String> quarantined = new HashSet<>(keys(QUARANTINE));
        Set<String> errors = new HashSet<>(keys(ERROR));
        int inbox = MailClient.messageCount(james.imapPort(), user, password);
        int before = quarantined.size() + errors.size() + inbox;
        MailClient.send(james.smtpPort(), envelopeSender, user, message);
        await().atMost(within).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
            .until(() -> keys(QUARANTINE).size() + keys(ERROR).size() + MailClient.messageCount(james.imapPort(), user, password) > before);
        Thread.sleep(300); // a second copy (a bounce, a duplicate) would show up here
        int after = keys(QUARANTINE).size() + keys(ERROR).size() + MailClient.messageCount(james.imapPort(), user, password);
        if (after != before + 1) {
            throw new AssertionError("one mail sent, but the mailbox and the repositories grew by " + (after - before));
        }
        for (String repository : List.of(QUARANTINE, ERROR)) {
            Set<String> added = new HashSet<>(keys(repository));
            added.removeAll(repository.equals(QUARANTINE) ? quarantined : errors);
            if (!added.isEmpty()) {
                String key = added.iterator().next();
                return new Outcome(repository, key, raw(repository, key), details(repository, key));
            }
        }
        List<byte[]> messages = MailClient.fetchAll(james.imapPort(), user, password);
        return new Outcome(INBOX, Integer.toString(messages.size()), messages.get(messages.size() - 1), null);
    }

    List<String> keys(String repository) throws IOException {
        HttpResponse<String> response = james.get(mails(repository));
        if (response.statusCode() == 404) {
            return List.of();
        }
        if (response.statusCode() != 200) {
            throw new IOException("webadmin answered " + response.statusCode() + " for " + repository + ": " + response.body());
        }
        List<String> keys = new ArrayList<>();
        JSON.readTree(response.body()).forEach(key -> keys.add(key.asText()));
        return keys;
    }

    int inboxCount() throws IOException {
        return MailClient.messageCount(james.imapPort(), user, password);
    }

    /** The administrator's release: the quarantined mail goes to the given processor (e.g. local-delivery). */
    HttpResponse<String> release(String key, String processor) throws IOException {
        HttpResponse<String> response = james.patch(mail(QUARANTINE, key) + "?action=reprocess&processor=" + processor);
        if (response.statusCode() < 300) {
            // the task takes the mail out of the repository and into the spool; wait until it has
            james.get("/tasks/" + JSON.readTree(response.body()).get("taskId").asText() + "/await");
        }
        return response;
    }

    /** A mail of a repository as it is stored now: its bytes and its attributes. */
    Outcome stored(String repository, String key) throws IOException {
        return new Outcome(repository, key, raw(repository, key), details(repository, key));
    }

    /** The administrator's deletion of a mail from a repository. */
    HttpResponse<String> delete(String repository, String key) throws IOException {
        return james.delete(mail(repository, key));
    }

    private JsonNode details(String repository, String key) throws IOException {
        return JSON.readTree(james.get(mail(repository, key) + "?additionalFields=attributes").body());
    }

    private byte[] raw(String repository, String key) throws IOException {
        HttpResponse<byte[]> response = james.getBytes(mail(repository, key), "message/rfc822");
        if (response.statusCode() != 200) {
            throw new IOException("webadmin answered " + response.statusCode() + " for the content of " + key);
        }
        return response.body();
    }

    private static String mails(String repository) {
        return "/mailRepositories/" + URLEncoder.encode(repository, StandardCharsets.UTF_8) + "/mails";
    }

    private static String mail(String repository, String key) {
        return mails(repository) + "/" + URLEncoder.encode(key, StandardCharsets.UTF_8);
    }
}
