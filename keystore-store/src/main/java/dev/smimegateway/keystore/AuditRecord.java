package dev.smimegateway.keystore;

import java.time.Instant;
import java.util.Optional;

/**
 * One change to the key store, as the audit trail keeps it.
 *
 * @param id          increasing in the order the records were written on one database (ties of {@code time} are broken by it)
 * @param time        when the change was made, to the millisecond, by the clock of the node that made it
 * @param operation   an {@link AuditOperation} label, kept as text so that a record written by a newer node still reads
 * @param entry       the entry changed: an identity's or a certificate's name, the SHA-256 of a trust anchor, an
 *                    intermediate or a CRL, an alert's id
 * @param fingerprint the SHA-256 of the certificate concerned, when there is one (an identity's current certificate,
 *                    a partner certificate, an anchor; none for a CRL or an alert)
 * @param detail      what a reader needs besides: a certificate's subject, serial and issuer, what an activation
 *                    deactivated
 * @param node        the gateway node that made the change ({@code gateway.node.name}, by default the host name)
 * @param actor       {@link Actor#name()}: {@code webadmin}, {@code mail} or {@code local}
 * @param subject     the webadmin caller's JWT subject; empty without JWT, and for changes made by mail
 */
public record AuditRecord(long id, Instant time, String operation, String entry, Optional<String> fingerprint, Optional<String> detail,
                          String node, String actor, Optional<String> subject) {
}
