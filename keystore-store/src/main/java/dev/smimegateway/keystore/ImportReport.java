package dev.smimegateway.keystore;

import java.util.List;
import java.util.Optional;

/**
 * What a bulk import did with each certificate of the file, in file order: stored, already
 * present, or rejected with the reason.
 */
public record ImportReport(List<Entry> entries) {

    public enum Status {
        ACCEPTED,
        DUPLICATE,
        REJECTED
    }

    /** One certificate of the file; {@code index} counts from 1. */
    public record Entry(int index, Status status, Optional<String> name, Optional<String> subject,
                        Optional<String> fingerprint, Optional<String> reason) {
    }

    public ImportReport {
        entries = List.copyOf(entries);
    }

    public long count(Status status) {
        return entries.stream().filter(entry -> entry.status() == status).count();
    }
}
