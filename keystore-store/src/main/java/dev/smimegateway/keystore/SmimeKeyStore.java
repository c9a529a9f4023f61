package dev.smimegateway.keystore;

import java.math.BigInteger;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import javax.security.auth.x500.X500Principal;
import javax.sql.DataSource;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.MailAddresses;
import dev.smimegateway.core.crypto.LruMaps;

/**
 * The gateway's store of keys and certificates, as the mailets and webadmin see it: a thin facade
 * over one class per kind of entry.
 * <ul>
 *   <li>{@link IdentityStore} — identities: a private key ({@link PrivateKeySeal sealed} under the
 *   master secret) with its certificates; exactly one active identity signs for an address, all
 *   decrypt; a decrypt-only identity never signs; deleting archives (no signing, no decryption, key
 *   kept) until the identity is restored or destroyed;</li>
 *   <li>{@link PartnerCertificateStore} — partners' certificates that mail is encrypted to, added by
 *   an administrator, and {@link HarvestedCertificateStore} — those learnt from signed mail, with
 *   {@link RiskAlerts} on updates and the {@link CapabilityStore partners' announced capabilities};</li>
 *   <li>{@link CaCertificateTable} — trust anchors, and intermediates that only help build a path;</li>
 *   <li>{@link CrlStore} — revocation lists;</li>
 *   <li>{@link CertificateSelection} — the rules that pick the identity that signs and the certificates
 *   that encrypt.</li>
 * </ul>
 * Every method is safe to call from many threads, and from several servers sharing one database.
 *
 * <h2>Audit trail</h2>
 * Every change is recorded in the audit trail ({@link #auditTrail(AuditQuery)}), in the transaction
 * of the change (rolled back with it, never missing when it committed), with the {@link Actor} of the
 * store it was made through: {@link Actor#LOCAL} for the store {@link #open} gives, the caller for a
 * view from {@link #as(Actor)} (webadmin makes one per request, with the JWT subject). Each record is
 * logged at INFO on {@code dev.smimegateway.audit} once its transaction has committed.
 * <p>Recording a change: a write method here hands its {@code audit} field to the part that writes,
 * and that part, inside the transaction, once the change is certain, calls one line:
 * <pre>
 * audit.record(connection, AuditOperation.IDENTITY_ARCHIVE, name, certificate);   // CertificateFacts
 * audit.record(connection, AuditOperation.CRL_DELETE, sha256, Optional.empty(), Optional.of("CRL of " + issuer));
 * </pre>
 * A new kind of change adds its constant to {@link AuditOperation}. Imports of several certificates
 * or CRLs store each in a transaction of its own, with its own record; harvests record what they
 * store or evict as actor {@link Actor#MAIL}.
 */
public final class SmimeKeyStore {
    /**
     * Whether an identity's private key may leave the store as a PKCS#12 backup
     * ({@code keystore.export.privateKeys} in {@code smime.properties}; refused unless set).
     */
    public enum PrivateKeyExport {
        ALLOWED,
        REFUSED
    }

    /** The setting that allows {@link #exportPkcs12}, named in the refusal. */
    public static final String EXPORT_SETTING = "keystore.export.privateKeys";

    /** How long another server's change to the trust material may go unseen. */
    static final Duration TRUST_RECHECK = Duration.ofSeconds(1);

    private final Database database;
    private final IdentityStore identities;
    private final PartnerCertificateStore partners;
    private final HarvestedCertificateStore harvested;
    private final RiskAlerts alerts;
    private final CaCertificateTable<TrustAnchor> trustAnchors;
    private final CaCertificateTable<IntermediateCertificate> intermediates;
    private final CrlStore crls;
    private final CertificateSelection selection;
    private final LookupCache lookups;
    private final Map<X509Certificate, Instant> markedUsed = LruMaps.bounded(LookupCache.MAX_ENTRIES);
    private final Clock clock;
    private final AtomicLong trustChanges;
    private final AtomicReference<TrustSnapshot> trust;
    private final AuditTrail auditTrail;
    /** Records this store's changes, as made by its actor. */
    private final Audit audit;
    private final PrivateKeyExport privateKeyExport;

    /** The trust material, the count of this server's trust changes it was read after, and when the database's version was last read. */
    private record TrustSnapshot(TrustMaterial material, long changes, Instant checkedAt) {
    }

