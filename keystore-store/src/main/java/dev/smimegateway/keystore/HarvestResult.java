package dev.smimegateway.keystore;

import java.util.List;
import java.util.Optional;

/** What harvesting one certificate did to the store, for the log and the mail's attributes. */
public record HarvestResult(Outcome outcome, Optional<String> name, Optional<RiskAlert> alert, List<String> evicted) {

    public enum Outcome {
        /** A first certificate for the address, stored. */
        STORED,
        /** A newer certificate for an address that had one, stored (harvestUpdatedKeys); the old one is kept. */
        UPDATED,
        /** A newer certificate for an address that had one, not stored: recorded as a rejected update. */
        UPDATE_REJECTED,
        /** Already stored (harvested): its last-seen time moved. */
        SEEN_AGAIN,
        /** Already stored by the administrator: nothing stored. */
        ALREADY_KNOWN,
        /** No newer than the certificate known for the address (a partner's old certificate): nothing stored. */
        OLDER
    }
}
