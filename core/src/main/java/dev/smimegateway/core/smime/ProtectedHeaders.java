package dev.smimegateway.core.smime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.internet.ParseException;

/**
 * RFC 9788 header protection, read: the header fields a cryptographic payload carries in its own
 * header section when its Content-Type declares {@code hp}. They are only as trustworthy as the layer
 * that carries them, so callers restore them only from authenticated content (a verified signature,
 * or AES-GCM), and only the fields a reader sees and a sender legitimately sets: From, To, Cc,
 * Subject, Date, Message-ID, Reply-To, In-Reply-To, References. Never Received,
 * Authentication-Results or this gateway's status header. From only from verified signed content,
 * whose signer the From check binds to it.
 */
public final class ProtectedHeaders {
    /** The fields that may be restored, lower case. */
    public static final Set<String> RESTORABLE = Set.of("from", "to", "cc", "subject", "date", "message-id", "reply-to",
        "in-reply-to", "references");

    private ProtectedHeaders() {
    }

    /**
     * The restorable header fields that an entity (header section, blank line, body) carries as
     * protected headers, each ending with CRLF; empty when its Content-Type declares no {@code hp}.
     */
    public static List<String> carriedBy(byte[] entity) {
        int bodyStart = MimeEntities.headerEnd(entity);
        byte[] headerSection = MimeEntities.toCrlf(Arrays.copyOf(entity, bodyStart));
        List<String> fields = MimeEntities.unfoldedFields(new String(headerSection, StandardCharsets.ISO_8859_1));
        if (!declared(fields)) {
            return List.of();
        }
        return fields.stream()
            .filter(field -> RESTORABLE.contains(MimeEntities.fieldName(field)))
            .map(field -> field.endsWith("\r\n") ? field : field + "\r\n")
            .collect(Collectors.toUnmodifiableList());
    }

    /** The unfolded values of the named field among the given ones, e.g. the protected From. */
    public static String[] values(List<String> fields, String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return fields.stream()
            .filter(field -> MimeEntities.fieldName(field).equals(lower))
            .map(field -> MimeUtility.unfold(field.substring(field.indexOf(':') + 1)).trim())
            .toArray(String[]::new);
    }

    /** The message with each named outer field replaced by the protected fields of that name; other bytes kept. */
    public static MimeMessage restore(MimeMessage message, List<String> fields) throws MessagingException, IOException {
        if (fields.isEmpty()) {
            return message;
        }
        Set<String> names = fields.stream().map(MimeEntities::fieldName).collect(Collectors.toSet());
        String joined = String.join("", fields);
        // The fields were read as ISO-8859-1 bytes; rewriteHeaders writes UTF-8: hand it the text those bytes spell.
        String text = new String(joined.substring(0, joined.length() - 2).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        return MimeEntities.rewriteHeaders(message, names, text);
    }

    /**
     * The content entity to sign with the message's restorable header fields inside it, its
     * Content-Type marked {@code hp="clear"} (RFC 9788): a receiver that verifies the signature can
     * show these fields as signed, whatever an encryption layer or a relay did to the outer ones.
     */
    public static byte[] protect(MimeMessage message, byte[] contentEntity) throws MessagingException {
        int bodyStart = MimeEntities.headerEnd(contentEntity);
        List<String> contentFields = MimeEntities.unfoldedFields(new String(contentEntity, 0, bodyStart, StandardCharsets.ISO_8859_1));
        StringBuilder headers = new StringBuilder();
        for (String field : contentFields) {
            String line = field.endsWith("\r\n") ? field.substring(0, field.length() - 2) : field;
            headers.append(line);
            if (MimeEntities.fieldName(field).equals("content-type")) {
                headers.append(";\r\n hp=\"clear\"");
            }
            headers.append("\r\n");
        }
        java.util.Enumeration<String> lines = message.getMatchingHeaderLines(RESTORABLE.stream()
            .map(ProtectedHeaders::canonicalName).toArray(String[]::new));
        while (lines.hasMoreElements()) {
            headers.append(lines.nextElement()).append("\r\n");
        }
        headers.append("\r\n");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(contentEntity.length + headers.length());
        out.writeBytes(headers.toString().getBytes(StandardCharsets.UTF_8));
        out.write(contentEntity, bodyStart, contentEntity.length - bodyStart);
        return out.toByteArray();
    }

    private static String canonicalName(String lower) {
        switch (lower) {
            case "message-id":
                return "Message-ID";
            case "cc":
                return "Cc";
            default:
                StringBuilder name = new StringBuilder(lower);
                for (int i = 0; i < name.length(); i++) {
                    if (i == 0 || name.charAt(i - 1) == '-') {
                        name.setCharAt(i, Character.toUpperCase(name.charAt(i)));
                    }
                }
                return name.toString();
        }
    }

    /** The first Content-Type among an entity's header fields (the one readers take) declares {@code hp}. */
    static boolean declared(List<String> fields) {
        for (String field : fields) {
            if (MimeEntities.fieldName(field).equals("content-type")) {
                try {
                    return new ContentType(MimeUtility.unfold(field.substring(field.indexOf(':') + 1)).trim()).getParameter("hp") != null;
                } catch (ParseException e) {
                    return false;
                }
            }
        }
        return false;
    }
}