    private SmimeKeyStore(Database database, PrivateKeySeal seal, Clock clock, String node, PrivateKeyExport privateKeyExport) {
        this.database = database;
        this.privateKeyExport = privateKeyExport;
        this.lookups = new LookupCache(clock, () -> database.counter(LookupCache.SHARED_VERSION));
        this.clock = clock;
        this.trustChanges = new AtomicLong();
        this.trust = new AtomicReference<>();
        this.auditTrail = new AuditTrail(database, clock, node);
        this.audit = auditTrail.by(Actor.LOCAL);
        this.identities = new IdentityStore(database, seal, clock);
        this.partners = new PartnerCertificateStore(database, clock);
        this.alerts = new RiskAlerts(database, clock);
        this.harvested = new HarvestedCertificateStore(database, partners, alerts, new CapabilityStore(clock), clock, lookups::changed,
            auditTrail.by(Actor.MAIL));
        this.trustAnchors = CaCertificateTable.trustAnchors(database, clock);
        this.intermediates = CaCertificateTable.intermediates(database, clock);
        this.crls = new CrlStore(database, clock);
        this.selection = new CertificateSelection(database, identities, partners, clock);
    }

    /** The same store, its caches included, whose changes are recorded as made by {@code actor}. */
    private SmimeKeyStore(SmimeKeyStore store, Actor actor) {
        this.database = store.database;
        this.privateKeyExport = store.privateKeyExport;
        this.lookups = store.lookups;
        this.clock = store.clock;
        this.trustChanges = store.trustChanges;
        this.trust = store.trust;
        this.auditTrail = store.auditTrail;
        this.audit = auditTrail.by(actor);
        this.identities = store.identities;
        this.partners = store.partners;
        this.alerts = store.alerts;
        this.harvested = store.harvested;
        this.trustAnchors = store.trustAnchors;
        this.intermediates = store.intermediates;
        this.crls = store.crls;
        this.selection = store.selection;
    }

    /**
     * Opens (creating or upgrading the schema as needed) the store in the database, unlocking it with
     * the master secret. A database created with another secret is refused: its keys would not open.
     */
    public static SmimeKeyStore open(DataSource dataSource, char[] masterSecret, Clock clock) {
        return open(dataSource, masterSecret, clock, hostName(), PrivateKeyExport.REFUSED);
    }

    /**
     * Opens the store as {@link #open(DataSource, char[], Clock)} does, naming this gateway node in
     * the audit trail as {@code nodeName} (1 to 255 characters) rather than by its host name.
     */
    public static SmimeKeyStore open(DataSource dataSource, char[] masterSecret, Clock clock, String nodeName) {
        return open(dataSource, masterSecret, clock, nodeName, PrivateKeyExport.REFUSED);
    }

    /** As {@link #open(DataSource, char[], Clock)}, saying whether {@link #exportPkcs12} may hand out private keys. */
    public static SmimeKeyStore open(DataSource dataSource, char[] masterSecret, Clock clock, PrivateKeyExport privateKeyExport) {
        return open(dataSource, masterSecret, clock, hostName(), privateKeyExport);
    }

    /**
     * Opens the store, naming this node in the audit trail as {@code nodeName} and saying whether
     * {@link #exportPkcs12} may hand out private keys.
     */
    public static SmimeKeyStore open(DataSource dataSource, char[] masterSecret, Clock clock, String nodeName,
                                     PrivateKeyExport privateKeyExport) {
        Database database = new Database(dataSource);
        database.migrate();
        return new SmimeKeyStore(database, PrivateKeySeal.unlock(database, masterSecret), clock, nodeName, privateKeyExport);
    }

    /** This machine's host name: the audit trail's default node name. */
    public static String hostName() {
        return AuditTrail.hostName();
    }

    /**
     * This store, with everything it holds and caches, whose changes the audit trail records as made
     * by {@code actor}. Cheap: webadmin makes one per request, with the caller's JWT subject.
     */
    public SmimeKeyStore as(Actor actor) {
        return new SmimeKeyStore(this, actor);
    }

    int schemaVersion() {
        return database.schemaVersion();
    }

    // ---------------------------------------------------------------- identities

    /**
     * Imports a private key and its chain from a PKCS#12 file.
     *
     * @param alias    which key entry to take when the file holds several
     * @param activate empty: active unless another active identity already covers one of its addresses
     */
    public Identity importPkcs12(String name, byte[] pkcs12, char[] password, Optional<String> alias, Optional<Boolean> activate) {
        return importPkcs12(name, pkcs12, password, alias, activate, false);
    }

