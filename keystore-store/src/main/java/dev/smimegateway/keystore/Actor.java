package dev.smimegateway.keystore;

import java.util.Objects;
import java.util.Optional;

/**
 * Who made a change to the key store, as its {@link AuditRecord} says.
 * <ul>
 *   <li>{@link #webadmin(Optional)} — a webadmin call; its {@code subject} is the caller's JWT subject
 *   when webadmin runs with JWT authentication, and absent without it (webadmin then knows no caller,
 *   and none is made up);</li>
 *   <li>{@link #MAIL} — the gateway itself, learning a partner's certificate from signed mail (a
 *   harvest, not an administrator's change);</li>
 *   <li>{@link #LOCAL} — a call made in the gateway's process by no one webadmin authenticated: the
 *   default of {@link SmimeKeyStore}'s write methods, used by tools and tests.</li>
 * </ul>
 */
public record Actor(String name, Optional<String> subject) {
    public static final Actor LOCAL = new Actor("local", Optional.empty());
    public static final Actor MAIL = new Actor("mail", Optional.empty());

    /** Room for the subject in the audit table; a longer one is cut there. */
    static final int MAX_SUBJECT = 1000;

    public Actor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(subject, "subject");
        if (name.isBlank() || name.length() > 32) {
            throw new IllegalArgumentException("an actor's name is 1 to 32 characters: '" + name + "'");
        }
        subject = subject.filter(value -> !value.isBlank()).map(value -> Names.truncate(value, MAX_SUBJECT));
    }

    /** A webadmin caller: the JWT subject, or empty when webadmin runs without authentication. */
    public static Actor webadmin(Optional<String> subject) {
        return new Actor("webadmin", subject);
    }
}
