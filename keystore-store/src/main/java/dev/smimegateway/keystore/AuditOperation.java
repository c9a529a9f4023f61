package dev.smimegateway.keystore;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The changes the audit trail records, each under a label ({@code identity.import}) that the
 * records, the log and {@code GET /smime/audit?operation=} use. A new kind of change gets a constant
 * here; a label, once released, never changes meaning (old records keep it).
 */
public enum AuditOperation {
    IDENTITY_IMPORT("identity.import"),
    IDENTITY_CREATE("identity.create"),
    /** A CA-issued certificate put onto an identity's key (the previous one is kept to decrypt). */
    IDENTITY_CERTIFICATE("identity.certificate"),
    IDENTITY_ACTIVATE("identity.activate"),
    /** An identity archived (webadmin's DELETE): it no longer signs or decrypts. */
    IDENTITY_ARCHIVE("identity.archive"),
    IDENTITY_RESTORE("identity.restore"),
    /** An archived identity destroyed for good, with its private key. */
    IDENTITY_DESTROY("identity.destroy"),
    /** An identity's private key handed out as a PKCS#12 backup. */
    IDENTITY_EXPORT("identity.export"),
    CERTIFICATE_ADD("certificate.add"),
    /** One certificate accepted from a PEM bundle (one record per certificate stored). */
    CERTIFICATE_IMPORT("certificate.import"),
    CERTIFICATE_DELETE("certificate.delete"),
    TRUST_ANCHOR_IMPORT("trust-anchor.import"),
    TRUST_ANCHOR_DELETE("trust-anchor.delete"),
    INTERMEDIATE_IMPORT("intermediate.import"),
    INTERMEDIATE_DELETE("intermediate.delete"),
    CRL_IMPORT("crl.import"),
    CRL_DELETE("crl.delete"),
    HARVESTED_PROMOTE("harvested.promote"),
    HARVESTED_DELETE("harvested.delete"),
    ALERT_ACKNOWLEDGE("alert.acknowledge"),
    /** Every private key re-encrypted under a new master secret by the offline command (actor {@code local}). */
    MASTER_SECRET_ROTATE("master-secret.rotate"),
    /** A certificate learnt from signed mail, stored new or as an update (actor {@code mail}). */
    HARVEST("harvest"),
    /** A harvested certificate evicted under the harvest size cap by a later harvest (actor {@code mail}). */
    HARVEST_EVICT("harvest.evict");

    private final String label;

    AuditOperation(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The operation with this label; an unknown label is a bad request that lists the known ones. */
    public static AuditOperation fromLabel(String label) {
        return Arrays.stream(values()).filter(operation -> operation.label.equals(label)).findFirst()
            .orElseThrow(() -> new InvalidRequestException("unknown operation '" + label + "'; known: "
                + Arrays.stream(values()).map(AuditOperation::label).collect(Collectors.joining(", "))));
    }
}