    /**
     * Imports a private key and its chain from a PKCS#12 file, optionally as <em>decrypt-only</em>: an
     * identity kept to read archived mail, typically with an expired certificate. A decrypt-only
     * identity is accepted whatever its certificate's validity dates, decrypts like any other, is
     * never active and never signs.
     *
     * @param activate    must not be {@code true} for a decrypt-only identity
     * @param decryptOnly import the identity for decryption only
     */
    public Identity importPkcs12(String name, byte[] pkcs12, char[] password, Optional<String> alias, Optional<Boolean> activate,
                                 boolean decryptOnly) {
        return changing(() -> identities.importPkcs12(name, pkcs12, password, alias, activate, decryptOnly, audit));
    }

    /** Creates a key and a self-signed certificate for it. */
    public Identity createSelfSigned(String name, SelfSignedRequest request, Optional<Boolean> activate) {
        return changing(() -> identities.createSelfSigned(name, request, activate, audit));
    }

    /** A PEM certificate signing request for the identity's key, to send to a CA. */
    public String certificationRequest(String name) {
        return identities.certificationRequest(name);
    }

    /**
     * Puts a CA-issued certificate (PEM chain or one DER certificate) onto the identity's existing key.
     * The previous certificate is kept for decryption.
     */
    public Identity importCertificate(String name, byte[] certificateChain) {
        return changing(() -> identities.importCertificate(name, certificateChain, audit));
    }

    /**
     * Makes the identity the one that signs for its addresses and domains; others covering them become
     * inactive. A decrypt-only identity is refused: it never signs.
     */
    public Identity activate(String name) {
        return changing(() -> identities.activate(name, audit));
    }

    public List<Identity> listIdentities() {
        return identities.list();
    }

    public Optional<Identity> identity(String name) {
        return identities.find(name);
    }

    // ---------------------------------------------------------------- archive, restore, destroy, backup

    /**
     * What deleting an identity does: archives it. From the next mail on it neither signs nor decrypts
     * (every look-up skips it), it is no longer active, and it is listed with its archiving time. Its
     * sealed key and certificates stay, for {@link #restoreIdentity} or {@link #exportPkcs12}.
     *
     * @throws EntryNotFoundException no such identity
     * @throws WrongStateException    it is already archived
     */
    public Identity archiveIdentity(String name) {
        return changing(() -> identities.archive(name, audit));
    }

    /**
     * Brings an archived identity back. It decrypts again at once but comes back <em>inactive</em>: it
     * signs only once the administrator {@link #activate activates} it, so that restoring never takes
     * signing away from the identity that replaced it.
     *
     * @throws WrongStateException it is not archived
     */
    public Identity restoreIdentity(String name) {
        return changing(() -> identities.restore(name, audit));
    }

    /**
     * Destroys an archived identity for good, with its key and all its certificates: mail encrypted to
     * them can never be decrypted again.
     *
     * @param fingerprint the SHA-256 fingerprint (hex) of the identity's current certificate, as listed
     * @throws WrongStateException the identity is not archived, or the fingerprint is not its current certificate's
     */
    public void destroyIdentity(String name, String fingerprint) {
        changing(done(() -> identities.destroy(name, fingerprint, audit)));
    }

    /**
     * The identity's private key and certificate chain as a PKCS#12 file protected by {@code password}
     * (AES-256-CBC under PBKDF2-HMAC-SHA256 and an HMAC-SHA256 MAC, see {@link Pkcs12Writer}), for a
     * backup that {@link #importPkcs12} reads back. Archived identities may be exported: keeping such
     * a key is what a backup is for.
     *
     * @throws WrongStateException    private-key export is not allowed ({@value #EXPORT_SETTING})
     * @throws InvalidRequestException the password is shorter than 12 or longer than 1024 characters
     */
    public byte[] exportPkcs12(String name, char[] password) {
        if (privateKeyExport != PrivateKeyExport.ALLOWED) {
            throw new WrongStateException("private-key export is off: set " + EXPORT_SETTING
                + "=true in conf/smime.properties and restart James to allow PKCS#12 backups");
        }
        Pkcs12Writer.checkPassword(password);
        return identities.exportPkcs12(name, password, audit);
    }

    // ---------------------------------------------------------------- look-ups for the mailets

