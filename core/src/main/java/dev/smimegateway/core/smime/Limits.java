package dev.smimegateway.core.smime;

import java.io.IOException;
import java.io.InputStream;

import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.cms.ContentInfo;

import jakarta.mail.MessagingException;
import jakarta.mail.Part;

/**
 * Bounds on untrusted input: a CMS body larger than the configured limit is refused before it is
 * read whole, and ASN.1 lengths are checked against the bytes actually present, so a length field
 * claiming gigabytes is an error, not an allocation.
 */
final class Limits {
    private Limits() {
    }

    static byte[] readDecoded(Part part, int maxBytes) throws MessagingException, IOException, SmimeException {
        try (InputStream in = part.getInputStream()) {
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw new SmimeException("the S/MIME body is larger than the limit of " + maxBytes + " bytes");
            }
            return bytes;
        }
    }

    static ContentInfo parseContentInfo(byte[] der) throws SmimeException {
        try (ASN1InputStream in = new ASN1InputStream(new java.io.ByteArrayInputStream(der), der.length)) {
            ASN1Primitive object = in.readObject();
            if (object == null) {
                throw new SmimeException("empty CMS structure");
            }
            return ContentInfo.getInstance(object);
        } catch (IOException | RuntimeException e) {
            throw new SmimeException("malformed CMS structure: " + e.getMessage(), e);
        }
    }
}
