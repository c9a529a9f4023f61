package dev.smimegateway.keystore;

import java.time.Instant;
import java.util.Optional;

import dev.smimegateway.core.certificate.CertificateFacts;

/** An updated certificate seen for an address that already had one: {@code STORED} or {@code REJECTED}. */
public record CertificateUpdate(String id, String address, CertificateFacts certificate, String outcome, Instant seenAt,
                                Optional<String> messageId) {
}
