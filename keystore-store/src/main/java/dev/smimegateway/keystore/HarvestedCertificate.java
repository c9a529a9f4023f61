package dev.smimegateway.keystore;

import java.time.Instant;
import java.util.Optional;

import dev.smimegateway.core.certificate.CertificateFacts;

/**
 * A partner certificate learnt from a signed mail: the address it was harvested for (the From the
 * signature was checked against), when it was first and last seen, when it was last chosen for
 * encryption or seen (what the size cap evicts by), the Message-ID it came from, and what it costs
 * the cap.
 */
public record HarvestedCertificate(String name, CertificateFacts certificate, String address, Instant firstSeen, Instant lastSeen,
                                   Instant lastUsed, Optional<String> messageId, int storedBytes) {

    public String fingerprint() {
        return certificate.fingerprint();
    }
}
