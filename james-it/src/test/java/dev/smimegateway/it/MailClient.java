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
            // LOGOUT is sent without waiting: the server may close before the tagged answer arrives.
            out.write("a3 LOGOUT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Matcher matcher = EXISTS.matcher(select);
            if (!matcher.find()) {
                throw new IOException("no EXISTS in SELECT answer: " + select);
            }
            return Integer.parseInt(matcher.group(1));
        }
    }

    /** Every message of the INBOX, as raw bytes, oldest first. */
    static java.util.List<byte[]> fetchAll(int imapPort, String user, String password) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", imapPort)) {
            socket.setSoTimeout(30_000);
            java.io.InputStream raw = new java.io.BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            readLine(raw);
            untilTagged(raw, out, "a1 LOGIN " + user + " " + password, "a1");
            untilTagged(raw, out, "a2 SELECT INBOX", "a2");
            out.write("a3 FETCH 1:* BODY.PEEK[]\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            java.util.List<byte[]> messages = new java.util.ArrayList<>();
            Pattern literal = Pattern.compile("\\{(\\d+)\\}$");
            String line;
            while ((line = readLine(raw)) != null) {
                Matcher matcher = literal.matcher(line);
                if (line.startsWith("* ") && line.contains("FETCH") && matcher.find()) {
                    messages.add(raw.readNBytes(Integer.parseInt(matcher.group(1))));
                } else if (line.startsWith("a3 ")) {
                    break;
                } else if (line.startsWith("a1 NO") || line.startsWith("a2 NO") || line.startsWith("a3 NO")) {
                    throw new IOException("IMAP failed: " + line);
                }
            }
            out.write("a4 LOGOUT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return messages;
        }
    }

    private static void untilTagged(java.io.InputStream in, OutputStream out, String command, String tag) throws IOException {
        out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String line;
        while ((line = readLine(in)) != null) {
            if (line.startsWith(tag + " ")) {
                if (!line.startsWith(tag + " OK")) {
                    throw new IOException("IMAP " + command.split(" ")[1] + " failed: " + line);
                }
                return;
            }
        }
        throw new IOException("IMAP connection closed during " + command.split(" ")[1]);
    }

    private static String readLine(java.io.InputStream in) throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                break;
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return b == -1 && line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
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
