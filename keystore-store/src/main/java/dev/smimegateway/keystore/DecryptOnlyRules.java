package dev.smimegateway.keystore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.CertificateRejectedException;
import dev.smimegateway.core.certificate.CertificateRules;

/**
 * What sets a decrypt-only identity apart: a key kept to read archived mail after its certificate
 * expired. It must still be a sound S/MIME key that can receive encrypted mail; it never signs.
 */
final class DecryptOnlyRules {
    /** Appended to the refusal of an expired identity, so the administrator learns the way to keep reading old mail. */
    static final String EXPIRED_HINT = "; to keep decrypting mail encrypted to it, import it as decrypt-only "
        + "(PUT /smime/identities/{name}?decryptOnly=true): it will never sign";

    private DecryptOnlyRules() {
    }

    /**
     * Every identity rule but expiry (the rules are applied at the certificate's own last valid
     * instant), and the leaf must be able to receive encrypted mail: otherwise there is nothing it
     * could decrypt.
     */
    static void checkChain(List<CertificateFacts> chain) {
        CertificateFacts leaf = chain.get(0);
        CertificateRules.checkIdentityCertificate(leaf, leaf.notAfter());
        CertificateRules.checkChainKeys(chain);
        if (!leaf.canReceiveEncryptedMail()) {
            throw new CertificateRejectedException("certificate for " + leaf.displayName() + " cannot receive encrypted mail "
                + "(its key or keyUsage lacks " + leaf.encryptionKeyUsageName() + "), so a decrypt-only identity of it would decrypt nothing");
        }
    }

    static String neverSigns(String name) {
        return "identity '" + name + "' is decrypt-only (kept to read archived mail) and never signs";
    }

    static boolean isDecryptOnly(Connection connection, String name) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT decrypt_only FROM smime_identity WHERE name = ?")) {
            query.setString(1, name);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        }
    }
}
