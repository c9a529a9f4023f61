package dev.smimegateway.webadmin;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.apache.james.webadmin.Routes;
import org.apache.james.webadmin.authentication.AuthenticationFilter;
import org.apache.james.webadmin.utils.ErrorResponder;
import org.apache.james.webadmin.utils.ErrorResponder.ErrorType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.CertificateRejectedException;
import dev.smimegateway.core.certificate.MailAddresses;
import dev.smimegateway.core.certificate.Pem;
import dev.smimegateway.keystore.Actor;
import dev.smimegateway.keystore.AuditOperation;
import dev.smimegateway.keystore.AuditQuery;
import dev.smimegateway.keystore.EntryExistsException;
import dev.smimegateway.keystore.EntryNotFoundException;
import dev.smimegateway.keystore.ExpiringEntry;
import dev.smimegateway.keystore.HarvestedCertificate;
import dev.smimegateway.keystore.Identity;
import dev.smimegateway.keystore.ImportReport;
import dev.smimegateway.keystore.IntermediateCertificate;
import dev.smimegateway.keystore.InvalidRequestException;
import dev.smimegateway.keystore.KeyStoreFailureException;
import dev.smimegateway.keystore.SmimeKeyStore;
import dev.smimegateway.keystore.StoredCertificate;
import dev.smimegateway.keystore.TrustAnchor;
import dev.smimegateway.keystore.WrongStateException;
import jakarta.inject.Inject;
import spark.Request;
import spark.Response;
import spark.Route;
import spark.Service;

