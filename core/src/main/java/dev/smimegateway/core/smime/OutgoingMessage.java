package dev.smimegateway.core.smime;

import java.io.IOException;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

/**
 * A message read once for signing or encryption: the header fields that stay outside the S/MIME
 * entity, and the content entity that goes inside it, in canonical form. The message is written once;
 * the content is copied again only when a leaf has to be re-encoded to 7 bits.
 */
final class OutgoingMessage {
    private final byte[] outerHeaders;
    private final CanonicalEntity content;

    private OutgoingMessage(byte[] outerHeaders, CanonicalEntity content) {
        this.outerHeaders = outerHeaders;
        this.content = content;
    }

    static OutgoingMessage read(MimeMessage message) throws MessagingException, IOException {
        ByteSink written = MimeEntities.written(message);
        byte[] outerHeaders = MimeEntities.outerHeaders(written.array(), MimeEntities.headerEnd(written.array(), written.length()));
        return new OutgoingMessage(outerHeaders, MimeEntities.sevenBitSafeContent(written));
    }

    /** The message's header fields other than Content-* and MIME-Version, CRLF, then {@code MIME-Version: 1.0}. */
    byte[] outerHeaders() {
        return outerHeaders.clone();
    }

    CanonicalEntity content() {
        return content;
    }
}