    /** The identity that signs mail from this sender, by {@link CertificateSelection}'s rule. */
    public Optional<SigningIdentity> signingIdentityFor(String address) {
        return lookups.get(new Lookup("signingIdentityFor", MailAddresses.normalise(address)),
            () -> selection.signingIdentityFor(address), SmimeKeyStore::leafOf);
    }

    /**
     * A named identity (an organisation identity chosen in the mailet configuration), whatever its
     * state: the caller decides what an expired or inactive identity means for the mail. A
     * decrypt-only or an archived identity is never returned (and the log says why): it must not sign.
     */
    public Optional<SigningIdentity> signingIdentity(String name) {
        return lookups.get(new Lookup("signingIdentity", name), () -> identities.signingIdentity(name), found -> List.of());
    }

    /** The certificates mail to this recipient is encrypted to, newest first, by {@link CertificateSelection}'s rule. */
    public List<X509Certificate> encryptionCertificatesFor(String address) {
        return lookups.get(new Lookup("encryptionCertificatesFor", MailAddresses.normalise(address)),
            () -> selection.encryptionCertificatesFor(address).stream().map(CertificateFacts::certificate).toList(), found -> found);
    }

    /**
     * The certificate a mail to this recipient is encrypted to (the first of
     * {@link #encryptionCertificatesFor}) with what the recipient announced it can read; choosing a
     * harvested certificate counts as using it (the size cap evicts the least recently used).
     */
    public Optional<EncryptionTarget> encryptionTargetFor(String address) {
        Optional<EncryptionTarget> target = encryptionTarget(address);
        target.ifPresent(chosen -> markUsed(chosen.certificate()));
        return target;
    }

    /**
     * Moves a harvested certificate's last use on, at most once a minute per certificate and server:
     * the size cap's least-recently-used order needs no finer grain, and a mail costs no write. Its
     * own transaction, holding nothing else: a harvest (which locks capabilities, then evicts) and this
     * update can never wait for each other in a cycle.
     */
    private void markUsed(X509Certificate certificate) {
        Instant now = clock.instant();
        Instant last = markedUsed.get(certificate);
        if (last != null && now.isBefore(last.plus(LookupCache.TIME_TO_LIVE)) && !now.isBefore(last)) {
            return;
        }
        database.inTransaction(connection -> {
            harvested.markUsed(connection, CertificateFacts.of(certificate).fingerprint());
            return null;
        });
        markedUsed.put(certificate, now);
    }

    /**
     * The stored partner certificates bound to exactly this address, newest first, whatever their key
     * usage and validity: used to verify a signature that carries no certificates. Domain (gateway)
     * certificates are not returned: they do not name the signer.
     */
    public List<X509Certificate> partnerCertificatesFor(String address) {
        return lookups.get(new Lookup("partnerCertificatesFor", MailAddresses.normalise(address)), () -> partners.boundTo(address),
            found -> List.of());
    }

    /** The key for a RecipientInfo identified by issuer and serial number; old certificates included, archived identities not. */
    public Optional<DecryptionKey> decryptionKeyFor(X500Principal issuerName, BigInteger serialNumber) {
        return lookups.get(new Lookup("decryptionKeyFor", issuerName.getName(X500Principal.CANONICAL) + "/" + serialNumber),
            () -> identities.decryptionKey(issuerName, serialNumber), found -> List.of());
    }

    /** The key for a RecipientInfo identified by subjectKeyIdentifier; old certificates included, archived identities not. */
    public Optional<DecryptionKey> decryptionKeyFor(byte[] subjectKeyIdentifier) {
        return lookups.get(new Lookup("decryptionKeyFor", HexFormat.of().formatHex(subjectKeyIdentifier)),
            () -> identities.decryptionKey(subjectKeyIdentifier), found -> List.of());
    }

    // ---------------------------------------------------------------- partner certificates

    /** Adds one partner certificate (PEM or DER) under a name. */
    public StoredCertificate addCertificate(String name, byte[] certificate) {
        return changing(() -> partners.add(name, certificate, audit));
    }

    /** The administrator's partner certificates (harvested ones: {@link #listHarvested}). */
    public List<StoredCertificate> listCertificates() {
        return partners.list();
    }

    /** A stored partner certificate by name, added or harvested. */
    public Optional<StoredCertificate> certificate(String name) {
        return partners.find(name);
    }

