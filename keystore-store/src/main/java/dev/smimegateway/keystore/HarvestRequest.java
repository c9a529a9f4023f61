package dev.smimegateway.keystore;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.smimegateway.core.certificate.CertificateFacts;

/**
 * What {@code HarvestPublicKey} asks the store to learn from one signed mail. The mailet has already
 * decided that the certificate may be harvested (verdict, expiry, self-signature, key usage); the
 * store decides what it means for what is known.
 *
 * @param certificate   the signer's certificate, and only the signer's
 * @param addresses     the addresses of the certificate that match the mail's From, normalised; at least one
 * @param messageId     the Message-ID of the mail it came from
 * @param acceptUpdates {@code harvestUpdatedKeys}: store a newer certificate for an address that has one
 * @param alertWindow   how far back updates count towards a risk alert (48 hours by default)
 * @param capacityBytes the harvested store's size cap, in stored certificate bytes
 * @param capabilities  the signer's announced smimeCapabilities, as text (see core {@code SmimeCapabilities})
 * @param signingTime   the signature's signingTime; capabilities with a newer one win
 */
public record HarvestRequest(CertificateFacts certificate, List<String> addresses, Optional<String> messageId, boolean acceptUpdates,
                             Duration alertWindow, long capacityBytes, Optional<String> capabilities, Optional<Instant> signingTime) {

    public HarvestRequest {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("a harvested certificate is bound to at least one address");
        }
        addresses = List.copyOf(addresses);
    }
}