/**
 * Key administration over James webadmin. Enable it in {@code conf/webadmin.properties}:
 * <pre>
 * extensions.routes=dev.smimegateway.webadmin.SmimeKeyStoreRoutes
 * </pre>
 * Routes (JSON unless {@code ?format=pem}; errors are webadmin's JSON error body):
 * <pre>
 * GET    /smime/identities                         list identities; ?expiringWithinDays=30 (see below); ?archived=true|false
 *                                                  lists only archived or live ones
 * PUT    /smime/identities/{name}                  import PKCS#12 or create self-signed (JSON)      201
 *                                                  ?decryptOnly=true: a PKCS#12 key kept to read archived mail
 *                                                  (expired certificates accepted); it never signs
 * GET    /smime/identities/{name}                  one identity; ?format=pem gives its chain
 * GET    /smime/identities/{name}/csr              PKCS#10 request (PEM) for a CA
 * PUT    /smime/identities/{name}/certificate      the CA-signed certificate (PEM chain or DER)     200
 * POST   /smime/identities/{name}?action=activate  make it the signer for its addresses            200
 * DELETE /smime/identities/{name}                  archive it: it stops signing and decrypting, keeps its key  204
 * POST   /smime/identities/{name}?action=restore   bring an archived identity back, inactive       200
 * DELETE /smime/identities/{name}?action=destroy&amp;fingerprint={sha256}
 *                                                  destroy an archived identity and its key for good  204
 * POST   /smime/identities/{name}/pkcs12           PKCS#12 backup of key and chain; JSON body {"password": "..."}
 *                                                  (12+ characters); only with keystore.export.privateKeys=true  200
 * GET    /smime/certificates                       list partner certificates; ?format=pem exports all; ?expiringWithinDays=
 * POST   /smime/certificates?action=import         import a PEM file, per-certificate report       200
 * PUT    /smime/certificates/{name}                add one certificate (PEM or DER)                201
 * GET    /smime/certificates/{name}                one certificate; ?format=pem
 * DELETE /smime/certificates/{name}                                                                204
 * GET    /smime/trust-anchors                      list; ?format=pem; ?expiringWithinDays=
 * POST   /smime/trust-anchors?action=import        import a CA list (PEM), per-certificate report  200
 * GET    /smime/trust-anchors/{sha256}             one anchor; ?format=pem
 * DELETE /smime/trust-anchors/{sha256}                                                             204
 * GET    /smime/intermediates                      list intermediate CAs (path building only); ?format=pem; ?expiringWithinDays=
 * POST   /smime/intermediates?action=import        import intermediate CAs (PEM), per-certificate report  200
 * GET    /smime/intermediates/{sha256}             one intermediate; ?format=pem
 * DELETE /smime/intermediates/{sha256}                                                             204
 * GET    /smime/crls                               list imported CRLs; ?expiringWithinDays= (by nextUpdate)
 * POST   /smime/crls?action=import                 import CRLs (PEM X509 CRL blocks or DER)        200
 * DELETE /smime/crls/{sha256}                                                                      204
 * GET    /smime/harvested                          certificates learnt from partners' signed mail, by address;
 *                                                  ?address= or ?domain= (not both), ?offset=0&amp;limit=100 (1 to 1000);
 *                                                  ?expiringWithinDays= (paging applies to what it keeps)
 * GET    /smime/harvested/updates                  updated certificates seen, stored or rejected, newest first; ?address=
 * GET    /smime/harvested/{name}                   one harvested certificate; ?format=pem
 * POST   /smime/harvested/{name}?action=promote    make it administrator-managed (never evicted)   200
 * DELETE /smime/harvested/{name}                                                                   204
 * GET    /smime/alerts                             risk alerts, newest first; ?acknowledged=true|false
 * POST   /smime/alerts/{id}?action=ack             mark the alert as seen by an administrator      200
 * GET    /smime/audit                              the audit trail, newest first; ?operation= (e.g. identity.delete),
 *                                                  ?entry= (a name, a SHA-256, an alert id), ?since= and ?until= (ISO-8601
 *                                                  instants, since included, until excluded), ?offset=0&amp;limit=100 (1 to 1000)
 * GET    /smime/expiring                           everything that expires within ?withinDays=30 (0 to 3650), soonest first
 * </pre>
 * Every change made through these routes is in the audit trail, with the caller's JWT subject when
 * webadmin runs with JWT authentication (James's {@code JwtFilter} puts it in the request attribute
 * {@value AuthenticationFilter#LOGIN}); without JWT the record's {@code subject} is null. A record:
 * <pre>
 * {"id": 7, "time": "2026-03-02T09:15:04.123Z", "operation": "identity.activate", "entry": "alice-2026",
 *  "fingerprint": "3f9a…", "node": "mx1", "actor": "webadmin", "subject": "admin@example.com",
 *  "detail": "CN=Alice, serial 1a2b, issued by CN=Example CA; active; made inactive: alice-2025"}
 * </pre>
 * {@code ?expiringWithinDays=N} (0 to 3650) keeps only the entries whose validity ends within N days,
 * those already expired included; a CRL's validity ends at its nextUpdate. Decrypt-only identities are
 * never "expiring": they are kept expired on purpose (see {@link SmimeKeyStore#expiringWithin}).
 * A harvested certificate is named after its address (with a fingerprint suffix for the second
 * one), so {@code updates} is never a harvested certificate's name. A promoted certificate leaves
 * {@code /smime/harvested} and is listed under {@code /smime/certificates} with the ones added by
 * hand. An alert says that more than one updated certificate arrived for an address or a domain
 * within the harvest's alert window: someone may be trying to slip in a key of their own.
 * Deleting an identity archives it ({@code "archived": true} and {@code "archivedAt"} in its JSON):
 * no mail is signed or decrypted with it, it is never active, and it keeps its key. Restored, it
 * decrypts again and signs once activated explicitly. Destroying needs the archived identity's
 * current certificate's SHA-256 fingerprint: missing or malformed is 400, another certificate's is
 * 409, as is destroying an identity that is not archived. The PKCS#12 backup (AES-256-CBC, PBKDF2
 * HMAC-SHA256, 600,000 iterations, HMAC-SHA256 MAC) takes its password from the body, never from the
 * URL, and archived identities may be exported; with export off the answer is 409 naming the setting.
 * Bad input answers 400, an unknown name 404, an existing name or certificate or a wrong state 409,
 * a body over 16 MiB 413; nothing is stored on any of them. When the key store's database cannot be reached
 * the answer is 503 (try again later). Servlet types are not used, so the class serves both James
 * 3.8's Spark and James 3.9's fork of it.
 */
