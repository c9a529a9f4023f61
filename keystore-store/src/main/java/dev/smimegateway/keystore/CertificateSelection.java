package dev.smimegateway.keystore;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.MailAddresses;

/**
 * The rules that pick a certificate for a mail, in one place.
 *
 * <p><b>Which identity signs mail from an address:</b> the active identity whose certificate holds
 * the exact address; else an active organisation identity whose dNSName covers the address's domain
 * ({@link MailAddresses#patternsCovering}: {@code example.com}, {@code *.example.com}). Only an
 * identity whose current certificate is valid now and may sign mail; never a decrypt-only one.
 *
 * <p><b>Which certificates mail to an address is encrypted to:</b> those holding the exact address
 * (partners' added and harvested certificates, and the current certificates of our own active
 * identities); else those whose dNSName covers its domain (a partner's gateway certificate). Only
 * certificates valid now that can receive encrypted mail; newest (latest notBefore) first, so a
 * partner's renewed certificate wins over the one it replaces.
 *
 * <p>Each look-up runs in one transaction under the identities' read lock, so it never sees an
 * activation half done.
 */
final class CertificateSelection {
    private final Database database;
    private final IdentityStore identities;
    private final PartnerCertificateStore partners;
    private final Clock clock;

    CertificateSelection(Database database, IdentityStore identities, PartnerCertificateStore partners, Clock clock) {
        this.database = database;
        this.identities = identities;
        this.partners = partners;
        this.clock = clock;
    }

    Optional<SigningIdentity> signingIdentityFor(String address) {
        String normalised = MailAddresses.normalise(address);
        Instant now = clock.instant();
        return database.inTransaction(connection -> {
            identities.readLock(connection);
            List<String> names = new ArrayList<>(identities.activeSignerNames(connection, normalised, AddressIndex.EMAIL));
            for (String pattern : MailAddresses.patternsCoveringDomainOf(normalised)) {
                names.addAll(identities.activeSignerNames(connection, pattern, AddressIndex.DOMAIN));
            }
            for (String name : names) {
                Optional<SigningIdentity> identity = identities.signingIdentity(connection, name,
                    facts -> facts.isValidAt(now) && facts.canSignMail());
                if (identity.isPresent()) {
                    return identity;
                }
            }
            return Optional.<SigningIdentity>empty();
        });
    }

    List<CertificateFacts> encryptionCertificatesFor(String address) {
        return database.inTransaction(connection -> encryptionCertificatesFor(connection, address));
    }

    List<CertificateFacts> encryptionCertificatesFor(Connection connection, String address) throws SQLException {
        String normalised = MailAddresses.normalise(address);
        identities.readLock(connection);
        List<CertificateFacts> exact = usable(connection, List.of(normalised), AddressIndex.EMAIL);
        return exact.isEmpty() ? usable(connection, MailAddresses.patternsCoveringDomainOf(normalised), AddressIndex.DOMAIN) : exact;
    }

    private List<CertificateFacts> usable(Connection connection, List<String> addresses, String kind) throws SQLException {
        Instant now = clock.instant();
        Map<String, CertificateFacts> found = new LinkedHashMap<>();
        for (String address : addresses) {
            partners.candidates(connection, address, kind).forEach(facts -> found.putIfAbsent(facts.fingerprint(), facts));
            identities.activeCertificates(connection, address, kind).forEach(facts -> found.putIfAbsent(facts.fingerprint(), facts));
        }
        return found.values().stream()
            .filter(facts -> facts.isValidAt(now) && facts.canReceiveEncryptedMail())
            .sorted(Comparator.comparing(CertificateFacts::notBefore).reversed())
            .collect(Collectors.toList());
    }
}
