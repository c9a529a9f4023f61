package dev.smimegateway.keystore;

import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * The certificate a mail to one recipient is encrypted to, with the S/MIME capabilities the recipient
 * last announced (as text, see core {@code SmimeCapabilities}); empty when it never announced any.
 */
public record EncryptionTarget(X509Certificate certificate, Optional<String> capabilities) {
}
