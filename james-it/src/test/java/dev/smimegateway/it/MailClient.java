package dev.smimegateway.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Just enough SMTP and IMAP to send a message to the gateway and count what a mailbox received. */
final class MailClient {
    private static final Pattern EXISTS = Pattern.compile("\\* (\\d+) EXISTS");

    private MailClient() {
    }

    static void send(int smtpPort, String from, String to, String message) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", smtpPort)) {
            socket.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            expect(in, "220");
            command(out, in, "EHLO client.example.com", "250");
            command(out, in, "MAIL FROM:<" + from + ">", "250");
            command(out, in, "RCPT TO:<" + to + ">", "250");
            command(out, in, "DATA", "354");
            out.write((message.replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n.\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            expect(in, "250");
            command(out, in, "QUIT", "221");
        }
    }

    static int messageCount(int imapPort, String user, String password) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", imapPort)) {
            socket.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            in.readLine();
            imap(out, in, "a1 LOGIN " + user + " " + password, "a1");
            String select = imap(out, in, "a2 SELECT INBOX", "a2");
            imap(out, in, "a3 LOGOUT", "a3");
            Matcher matcher = EXISTS.matcher(select);
            if (!matcher.find()) {
                throw new IOException("no EXISTS in SELECT answer: " + select);
            }
            return Integer.parseInt(matcher.group(1));
        }
    }

    private static String imap(OutputStream out, BufferedReader in, String line, String tag) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        StringBuilder answer = new StringBuilder();
        String reply;
        while ((reply = in.readLine()) != null) {
            answer.append(reply).append('\n');
            if (reply.startsWith(tag + " ")) {
                if (!reply.startsWith(tag + " OK")) {
                    throw new IOException("IMAP " + line.split(" ")[1] + " failed: " + reply);
                }
                return answer.toString();
            }
        }
        throw new IOException("IMAP connection closed during " + line);
    }

    private static void command(OutputStream out, BufferedReader in, String line, String code) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        expect(in, code);
    }

    private static void expect(BufferedReader in, String code) throws IOException {
        String reply;
        do {
            reply = in.readLine();
            if (reply == null) {
                throw new IOException("SMTP connection closed, expected " + code);
            }
        } while (reply.length() > 3 && reply.charAt(3) == '-');
        if (!reply.startsWith(code)) {
            throw new IOException("SMTP expected " + code + " but got: " + reply);
        }
    }
}