    public void deleteCertificate(String name) {
        changing(done(() -> partners.delete(name, audit)));
    }

    /** Every administrator's partner certificate as one PEM file, each preceded by its {@code name:} so the file re-imports as it was. */
    public String exportCertificates() {
        return partners.export();
    }

    /**
     * Imports every certificate of a PEM file, each on its own: a bad certificate is reported and
     * skipped, the others are stored. Names come from the file's {@code name:} lines, else from the
     * certificate's first address.
     */
    public ImportReport importCertificates(String pemText) {
        return changing(() -> partners.importPem(pemText, audit));
    }

    // ---------------------------------------------------------------- harvested certificates

    /** Learns a partner's certificate from a signed mail; see {@link HarvestedCertificateStore}. */
    public HarvestResult harvest(HarvestRequest request) {
        return harvested.harvest(request);
    }

    /** Harvested certificates, optionally of one address or of one domain, in pages. */
    public List<HarvestedCertificate> listHarvested(Optional<String> address, Optional<String> domain, int offset, int limit) {
        return harvested.list(address, domain, offset, limit);
    }

    public Optional<HarvestedCertificate> harvestedCertificate(String name) {
        return harvested.find(name);
    }

    /** Makes a harvested certificate administrator-managed: never evicted, listed with the added ones. */
    public StoredCertificate promoteHarvested(String name) {
        return changing(() -> harvested.promote(name, audit));
    }

    public void deleteHarvested(String name) {
        changing(done(() -> harvested.delete(name, audit)));
    }

    /** Updated certificates seen for addresses that had one, stored or rejected, newest first. */
    public List<CertificateUpdate> certificateUpdates(Optional<String> address) {
        return alerts.updates(address);
    }

    /** Risk alerts, newest first; {@code acknowledged} filters when present. */
    public List<RiskAlert> listAlerts(Optional<Boolean> acknowledged) {
        return alerts.list(acknowledged);
    }

    public RiskAlert acknowledgeAlert(String id) {
        return alerts.acknowledge(id, audit);
    }

    /**
     * What the address can read (RFC 8551 smimeCapabilities, as text): the newest announcement made in
     * mail signed with the certificate that mail to it is encrypted to; empty when there is none.
     */
    public Optional<String> announcedCapabilities(String address) {
        return encryptionTarget(address).flatMap(EncryptionTarget::capabilities);
    }

    // ---------------------------------------------------------------- trust anchors

    public ImportReport importTrustAnchors(String pemText) {
        return changingTrust(() -> trustAnchors.importPem(pemText, audit));
    }

    public List<TrustAnchor> listTrustAnchors() {
        return trustAnchors.list();
    }

    public Optional<TrustAnchor> trustAnchor(String fingerprint) {
        return trustAnchors.find(fingerprint);
    }

    public void deleteTrustAnchor(String fingerprint) {
        changingTrust(done(() -> trustAnchors.delete(fingerprint, audit)));
    }

    // ---------------------------------------------------------------- intermediate CA certificates

    /**
     * Stores intermediate CA certificates from a PEM file, each on its own: a CA certificate
     * (basicConstraints cA, keyCertSign when keyUsage is present) that is not self-signed and not
     * expired. They help build a signer's path to a trust anchor and are never trusted themselves.
     */
    public ImportReport importIntermediates(String pemText) {
        return changingTrust(() -> intermediates.importPem(pemText, audit));
    }

    public List<IntermediateCertificate> listIntermediates() {
        return intermediates.list();
    }

    public Optional<IntermediateCertificate> intermediate(String fingerprint) {
        return intermediates.find(fingerprint);
    }

    public void deleteIntermediate(String fingerprint) {
        changingTrust(done(() -> intermediates.delete(fingerprint, audit)));
    }

    /** Every stored intermediate, for path building; expired ones included (the path validation decides). */
    public List<X509Certificate> intermediateCertificates() {
        return intermediates.certificates();
    }

