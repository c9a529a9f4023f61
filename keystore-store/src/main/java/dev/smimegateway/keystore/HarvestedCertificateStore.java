package dev.smimegateway.keystore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.MailAddresses;

/**
 * Certificates learnt from partners' signed mail. A harvested certificate is bound only to the
 * addresses of it that matched the mail's From (never to its other addresses or domains), so it
 * can only ever encrypt mail to the sender who proved to hold its key.
 *
 * <p>For an address that already has a certificate, a different one with a later notBefore is an
 * <em>update</em>: stored when the request accepts updates (the newest then encrypts, the old one
 * stays for audit) and recorded as rejected otherwise; either way {@link RiskAlerts} counts it.
 * A certificate no newer than the known one is ignored: a partner's old certificate arriving from a
 * second mail client must not displace its new one.
 *
 * <p>The harvested store has a size cap in stored bytes: when a new certificate takes it over, the
 * least recently used harvested certificates (chosen for encryption or seen again least recently)
 * are evicted first. Administrator-added and promoted certificates are never evicted. Every write
 * holds the {@code harvest.lock} row, so the cap and the counts hold across threads and servers.
 *
 * <p>A harvest is no administrator's change, but one that stores a certificate (new or as an update)
 * is in the audit trail as operation {@code harvest}, actor {@code mail}, and each certificate it
 * evicts under the cap as {@code harvest.evict}, in the harvest's transaction. Harvests that store
 * nothing (seen again, older, a refused update) are not: they change no entry.
 */
final class HarvestedCertificateStore {
    private static final Logger LOGGER = LoggerFactory.getLogger(HarvestedCertificateStore.class);
    private static final String LOCK = "harvest.lock";
    private static final String SELECT = "SELECT h.certificate_name, c.der, h.address, h.first_seen, h.last_seen, h.last_used, "
        + "h.message_id, h.stored_bytes FROM smime_harvested h JOIN smime_certificate c ON c.name = h.certificate_name";

    private final Database database;
    private final PartnerCertificateStore partners;
    private final RiskAlerts alerts;
    private final CapabilityStore capabilities;
    private final Runnable lookupsChanged;
    private final Clock clock;
    private final Audit byMail;

    /**
     * @param lookupsChanged told after a harvest that changed what encryption look-ups answer
     * @param byMail         records what harvests store and evict
     */
    HarvestedCertificateStore(Database database, PartnerCertificateStore partners, RiskAlerts alerts, CapabilityStore capabilities,
                              Clock clock, Runnable lookupsChanged, Audit byMail) {
        this.database = database;
        this.byMail = byMail;
        this.partners = partners;
        this.alerts = alerts;
        this.capabilities = capabilities;
        this.clock = clock;
        this.lookupsChanged = lookupsChanged;
    }

    HarvestResult harvest(HarvestRequest request) {
        CertificateFacts facts = request.certificate();
        List<String> addresses = request.addresses().stream().map(MailAddresses::normalise).distinct().toList();
        boolean[] announcementChanged = new boolean[1];
        HarvestResult result = database.inTransaction(connection -> {
            Database.lock(connection, LOCK);
            announcementChanged[0] = request.capabilities().isPresent() && capabilities.record(connection, facts.fingerprint(),
                request.capabilities().get(), request.signingTime().orElse(clock.instant()));
            if (announcementChanged[0]) {
                // what encryption to this certificate chooses changed: the other servers' look-ups too
                Database.bump(connection, LookupCache.SHARED_VERSION);
            }
            return store(connection, request, facts, addresses);
        });
        if (announcementChanged[0] || result.outcome() == HarvestResult.Outcome.STORED || result.outcome() == HarvestResult.Outcome.UPDATED) {
            lookupsChanged.run();
        }
        LOGGER.info("Harvest of {} ({}, serial {}) for {}: {}{}", facts.subject(), facts.fingerprint(), facts.serialHex(), addresses,
            result.outcome(), result.evicted().isEmpty() ? "" : "; evicted under the size cap: " + result.evicted());
        return result;
    }

