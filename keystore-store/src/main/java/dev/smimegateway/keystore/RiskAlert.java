package dev.smimegateway.keystore;

import java.time.Instant;
import java.util.Optional;

/**
 * Raised when more than one updated certificate arrives for the same address, or for the same
 * domain, within the alert window: a partner renewing its certificate sends one; several in a short
 * time may be someone trying to slip in a key of their own.
 */
public record RiskAlert(String id, Scope scope, String subject, Instant raisedAt, String detail, Optional<Instant> acknowledgedAt) {

    public enum Scope {
        ADDRESS,
        DOMAIN
    }
}