    /**
     * The trust anchors, intermediates and CRLs signatures are checked against, as one snapshot. A
     * change made through this store is seen by the next call. Otherwise the version row is read at
     * most once per {@link #TRUST_RECHECK}, and the lists again only when a change (by another server
     * sharing the database) moved it on: such a change is seen within {@link #TRUST_RECHECK}.
     */
    public TrustMaterial trustMaterial() {
        long changes = trustChanges.get();
        Instant now = clock.instant();
        TrustSnapshot cached = trust.get();
        if (cached != null && cached.changes() == changes && !now.isBefore(cached.checkedAt())
            && now.isBefore(cached.checkedAt().plus(TRUST_RECHECK))) {
            return cached.material();
        }
        TrustMaterial material = cached != null && cached.material().version() == database.counter(TrustMaterial.VERSION)
            ? cached.material()
            : database.inTransaction(connection -> new TrustMaterial(
                Long.parseLong(Database.singleString(connection, "SELECT meta_value FROM smime_meta WHERE meta_key = ?", TrustMaterial.VERSION)
                    .orElseThrow()),
                trustAnchors.certificates(connection), intermediates.certificates(connection), CrlStore.list(connection)));
        trust.set(new TrustSnapshot(material, changes, now));
        return material;
    }

    // ---------------------------------------------------------------- revocation lists

    /**
     * Stores CRLs (PEM {@code X509 CRL} blocks or one DER CRL). Their signatures are checked when
     * used, against the issuer of the certificate they would revoke; a newer CRL of an issuer does
     * not delete older ones (a revocation stays a revocation).
     *
     * @return how many were new
     */
    public int importCrls(byte[] body) {
        return changingTrust(() -> crls.importCrls(body, audit));
    }

    /** Every stored CRL. */
    public List<X509CRL> listCrls() {
        return crls.list();
    }

    public void deleteCrl(String fingerprint) {
        changingTrust(done(() -> crls.delete(fingerprint, audit)));
    }

    // ---------------------------------------------------------------- the audit trail

    /**
     * Recorded changes, newest first: every change made through this store or another server sharing
     * its database, with the node and the actor that made it.
     */
    public List<AuditRecord> auditTrail(AuditQuery query) {
        return auditTrail.list(query);
    }

    // ---------------------------------------------------------------- expiry

    /**
     * Every entry whose validity ends within {@code window} from now, those already expired included
     * (and marked), soonest first: identities (their current certificate), partner certificates,
     * harvested certificates, trust anchors, intermediates and CRLs (by nextUpdate). Decrypt-only
     * identities are not listed: they are kept expired on purpose. See {@link ExpiringEntry}.
     *
     * @param window zero or more; zero lists only what has already expired (or expires this instant)
     */
    public List<ExpiringEntry> expiringWithin(Duration window) {
        if (window.isNegative()) {
            throw new InvalidRequestException("the expiry window must not be negative: " + window);
        }
        Instant now = clock.instant();
        return database.inTransaction(connection -> ExpiryQueries.endingBy(connection, now, now.plus(window)));
    }

    // ---------------------------------------------------------------- the look-up cache

    /** A look-up and its argument, the key of its cached answer. */
    private record Lookup(String method, String argument) {
    }

    private Optional<EncryptionTarget> encryptionTarget(String address) {
        return lookups.get(new Lookup("encryptionTargetFor", MailAddresses.normalise(address)),
            () -> database.inTransaction(connection -> {
                Optional<CertificateFacts> chosen = selection.encryptionCertificatesFor(connection, address).stream().findFirst();
                if (chosen.isEmpty()) {
                    return Optional.<EncryptionTarget>empty();
                }
                return Optional.of(new EncryptionTarget(chosen.get().certificate(),
                    CapabilityStore.announcedFor(connection, chosen.get().fingerprint())));
            }), found -> found.map(chosen -> List.of(chosen.certificate())).orElse(List.of()));
    }

    private static List<X509Certificate> leafOf(Optional<SigningIdentity> identity) {
        return identity.map(found -> List.of(found.certificate())).orElse(List.of());
    }

    /** Runs a write, then discards the cached look-ups. */
    private <T> T changing(Supplier<T> write) {
        return afterwards(write, lookups::changed);
    }

    /** Runs a write to the trust material, then makes the next {@link #trustMaterial()} read the database's version. */
    private <T> T changingTrust(Supplier<T> write) {
        return afterwards(write, trustChanges::incrementAndGet);
    }

    /** Runs the write, then {@code changed}, also when the write failed: it may have committed before failing. */
    private static <T> T afterwards(Supplier<T> write, Runnable changed) {
        try {
            return write.get();
        } finally {
            changed.run();
        }
    }

    /** A write that returns nothing, as one that returns null. */
    private static Supplier<Void> done(Runnable write) {
        return () -> {
            write.run();
            return null;
        };
    }
}