public class SmimeKeyStoreRoutes implements Routes {
    public static final String BASE_PATH = "/smime";
    static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    private static final Logger LOGGER = LoggerFactory.getLogger(SmimeKeyStoreRoutes.class);
    private static final String IDENTITIES = BASE_PATH + "/identities";
    private static final String CERTIFICATES = BASE_PATH + "/certificates";
    private static final String TRUST_ANCHORS = BASE_PATH + "/trust-anchors";
    private static final String CRLS = BASE_PATH + "/crls";
    private static final String INTERMEDIATES = BASE_PATH + "/intermediates";
    private static final String HARVESTED = BASE_PATH + "/harvested";
    private static final String ALERTS = BASE_PATH + "/alerts";
    private static final String AUDIT = BASE_PATH + "/audit";
    private static final int MAX_ENTRY_PARAMETER = 400;
    private static final int DEFAULT_PAGE = 100;
    private static final int MAX_PAGE = 1000;
    private static final String PEM_TYPE = "application/x-pem-file";
    private static final String JSON_TYPE = "application/json";

    @FunctionalInterface
    private interface Handler {
        Object handle(Request request, Response response);
    }

    private final SmimeKeyStore store;

    @Inject
    public SmimeKeyStoreRoutes(SmimeKeyStore store) {
        this.store = store;
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    @Override
    public void define(Service service) {
        service.get(IDENTITIES, route(this::listIdentities));
        service.put(IDENTITIES + "/:name", route(this::putIdentity));
        service.get(IDENTITIES + "/:name", route(this::getIdentity));
        service.get(IDENTITIES + "/:name/csr", route((request, response) -> {
            response.type("application/pkcs10");
            return store.certificationRequest(request.params(":name"));
        }));
        service.put(IDENTITIES + "/:name/certificate", route((request, response) ->
            json(response, KeyStoreJson.identity(storeFor(request).importCertificate(request.params(":name"), body(request))))));
        service.post(IDENTITIES + "/:name", route(this::identityAction));
        defineArchiveAndBackupRoutes(service);

        service.get(CERTIFICATES, route(this::listCertificates));
        service.post(CERTIFICATES, route((request, response) -> {
            requireAction(request, "import");
            return importReport(response, storeFor(request).importCertificates(text(request)));
        }));
        service.put(CERTIFICATES + "/:name", route((request, response) -> {
            response.status(201);
            return json(response, KeyStoreJson.storedCertificate(storeFor(request).addCertificate(request.params(":name"), body(request))));
        }));
        service.get(CERTIFICATES + "/:name", route((request, response) -> {
            var stored = store.certificate(request.params(":name"))
                .orElseThrow(() -> new EntryNotFoundException("no certificate named '" + request.params(":name") + "'"));
            return wantsPem(request)
                ? pem(response, Pem.writeNamed(stored.name(), stored.certificate()))
                : json(response, KeyStoreJson.storedCertificate(stored));
        }));
        service.delete(CERTIFICATES + "/:name", route((request, response) -> {
            storeFor(request).deleteCertificate(request.params(":name"));
            return noContent(response);
        }));

        service.get(TRUST_ANCHORS, route((request, response) -> {
            Predicate<String> expiring = expiringFilter(request, ExpiringEntry.Kind.TRUST_ANCHOR);
            List<TrustAnchor> anchors = store.listTrustAnchors().stream().filter(anchor -> expiring.test(anchor.fingerprint())).toList();
            return wantsPem(request)
                ? pem(response, anchors.stream().map(anchor -> Pem.write(anchor.certificate().certificate())).collect(Collectors.joining()))
                : json(response, anchors.stream().map(KeyStoreJson::trustAnchor).collect(Collectors.toList()));
        }));
        service.post(TRUST_ANCHORS, route((request, response) -> {
            requireAction(request, "import");
            return importReport(response, storeFor(request).importTrustAnchors(text(request)));
        }));
        service.get(TRUST_ANCHORS + "/:fingerprint", route((request, response) -> {
            var anchor = store.trustAnchor(request.params(":fingerprint"))
                .orElseThrow(() -> new EntryNotFoundException("no trust anchor with fingerprint " + request.params(":fingerprint")));
            return wantsPem(request) ? pem(response, Pem.write(anchor.certificate().certificate())) : json(response, KeyStoreJson.trustAnchor(anchor));
        }));
        service.delete(TRUST_ANCHORS + "/:fingerprint", route((request, response) -> {
            storeFor(request).deleteTrustAnchor(request.params(":fingerprint"));
            return noContent(response);
        }));

        service.get(INTERMEDIATES, route((request, response) -> {
            Predicate<String> expiring = expiringFilter(request, ExpiringEntry.Kind.INTERMEDIATE);
            List<IntermediateCertificate> intermediates = store.listIntermediates().stream()
                .filter(intermediate -> expiring.test(intermediate.fingerprint())).toList();
            return wantsPem(request)
                ? pem(response, Pem.write(intermediates.stream().map(intermediate -> intermediate.certificate().certificate()).toList()))
                : json(response, intermediates.stream().map(KeyStoreJson::intermediate).collect(Collectors.toList()));
        }));
        service.post(INTERMEDIATES, route((request, response) -> {
            requireAction(request, "import");
            return importReport(response, storeFor(request).importIntermediates(text(request)));
        }));
        service.get(INTERMEDIATES + "/:fingerprint", route((request, response) -> {
            var intermediate = store.intermediate(request.params(":fingerprint"))
                .orElseThrow(() -> new EntryNotFoundException("no intermediate CA certificate with fingerprint " + request.params(":fingerprint")));
            return wantsPem(request)
                ? pem(response, Pem.write(intermediate.certificate().certificate()))
                : json(response, KeyStoreJson.intermediate(intermediate));
        }));
        service.delete(INTERMEDIATES + "/:fingerprint", route((request, response) -> {
            storeFor(request).deleteIntermediate(request.params(":fingerprint"));
            return noContent(response);
        }));

        service.get(CRLS, route((request, response) -> {
            Predicate<String> expiring = expiringFilter(request, ExpiringEntry.Kind.CRL);
            return json(response, store.listCrls().stream().map(KeyStoreJson::crl)
                .filter(crl -> expiring.test((String) crl.get("fingerprint"))).collect(Collectors.toList()));
        }));
        service.post(CRLS, route((request, response) -> {
            requireAction(request, "import");
            return json(response, java.util.Map.of("imported", storeFor(request).importCrls(body(request))));
        }));
        service.delete(CRLS + "/:fingerprint", route((request, response) -> {
            storeFor(request).deleteCrl(request.params(":fingerprint"));
            return noContent(response);
        }));

        service.get(HARVESTED, route(this::listHarvested));
        // before HARVESTED/:name, which would take "updates" for a name: Spark answers with the first route that matches
        service.get(HARVESTED + "/updates", route((request, response) -> json(response,
            store.certificateUpdates(addressParameter(request)).stream().map(KeyStoreJson::certificateUpdate).collect(Collectors.toList()))));
        service.get(HARVESTED + "/:name", route((request, response) -> {
            var harvested = store.harvestedCertificate(request.params(":name"))
                .orElseThrow(() -> new EntryNotFoundException("no harvested certificate named '" + request.params(":name") + "'"));
            return wantsPem(request)
                ? pem(response, Pem.writeNamed(harvested.name(), harvested.certificate()))
                : json(response, KeyStoreJson.harvested(harvested));
        }));
        service.post(HARVESTED + "/:name", route((request, response) -> {
            requireAction(request, "promote");
            return json(response, KeyStoreJson.storedCertificate(storeFor(request).promoteHarvested(request.params(":name"))));
        }));
        service.delete(HARVESTED + "/:name", route((request, response) -> {
            storeFor(request).deleteHarvested(request.params(":name"));
            return noContent(response);
        }));

        service.get(ALERTS, route((request, response) -> json(response,
            store.listAlerts(optionalBoolean(request, "acknowledged")).stream().map(KeyStoreJson::alert).collect(Collectors.toList()))));
        service.post(ALERTS + "/:id", route((request, response) -> {
            requireAction(request, "ack");
            return json(response, KeyStoreJson.alert(storeFor(request).acknowledgeAlert(request.params(":id"))));
        }));

        defineAuditRoutes(service);
        defineExpiry(service);
    }

    // ---------------------------------------------------------------- audit trail

    private void defineAuditRoutes(Service service) {
        service.get(AUDIT, route((request, response) -> json(response,
            store.auditTrail(auditQuery(request)).stream().map(KeyStoreJson::auditRecord).collect(Collectors.toList()))));
    }

    /**
     * The store as the caller of this request changes it: the audit trail records the JWT subject
     * webadmin's JwtFilter authenticated, or none without JWT. Every write goes through it.
     */
    private SmimeKeyStore storeFor(Request request) {
        Object login = request.attribute(AuthenticationFilter.LOGIN);
        Optional<String> subject = login instanceof String name && !name.isBlank() ? Optional.of(name) : Optional.empty();
        return store.as(Actor.webadmin(subject));
    }

    private static AuditQuery auditQuery(Request request) {
        Optional<AuditOperation> operation = Optional.ofNullable(request.queryParams("operation")).map(AuditOperation::fromLabel);
        Optional<String> entry = Optional.ofNullable(request.queryParams("entry"));
        if (entry.isPresent() && (entry.get().isEmpty() || entry.get().length() > MAX_ENTRY_PARAMETER)) {
            throw badRequest("?entry must be 1 to " + MAX_ENTRY_PARAMETER + " characters");
        }
        return new AuditQuery(operation, entry, instant(request, "since"), instant(request, "until"),
            wholeNumber(request, "offset", 0, 0, Integer.MAX_VALUE), wholeNumber(request, "limit", DEFAULT_PAGE, 1, MAX_PAGE));
    }

    private static Optional<Instant> instant(Request request, String name) {
        String value = request.queryParams(name);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(value));
        } catch (DateTimeParseException e) {
            throw badRequest("?" + name + " must be an ISO-8601 instant such as 2026-01-31T12:00:00Z, not '" + value + "'");
        }
    }

    private Object listHarvested(Request request, Response response) {
        Optional<String> address = addressParameter(request);
        Optional<String> domain = Optional.ofNullable(request.queryParams("domain"));
        if (address.isPresent() && domain.isPresent()) {
            throw badRequest("give ?address or ?domain, not both");
        }
        int offset = wholeNumber(request, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = wholeNumber(request, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
        Optional<Duration> expiring = expiringWithin(request, EXPIRING_WITHIN_DAYS);
        List<HarvestedCertificate> page = expiring.isPresent()
            ? expiringHarvested(expiring.get(), address, domain, offset, limit)
            : store.listHarvested(address, domain, offset, limit);
        return json(response, page.stream().map(KeyStoreJson::harvested).collect(Collectors.toList()));
    }

    private Object listCertificates(Request request, Response response) {
        if (request.queryParams(EXPIRING_WITHIN_DAYS) == null) {
            return wantsPem(request)
                ? pem(response, store.exportCertificates())
                : json(response, store.listCertificates().stream().map(KeyStoreJson::storedCertificate).collect(Collectors.toList()));
        }
        Predicate<String> expiring = expiringFilter(request, ExpiringEntry.Kind.CERTIFICATE);
        List<StoredCertificate> certificates = store.listCertificates().stream().filter(stored -> expiring.test(stored.name())).toList();
        return wantsPem(request)
            ? pem(response, certificates.stream().map(stored -> Pem.writeNamed(stored.name(), stored.certificate())).collect(Collectors.joining()))
            : json(response, certificates.stream().map(KeyStoreJson::storedCertificate).collect(Collectors.toList()));
    }

    private Object putIdentity(Request request, Response response) {
        String name = request.params(":name");
        boolean decryptOnly = booleanParameter(request, "decryptOnly");
        KeyStoreJson.IdentityRequest identityRequest = KeyStoreJson.identityRequest(text(request));
        Identity identity;
        if (identityRequest instanceof KeyStoreJson.Pkcs12Import) {
            KeyStoreJson.Pkcs12Import pkcs12 = (KeyStoreJson.Pkcs12Import) identityRequest;
            try {
                identity = storeFor(request).importPkcs12(name, pkcs12.pkcs12(), pkcs12.password(), pkcs12.alias(), pkcs12.activate(),
                    decryptOnly);
            } finally {
                Arrays.fill(pkcs12.password(), '\0');
            }
        } else if (decryptOnly) {
            throw badRequest("?decryptOnly=true imports an existing key from \"pkcs12\"; a new self-signed identity is made to sign");
        } else {
            KeyStoreJson.SelfSignedCreation creation = (KeyStoreJson.SelfSignedCreation) identityRequest;
            identity = storeFor(request).createSelfSigned(name, creation.request(), creation.activate());
        }
        response.status(201);
        return json(response, KeyStoreJson.identity(identity));
    }

    private Object getIdentity(Request request, Response response) {
        String name = request.params(":name");
        Identity identity = store.identity(name).orElseThrow(() -> new EntryNotFoundException("no identity named '" + name + "'"));
        if (wantsPem(request)) {
            return pem(response, Pem.write(identity.chain().stream().map(CertificateFacts::certificate).collect(Collectors.toList())));
        }
        return json(response, KeyStoreJson.identity(identity));
    }

    private Object identityAction(Request request, Response response) {
        String name = request.params(":name");
        String action = request.queryParams("action");
        if ("restore".equals(action)) {
            return json(response, KeyStoreJson.identity(storeFor(request).restoreIdentity(name)));
        }
        if ("activate".equals(action)) {
            return json(response, KeyStoreJson.identity(storeFor(request).activate(name)));
        }
        throw badRequest("unknown or missing action '" + action + "'; use ?action=activate or ?action=restore");
    }

    // ---------------------------------------------------------------- archive, restore, destroy, backup

    private static final java.util.regex.Pattern FINGERPRINT = java.util.regex.Pattern.compile("[0-9a-fA-F]{64}");

    /** DELETE archives, or destroys with {@code ?action=destroy&fingerprint=}; POST .../pkcs12 exports a backup. */
    private void defineArchiveAndBackupRoutes(Service service) {
        service.delete(IDENTITIES + "/:name", route((request, response) -> {
            String name = request.params(":name");
            String action = request.queryParams("action");
            if (action == null) {
                storeFor(request).archiveIdentity(name);
            } else if (action.equals("destroy")) {
                storeFor(request).destroyIdentity(name, fingerprintParameter(request));
            } else {
                throw badRequest("unknown action '" + action + "'; DELETE archives the identity, ?action=destroy&fingerprint= destroys it");
            }
            return noContent(response);
        }));
        service.post(IDENTITIES + "/:name/pkcs12", route((request, response) -> {
            if (request.queryParams("password") != null) {
                throw badRequest("the password belongs in the JSON body ({\"password\": \"...\"}), never in the URL");
            }
            char[] password = KeyStoreJson.exportPassword(text(request));
            byte[] pkcs12;
            try {
                pkcs12 = storeFor(request).exportPkcs12(request.params(":name"), password);
            } finally {
                Arrays.fill(password, '\0');
            }
            response.type("application/x-pkcs12");
            response.header("Content-Disposition", "attachment; filename=\"" + request.params(":name") + ".p12\"");
            return pkcs12;
        }));
    }

    private Object listIdentities(Request request, Response response) {
        Optional<Boolean> archived = optionalBoolean(request, "archived");
        Predicate<String> expiring = expiringFilter(request, ExpiringEntry.Kind.IDENTITY);
        return json(response, store.listIdentities().stream()
            .filter(identity -> archived.map(wanted -> identity.archived() == wanted).orElse(true))
            .filter(identity -> expiring.test(identity.name()))
            .map(KeyStoreJson::identity).collect(Collectors.toList()));
    }

    private static String fingerprintParameter(Request request) {
        String given = request.queryParams("fingerprint");
        String fingerprint = given == null ? "" : given.replace(":", "");
        if (!FINGERPRINT.matcher(fingerprint).matches()) {
            throw badRequest("?action=destroy needs ?fingerprint= with the SHA-256 fingerprint (64 hex digits, colons allowed) of the "
                + "identity's current certificate, as GET /smime/identities/{name} shows it");
        }
        return fingerprint;
    }

    // ---------------------------------------------------------------- expiry

    private static final String EXPIRING = BASE_PATH + "/expiring";
    private static final String EXPIRING_WITHIN_DAYS = "expiringWithinDays";
    private static final String WITHIN_DAYS = "withinDays";
    private static final int DEFAULT_EXPIRY_DAYS = 30;
    /** Ten years: any longer window is a typo, not a question. */
    private static final int MAX_EXPIRY_DAYS = 3650;

    private void defineExpiry(Service service) {
        service.get(EXPIRING, route((request, response) -> json(response,
            store.expiringWithin(expiringWithin(request, WITHIN_DAYS).orElse(Duration.ofDays(DEFAULT_EXPIRY_DAYS))).stream()
                .map(KeyStoreJson::expiring).collect(Collectors.toList()))));
    }

    /** {@code ?name=N}, a number of days from 0 to {@value #MAX_EXPIRY_DAYS}, if given. */
    private static Optional<Duration> expiringWithin(Request request, String name) {
        if (request.queryParams(name) == null) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofDays(wholeNumber(request, name, 0, 0, MAX_EXPIRY_DAYS)));
    }

    /**
     * Without {@code ?expiringWithinDays}, keeps everything; with it, keeps the entries of that kind
     * the store lists as expiring, by name or (trust anchors, intermediates, CRLs) by fingerprint.
     */
    private Predicate<String> expiringFilter(Request request, ExpiringEntry.Kind kind) {
        Optional<Duration> window = expiringWithin(request, EXPIRING_WITHIN_DAYS);
        if (window.isEmpty()) {
            return key -> true;
        }
        Set<String> keys = store.expiringWithin(window.get()).stream().filter(entry -> entry.kind() == kind)
            .map(ExpiringEntry::reference).collect(Collectors.toSet());
        return keys::contains;
    }

    /** The page of expiring harvested certificates, of the address or domain if given, in the list's order (by address). */
    private List<HarvestedCertificate> expiringHarvested(Duration window, Optional<String> address, Optional<String> domain, int offset,
                                                         int limit) {
        Optional<String> domainSuffix = domain.map(name -> {
            String normalised = MailAddresses.normalise(name);
            if (!MailAddresses.isValidDomain(normalised)) {
                throw badRequest("?domain must be a domain such as example.com, not '" + name + "'");
            }
            return "@" + normalised;
        });
        return store.expiringWithin(window).stream()
            .filter(entry -> entry.kind() == ExpiringEntry.Kind.HARVESTED)
            .filter(entry -> address.map(entry.addresses()::contains).orElse(true))
            .filter(entry -> domainSuffix.map(suffix -> entry.addresses().stream().anyMatch(harvestedFor -> harvestedFor.endsWith(suffix)))
                .orElse(true))
            .sorted(Comparator.comparing((ExpiringEntry entry) -> entry.addresses().get(0)).thenComparing(ExpiringEntry::name))
            .skip(offset)
            .limit(limit)
            .flatMap(entry -> store.harvestedCertificate(entry.name()).stream())
            .toList();
    }

    // ---------------------------------------------------------------- answers

    private static Object importReport(Response response, ImportReport report) {
        if (report.count(ImportReport.Status.ACCEPTED) == 0 && report.count(ImportReport.Status.REJECTED) > 0) {
            String reasons = report.entries().stream()
                .filter(entry -> entry.status() == ImportReport.Status.REJECTED)
                .map(entry -> "certificate " + entry.index() + ": " + entry.reason().orElse("rejected"))
                .collect(Collectors.joining("; "));
            throw badRequest("no certificate was imported: " + reasons);
        }
        return json(response, KeyStoreJson.report(report));
    }

    /** Turns the store's exceptions into webadmin's error answers; anything unexpected is a logged 500. */
    private static Route route(Handler handler) {
        return (request, response) -> {
            try {
                return handler.handle(request, response);
            } catch (InvalidRequestException | CertificateRejectedException e) {
                throw badRequest(e.getMessage());
            } catch (EntryNotFoundException e) {
                throw ErrorResponder.builder().statusCode(404).type(ErrorType.NOT_FOUND).message(e.getMessage()).haltError();
            } catch (EntryExistsException | WrongStateException e) {
                throw ErrorResponder.builder().statusCode(409).type(ErrorType.WRONG_STATE).message(e.getMessage()).haltError();
            } catch (KeyStoreFailureException e) {
                LOGGER.error("S/MIME key store failure on {} {}", request.requestMethod(), request.pathInfo(), e);
                throw failure(e);
            }
        };
    }

    /**
     * A database that cannot be reached is a 503 the client may retry, with nothing changed; anything
     * else the store cannot do (a corrupt entry) is a 500.
     */
    private static RuntimeException failure(KeyStoreFailureException e) {
        if (e.getCause() instanceof SQLException) {
            return ErrorResponder.builder().statusCode(503).type(ErrorType.SERVER_ERROR)
                .message("the S/MIME key store database is unavailable, nothing was changed; try again later (" + e.getMessage() + ")")
                .haltError();
        }
        return ErrorResponder.builder().statusCode(500).type(ErrorType.SERVER_ERROR).message(e.getMessage()).haltError();
    }

    private static RuntimeException badRequest(String message) {
        return ErrorResponder.builder().statusCode(400).type(ErrorType.INVALID_ARGUMENT).message(message).haltError();
    }

    private static void requireAction(Request request, String expected) {
        String action = request.queryParams("action");
        if (!expected.equals(action)) {
            throw badRequest("unknown or missing action '" + action + "'; use ?action=" + expected);
        }
    }

    private static boolean booleanParameter(Request request, String name) {
        return optionalBoolean(request, name).orElse(false);
    }

    private static Optional<Boolean> optionalBoolean(Request request, String name) {
        String value = request.queryParams(name);
        if (value == null) {
            return Optional.empty();
        }
        if (value.equals("true") || value.equals("false")) {
            return Optional.of(Boolean.valueOf(value));
        }
        throw badRequest("?" + name + " must be true or false, not '" + value + "'");
    }

    /** {@code ?address=}, normalised as the store keeps addresses, so that {@code Bob@Example.com} finds bob@example.com. */
    private static Optional<String> addressParameter(Request request) {
        String value = request.queryParams("address");
        if (value == null) {
            return Optional.empty();
        }
        String address = MailAddresses.normalise(value);
        if (!MailAddresses.isValidAddress(address)) {
            throw badRequest("?address must be a mail address such as bob@example.com, not '" + value + "'");
        }
        return Optional.of(address);
    }

    private static int wholeNumber(Request request, String name, int absent, int min, int max) {
        String value = request.queryParams(name);
        if (value == null) {
            return absent;
        }
        try {
            int number = Integer.parseInt(value);
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException notANumber) {
            // answered below, as a number out of range is
        }
        throw badRequest("?" + name + " must be a whole number from " + min + " to " + max + ", not '" + value + "'");
    }

    private static boolean wantsPem(Request request) {
        String format = request.queryParams("format");
        if (format == null || format.equals("json")) {
            return false;
        }
        if (format.equals("pem")) {
            return true;
        }
        throw badRequest("unknown format '" + format + "'; use json or pem");
    }

    private static byte[] body(Request request) {
        if (request.contentLength() > MAX_BODY_BYTES) {
            throw tooLarge();
        }
        byte[] body = request.bodyAsBytes();
        if (body == null || body.length == 0) {
            throw badRequest("the request body is empty");
        }
        if (body.length > MAX_BODY_BYTES) {
            throw tooLarge();
        }
        return body;
    }

    private static String text(Request request) {
        return new String(body(request), StandardCharsets.UTF_8);
    }

    private static RuntimeException tooLarge() {
        return ErrorResponder.builder().statusCode(413).type(ErrorType.INVALID_ARGUMENT)
            .message("the request body is larger than " + (MAX_BODY_BYTES >> 20) + " MiB").haltError();
    }

    private static String json(Response response, Object value) {
        response.type(JSON_TYPE);
        return KeyStoreJson.write(value);
    }

    private static String pem(Response response, String text) {
        response.type(PEM_TYPE);
        return text;
    }

    private static String noContent(Response response) {
        response.status(204);
        return "";
    }
}