    private HarvestResult store(Connection connection, HarvestRequest request, CertificateFacts facts, List<String> addresses)
        throws SQLException {
        Instant now = clock.instant();
        Optional<String> existing = PartnerCertificateStore.nameByFingerprint(connection, facts.fingerprint());
        if (existing.isPresent()) {
            boolean harvested = touch(connection, existing.get(), now, true);
            return new HarvestResult(harvested ? HarvestResult.Outcome.SEEN_AGAIN : HarvestResult.Outcome.ALREADY_KNOWN, existing,
                Optional.empty(), List.of());
        }
        Optional<CertificateFacts> newestKnown = newestKnown(connection, addresses);
        if (newestKnown.isPresent() && !facts.notBefore().isAfter(newestKnown.get().notBefore())) {
            return new HarvestResult(HarvestResult.Outcome.OLDER, Optional.empty(), Optional.empty(), List.of());
        }
        Optional<RiskAlert> alert = Optional.empty();
        if (newestKnown.isPresent()) {
            String outcome = request.acceptUpdates() ? "STORED" : "REJECTED";
            boolean firstSeen = false;
            for (String address : addresses) {
                RiskAlerts.Recorded recorded = alerts.recordUpdate(connection, address, facts, outcome, request.messageId(),
                    request.alertWindow());
                firstSeen |= recorded.counted();
                alert = alert.or(recorded::alert);
            }
            if (!request.acceptUpdates()) {
                if (firstSeen) {
                    LOGGER.warn("Updated certificate for {} not stored (harvestUpdatedKeys is off): {} serial {}, SHA-256 {}; the known "
                        + "one (serial {}) stays in use", addresses, facts.subject(), facts.serialHex(), facts.fingerprint(),
                        newestKnown.get().serialHex());
                }
                return new HarvestResult(HarvestResult.Outcome.UPDATE_REJECTED, Optional.empty(), alert, List.of());
            }
            LOGGER.info("Certificate of {} updated: serial {} replaces serial {} for encryption; the old one is kept",
                addresses, facts.serialHex(), newestKnown.get().serialHex());
        }
        String name = PartnerCertificateStore.freeName(connection, facts);
        partners.insert(connection, name, facts, StoredCertificate.Origin.HARVESTED, addresses, List.of());
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO smime_harvested (certificate_name, address, first_seen, last_seen, last_used, message_id, stored_bytes) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, name);
            insert.setString(2, addresses.get(0));
            insert.setTimestamp(3, Timestamp.from(now));
            insert.setTimestamp(4, Timestamp.from(now));
            insert.setTimestamp(5, Timestamp.from(now));
            insert.setString(6, request.messageId().map(id -> Names.truncate(id, 998)).orElse(null));
            insert.setInt(7, facts.der().length);
            insert.executeUpdate();
        }
        byMail.record(connection, AuditOperation.HARVEST, name, facts, (newestKnown.isPresent() ? "updated" : "stored") + " for "
            + String.join(", ", addresses) + (newestKnown.isPresent() ? ", replacing serial " + newestKnown.get().serialHex() : ""));
        List<String> evicted = evictOverCap(connection, request.capacityBytes(), name);
        HarvestResult.Outcome outcome = newestKnown.isPresent() ? HarvestResult.Outcome.UPDATED : HarvestResult.Outcome.STORED;
        return new HarvestResult(outcome, Optional.of(name), alert, evicted);
    }

    /** The newest certificate stored (added or harvested) for any of the addresses, whatever its validity. */
    private Optional<CertificateFacts> newestKnown(Connection connection, List<String> addresses) throws SQLException {
        List<CertificateFacts> known = new ArrayList<>();
        for (String address : addresses) {
            known.addAll(partners.candidates(connection, address, AddressIndex.EMAIL));
        }
        return known.stream().max(Comparator.comparing(CertificateFacts::notBefore));
    }

    /** Evicts least recently used harvested certificates, never {@code keep}, until the stored bytes fit the cap. */
    private List<String> evictOverCap(Connection connection, long capacityBytes, String keep) throws SQLException {
        long total;
        try (PreparedStatement query = connection.prepareStatement("SELECT COALESCE(SUM(stored_bytes), 0) FROM smime_harvested");
             ResultSet rows = query.executeQuery()) {
            rows.next();
            total = rows.getLong(1);
        }
        if (total <= capacityBytes) {
            return List.of();
        }
        Map<String, Integer> victims = new LinkedHashMap<>();
        try (PreparedStatement query = connection.prepareStatement(
            "SELECT certificate_name, stored_bytes FROM smime_harvested WHERE certificate_name <> ? ORDER BY last_used, first_seen, certificate_name")) {
            query.setString(1, keep);
            try (ResultSet rows = query.executeQuery()) {
                while (total > capacityBytes && rows.next()) {
                    victims.put(rows.getString(1), rows.getInt(2));
                    total -= rows.getInt(2);
                }
            }
        }
        for (String victim : victims.keySet()) {
            byMail.record(connection, AuditOperation.HARVEST_EVICT, victim, deleteCertificate(connection, victim),
                Optional.of("evicted under the harvest size cap of " + capacityBytes + " bytes, least recently used"));
        }
        return List.copyOf(victims.keySet());
    }

    /** Notes that a certificate was chosen to encrypt a mail: it moves to the back of the eviction queue. */
    void markUsed(Connection connection, String fingerprint) throws SQLException {
        Optional<String> name = PartnerCertificateStore.nameByFingerprint(connection, fingerprint);
        if (name.isPresent()) {
            touch(connection, name.get(), clock.instant(), false);
        }
    }

    /** A page of harvested certificates, paged by the database (OFFSET/FETCH, which Derby and PostgreSQL both read). */
    List<HarvestedCertificate> list(Optional<String> address, Optional<String> domain, int offset, int limit) {
        String filter = address.isPresent() ? " WHERE h.address = ?" : domain.isPresent() ? " WHERE h.address LIKE ?" : "";
        Optional<String> value = address.map(MailAddresses::normalise).or(() -> domain.map(name -> "%@" + validDomain(name)));
        return database.inTransaction(connection -> Database.list(connection, SELECT + filter
                + " ORDER BY h.address, h.first_seen, h.certificate_name OFFSET " + offset + " ROWS FETCH NEXT " + limit + " ROWS ONLY",
            HarvestedCertificateStore::harvested, value.stream().toArray(String[]::new)));
    }

    Optional<HarvestedCertificate> find(String name) {
        return database.inTransaction(connection -> Database.list(connection, SELECT + " WHERE h.certificate_name = ?",
            HarvestedCertificateStore::harvested, name)).stream().findFirst();
    }

    /** Makes a harvested certificate administrator-managed: it keeps its address, and is never evicted. */
    StoredCertificate promote(String name, Audit audit) {
        database.inTransaction(connection -> {
            Database.lock(connection, LOCK);
            if (Database.update(connection, "DELETE FROM smime_harvested WHERE certificate_name = ?", name) == 0) {
                throw notFound(name);
            }
            Database.update(connection, "UPDATE smime_certificate SET origin = 'ADDED' WHERE name = ?", name);
            audit.record(connection, AuditOperation.HARVESTED_PROMOTE, name,
                Database.singleString(connection, "SELECT fingerprint FROM smime_certificate WHERE name = ?", name), Optional.empty());
            return null;
        });
        LOGGER.info("Harvested certificate {} promoted to administrator-managed", name);
        return partners.find(name).orElseThrow();
    }

    void delete(String name, Audit audit) {
        database.inTransaction(connection -> {
            Database.lock(connection, LOCK);
            if (Database.singleString(connection, "SELECT certificate_name FROM smime_harvested WHERE certificate_name = ?", name).isEmpty()) {
                throw notFound(name);
            }
            audit.record(connection, AuditOperation.HARVESTED_DELETE, name, deleteCertificate(connection, name), Optional.empty());
            return null;
        });
        LOGGER.info("Deleted harvested certificate {}", name);
    }

    /** Deletes a certificate with its bookkeeping, its addresses and what was announced with it; its fingerprint. */
    private static Optional<String> deleteCertificate(Connection connection, String name) throws SQLException {
        Optional<String> fingerprint = Database.singleString(connection, "SELECT fingerprint FROM smime_certificate WHERE name = ?", name);
        if (fingerprint.isPresent()) {
            CapabilityStore.forget(connection, fingerprint.get());
        }
        Database.update(connection, "DELETE FROM smime_certificate WHERE name = ?", name);
        return fingerprint;
    }

    /** Moves a harvested certificate's last-used time (and last-seen time when it was {@code seen} again); false for a certificate not harvested. */
    private static boolean touch(Connection connection, String name, Instant now, boolean seen) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(seen
            ? "UPDATE smime_harvested SET last_used = ?, last_seen = ? WHERE certificate_name = ?"
            : "UPDATE smime_harvested SET last_used = ? WHERE certificate_name = ?")) {
            update.setTimestamp(1, Timestamp.from(now));
            if (seen) {
                update.setTimestamp(2, Timestamp.from(now));
            }
            update.setString(seen ? 3 : 2, name);
            return update.executeUpdate() > 0;
        }
    }

    private static HarvestedCertificate harvested(ResultSet row) throws SQLException {
        return new HarvestedCertificate(row.getString(1), CertificateFacts.fromDer(row.getBytes(2)), row.getString(3),
            row.getTimestamp(4).toInstant(), row.getTimestamp(5).toInstant(), row.getTimestamp(6).toInstant(),
            Optional.ofNullable(row.getString(7)), row.getInt(8));
    }

    private static String validDomain(String domain) {
        String normalised = MailAddresses.normalise(domain);
        if (!MailAddresses.isValidDomain(normalised)) {
            throw new InvalidRequestException("'" + domain + "' is not a domain name");
        }
        return normalised;
    }

    private static EntryNotFoundException notFound(String name) {
        return new EntryNotFoundException("no harvested certificate named '" + name + "'");
    }
}
