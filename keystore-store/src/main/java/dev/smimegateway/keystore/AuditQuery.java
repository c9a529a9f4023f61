package dev.smimegateway.keystore;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Which audit records to list, newest first: optionally one operation, one entry, a time range
 * ({@code since} included, {@code until} excluded), and a page.
 */
public record AuditQuery(Optional<AuditOperation> operation, Optional<String> entry, Optional<Instant> since, Optional<Instant> until,
                         int offset, int limit) {
    public static final int MAX_LIMIT = 1000;

    public AuditQuery {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(until, "until");
        if (offset < 0) {
            throw new InvalidRequestException("the offset must not be negative, not " + offset);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidRequestException("the limit must be from 1 to " + MAX_LIMIT + ", not " + limit);
        }
        if (since.isPresent() && until.isPresent() && !since.get().isBefore(until.get())) {
            throw new InvalidRequestException("'since' (" + since.get() + ") must be before 'until' (" + until.get() + ")");
        }
    }

    /** Every record, newest first, {@code limit} of them from {@code offset}. */
    public static AuditQuery page(int offset, int limit) {
        return new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), offset, limit);
    }
}
