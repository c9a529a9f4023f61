package dev.smimegateway.keystore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;

import dev.smimegateway.core.certificate.CertificateFacts;

/**
 * The address tables that let mail find its certificates: for identities
 * ({@code smime_identity_address}) and partner certificates ({@code smime_certificate_address}), one
 * row per mail address (kind {@code E}) or dNSName pattern (kind {@code D}) an entry is bound to.
 */
enum AddressIndex {
    IDENTITIES("smime_identity_address", "identity_name"),
    CERTIFICATES("smime_certificate_address", "certificate_name");

    static final String EMAIL = "E";
    static final String DOMAIN = "D";

    private final String table;
    private final String ownerColumn;

    AddressIndex(String table, String ownerColumn) {
        this.table = table;
        this.ownerColumn = ownerColumn;
    }

    /** Binds the entry to every address and domain its certificate names. */
    void insert(Connection connection, String owner, CertificateFacts facts) throws SQLException {
        insert(connection, owner, facts.emailAddresses(), facts.domains());
    }

    /** Binds the entry to these addresses and domains only (a harvested certificate: the ones matching From). */
    void insert(Connection connection, String owner, Collection<String> emails, Collection<String> domains) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO " + table + " (" + ownerColumn + ", address, kind) VALUES (?, ?, ?)")) {
            for (String email : emails) {
                addBatch(insert, owner, email, EMAIL);
            }
            for (String domain : domains) {
                addBatch(insert, owner, domain, DOMAIN);
            }
            insert.executeBatch();
        }
    }

    void deleteAll(Connection connection, String owner) throws SQLException {
        Database.update(connection, "DELETE FROM " + table + " WHERE " + ownerColumn + " = ?", owner);
    }

    private static void addBatch(PreparedStatement insert, String owner, String address, String kind) throws SQLException {
        insert.setString(1, owner);
        insert.setString(2, Names.truncate(address, 320));
        insert.setString(3, kind);
        insert.addBatch();
    }
}
