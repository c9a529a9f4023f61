package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import org.junit.jupiter.api.Test;

/**
 * What the sample configuration promises a mail administrator about safety: quarantined mail survives
 * a restart (the repositories are on disk), and an authenticated SMTP user cannot send as somebody
 * else (verifyIdentity), on a real James 3.8.1 with the b2b-gateway policy.
 */
class SampleSafetyTest {
    private static final String QUARANTINE = "/mailRepositories/var%2Fmail%2Fsmime-quarantine%2F/mails";

    @Test
    void quarantinedMailSurvivesARestart() throws Exception {
        try (RealJamesServer james = RealJamesServer.withPolicy("b2b-gateway").start()) {
            assertThat(james.put("/users/bob@example.com", "application/json", "{\"password\":\"pw\"}".getBytes()).statusCode())
                .isEqualTo(204);
            String undecryptable = "From: carol@partner.example\r\nTo: bob@example.com\r\nSubject: garbage\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n" + Base64.getMimeEncoder().encodeToString(new byte[300]) + "\r\n";
            MailClient.send(james.smtpPort(), "carol@partner.example", "bob@example.com", undecryptable);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> james.get(QUARANTINE).body().contains("\""));
            String before = james.get(QUARANTINE).body();

            james.stop();
            james.start();

            assertThat(james.get(QUARANTINE).body()).isEqualTo(before);
        }
    }

    @Test
    void anAuthenticatedUserCannotSendAsSomebodyElse() throws Exception {
        try (RealJamesServer james = RealJamesServer.withPolicy("b2b-gateway").start()) {
            assertThat(james.put("/users/alice@example.com", "application/json", "{\"password\":\"alice-pass\"}".getBytes()).statusCode())
                .isEqualTo(204);

            assertThat(mailFromAfterLogin(james.smtpPort(), "alice@example.com", "alice-pass", "alice@example.com")).startsWith("250");
            assertThat(mailFromAfterLogin(james.smtpPort(), "alice@example.com", "alice-pass", "ceo@example.com")).startsWith("5");
        }
    }

    /** The server's answer to MAIL FROM after AUTH PLAIN as {@code user}. */
    private static String mailFromAfterLogin(int port, String user, String password, String from) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            reply(in);
            send(out, "EHLO client.example.com");
            assertThat(reply(in)).startsWith("250");
            String credentials = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
            send(out, "AUTH PLAIN " + credentials);
            assertThat(reply(in)).as("login").startsWith("235");
            send(out, "MAIL FROM:<" + from + ">");
            String answer = reply(in);
            send(out, "QUIT");
            return answer;
        }
    }

    private static void send(OutputStream out, String line) throws Exception {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** The last line of a (possibly multi-line) SMTP reply. */
    private static String reply(BufferedReader in) throws Exception {
        String line = in.readLine();
        while (line != null && line.length() > 3 && line.charAt(3) == '-') {
            line = in.readLine();
        }
        return String.valueOf(line);
    }
}
