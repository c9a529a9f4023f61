package dev.smimegateway.webadmin;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.keystore.AuditRecord;
import dev.smimegateway.keystore.CertificateUpdate;
import dev.smimegateway.keystore.ExpiringEntry;
import dev.smimegateway.keystore.HarvestedCertificate;
import dev.smimegateway.keystore.Identity;
import dev.smimegateway.keystore.ImportReport;
import dev.smimegateway.keystore.IntermediateCertificate;
import dev.smimegateway.keystore.InvalidRequestException;
import dev.smimegateway.keystore.RiskAlert;
import dev.smimegateway.keystore.SelfSignedRequest;
import dev.smimegateway.keystore.SignatureAlgorithm;
import dev.smimegateway.keystore.StoredCertificate;
import dev.smimegateway.keystore.TrustAnchor;

/**
 * The JSON shapes of the key store routes: request bodies read strictly (an unknown field is an
 * error, so a typo never silently changes a certificate) and answers written as plain maps, so that
 * they do not depend on the Jackson version a James line ships.
 */
final class KeyStoreJson {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> IDENTITY_FIELDS = Set.of("pkcs12", "password", "alias", "selfSigned", "activate");
    private static final Set<String> SELF_SIGNED_FIELDS = Set.of("commonName", "organization", "organizationalUnit", "locality",
        "state", "country", "domains", "emails", "signatureAlgorithm", "validityDays", "keySize");

    private KeyStoreJson() {
    }

    /** What {@code PUT /smime/identities/{name}} asks for: a PKCS#12 import or a self-signed creation. */
    sealed interface IdentityRequest permits Pkcs12Import, SelfSignedCreation {
        Optional<Boolean> activate();
    }

    record Pkcs12Import(byte[] pkcs12, char[] password, Optional<String> alias, Optional<Boolean> activate) implements IdentityRequest {
    }

    record SelfSignedCreation(SelfSignedRequest request, Optional<Boolean> activate) implements IdentityRequest {
    }

    static IdentityRequest identityRequest(String body) {
        JsonNode root = parseObject(body);
        rejectUnknownFields(root, IDENTITY_FIELDS, "");
        Optional<Boolean> activate = optionalBoolean(root, "activate");
        boolean hasPkcs12 = root.has("pkcs12");
        boolean hasSelfSigned = root.has("selfSigned");
        if (hasPkcs12 == hasSelfSigned) {
            throw new InvalidRequestException("give either \"pkcs12\" (base64 PKCS#12 file, with \"password\") or \"selfSigned\" "
                + "(certificate fields), not " + (hasPkcs12 ? "both" : "neither"));
        }
        if (hasPkcs12) {
            byte[] pkcs12;
            try {
                pkcs12 = Base64.getDecoder().decode(requiredText(root, "pkcs12").replaceAll("\\s", ""));
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("\"pkcs12\" is not valid base64: " + e.getMessage());
            }
            String password = root.has("password") ? requiredText(root, "password") : "";
            return new Pkcs12Import(pkcs12, password.toCharArray(), optionalText(root, "alias"), activate);
        }
        if (root.has("password") || root.has("alias")) {
            throw new InvalidRequestException("\"password\" and \"alias\" belong to a \"pkcs12\" import");
        }
        return new SelfSignedCreation(selfSigned(root.get("selfSigned")), activate);
    }

    /** The body of {@code POST /smime/identities/{name}/pkcs12}: {@code {"password": "..."}}, nothing else. */
    static char[] exportPassword(String body) {
        JsonNode root = parseObject(body);
        rejectUnknownFields(root, Set.of("password"), "");
        if (!root.has("password")) {
            throw new InvalidRequestException("give the PKCS#12 file's password as {\"password\": \"...\"}");
        }
        return requiredText(root, "password").toCharArray();
    }

    private static SelfSignedRequest selfSigned(JsonNode node) {
        if (!node.isObject()) {
            throw new InvalidRequestException("\"selfSigned\" must be an object");
        }
        rejectUnknownFields(node, SELF_SIGNED_FIELDS, "selfSigned.");
        SelfSignedRequest.Builder builder = SelfSignedRequest.builder()
            .commonName(optionalText(node, "commonName").orElse(null));
        optionalText(node, "organization").ifPresent(builder::organisation);
        optionalText(node, "organizationalUnit").ifPresent(builder::organisationalUnit);
        optionalText(node, "locality").ifPresent(builder::locality);
        optionalText(node, "state").ifPresent(builder::state);
        optionalText(node, "country").ifPresent(builder::country);
        textList(node, "domains").forEach(builder::domain);
        textList(node, "emails").forEach(builder::email);
        optionalText(node, "signatureAlgorithm").map(SignatureAlgorithm::parse).ifPresent(builder::signatureAlgorithm);
        optionalInt(node, "validityDays").ifPresent(builder::validityDays);
        optionalInt(node, "keySize").ifPresent(builder::keySize);
        return builder.build();
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    static Map<String, Object> identity(Identity identity) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", identity.name());
        json.put("active", identity.active());
        json.put("decryptOnly", identity.decryptOnly());
        json.put("archived", identity.archived());
        identity.archivedAt().ifPresent(archivedAt -> json.put("archivedAt", archivedAt.toString()));
        json.put("createdAt", identity.createdAt().toString());
        json.put("certificate", certificate(identity.certificate()));
        json.put("chain", identity.chain().stream().skip(1).map(KeyStoreJson::certificate).collect(Collectors.toList()));
        json.put("previousCertificates", identity.previousCertificates().stream().map(KeyStoreJson::certificate)
            .collect(Collectors.toList()));
        return json;
    }

    static Map<String, Object> storedCertificate(StoredCertificate stored) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", stored.name());
        json.put("origin", stored.origin().name().toLowerCase(java.util.Locale.ROOT));
        json.put("addedAt", stored.addedAt().toString());
        json.put("certificate", certificate(stored.certificate()));
        return json;
    }

    static Map<String, Object> trustAnchor(TrustAnchor anchor) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("fingerprint", anchor.fingerprint());
        json.put("addedAt", anchor.addedAt().toString());
        json.put("certificate", certificate(anchor.certificate()));
        return json;
    }

    static Map<String, Object> intermediate(IntermediateCertificate intermediate) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("fingerprint", intermediate.fingerprint());
        json.put("addedAt", intermediate.addedAt().toString());
        json.put("certificate", certificate(intermediate.certificate()));
        return json;
    }

    static Map<String, Object> harvested(HarvestedCertificate harvested) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", harvested.name());
        json.put("address", harvested.address());
        json.put("firstSeen", harvested.firstSeen().toString());
        json.put("lastSeen", harvested.lastSeen().toString());
        json.put("lastUsed", harvested.lastUsed().toString());
        json.put("messageId", harvested.messageId().orElse(null));
        json.put("storedBytes", harvested.storedBytes());
        json.put("certificate", certificate(harvested.certificate()));
        return json;
    }

    static Map<String, Object> certificateUpdate(CertificateUpdate update) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", update.id());
        json.put("address", update.address());
        json.put("outcome", update.outcome().toLowerCase(java.util.Locale.ROOT));
        json.put("seenAt", update.seenAt().toString());
        json.put("messageId", update.messageId().orElse(null));
        json.put("certificate", certificate(update.certificate()));
        return json;
    }

    static Map<String, Object> alert(RiskAlert alert) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", alert.id());
        json.put("scope", alert.scope().name().toLowerCase(java.util.Locale.ROOT));
        json.put("subject", alert.subject());
        json.put("raisedAt", alert.raisedAt().toString());
        json.put("detail", alert.detail());
        json.put("acknowledgedAt", alert.acknowledgedAt().map(Object::toString).orElse(null));
        return json;
    }

    /** One audit record; absent values are null, so every record has the same fields. */
    static Map<String, Object> auditRecord(AuditRecord record) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", record.id());
        json.put("time", record.time().toString());
        json.put("operation", record.operation());
        json.put("entry", record.entry());
        json.put("fingerprint", record.fingerprint().orElse(null));
        json.put("node", record.node());
        json.put("actor", record.actor());
        json.put("subject", record.subject().orElse(null));
        json.put("detail", record.detail().orElse(null));
        return json;
    }

    static Map<String, Object> crl(java.security.cert.X509CRL crl) {
        Map<String, Object> json = new LinkedHashMap<>();
        try {
            json.put("fingerprint", CertificateFacts.sha256Hex(crl.getEncoded()));
        } catch (java.security.cert.CRLException e) {
            json.put("fingerprint", "");
        }
        json.put("issuer", crl.getIssuerX500Principal().getName());
        json.put("thisUpdate", crl.getThisUpdate().toInstant().toString());
        json.put("nextUpdate", crl.getNextUpdate() == null ? null : crl.getNextUpdate().toInstant().toString());
        json.put("revokedCertificates", crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size());
        return json;
    }

    /** An entry of {@code GET /smime/expiring}: kind is identity, certificate, harvested, trust-anchor, intermediate or crl. */
    static Map<String, Object> expiring(ExpiringEntry entry) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("kind", entry.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        json.put("name", entry.name());
        json.put("fingerprint", entry.fingerprint());
        json.put("subject", entry.subject());
        json.put("addresses", entry.addresses());
        json.put("notAfter", entry.notAfter().toString());
        json.put("expired", entry.expired());
        json.put("active", entry.active());
        json.put("path", "/smime/" + entry.kind().path() + "/" + entry.reference());
        return json;
    }

    static Map<String, Object> certificate(CertificateFacts facts) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("subject", facts.subject());
        json.put("issuer", facts.issuer());
        json.put("serialNumber", facts.serialHex());
        json.put("fingerprint", facts.fingerprint());
        json.put("notBefore", facts.notBefore().toString());
        json.put("notAfter", facts.notAfter().toString());
        json.put("emails", List.copyOf(facts.emailAddresses()));
        json.put("domains", List.copyOf(facts.domains()));
        json.put("key", facts.keyDescription());
        json.put("canSign", facts.canSignMail());
        json.put("canEncrypt", facts.canReceiveEncryptedMail());
        json.put("selfSigned", facts.isSelfIssued());
        return json;
    }

    static Map<String, Object> report(ImportReport report) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("accepted", report.count(ImportReport.Status.ACCEPTED));
        json.put("duplicates", report.count(ImportReport.Status.DUPLICATE));
        json.put("rejected", report.count(ImportReport.Status.REJECTED));
        List<Map<String, Object>> entries = new ArrayList<>();
        for (ImportReport.Entry entry : report.entries()) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("index", entry.index());
            item.put("status", entry.status().name().toLowerCase(java.util.Locale.ROOT));
            entry.name().ifPresent(name -> item.put("name", name));
            entry.subject().ifPresent(subject -> item.put("subject", subject));
            entry.fingerprint().ifPresent(fingerprint -> item.put("fingerprint", fingerprint));
            entry.reason().ifPresent(reason -> item.put("reason", reason));
            entries.add(item);
        }
        json.put("certificates", entries);
        return json;
    }

    private static JsonNode parseObject(String body) {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidRequestException("the body must be a JSON object");
        }
        return root;
    }

    private static void rejectUnknownFields(JsonNode node, Set<String> known, String prefix) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new InvalidRequestException("unknown field \"" + prefix + name + "\"; known fields are "
                    + known.stream().sorted().collect(Collectors.joining(", ")));
            }
        }
    }

    private static String requiredText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new InvalidRequestException("\"" + field + "\" must be a string");
        }
        return value.asText();
    }

    private static Optional<String> optionalText(JsonNode node, String field) {
        return node.has(field) && !node.get(field).isNull() ? Optional.of(requiredText(node, field)) : Optional.empty();
    }

    private static Optional<Boolean> optionalBoolean(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isBoolean()) {
            throw new InvalidRequestException("\"" + field + "\" must be true or false");
        }
        return Optional.of(value.asBoolean());
    }

    private static Optional<Integer> optionalInt(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber()) {
            throw new InvalidRequestException("\"selfSigned." + field + "\" must be a whole number");
        }
        return Optional.of(value.asInt());
    }

    private static List<String> textList(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            throw new InvalidRequestException("\"selfSigned." + field + "\" must be a list of strings");
        }
        List<String> result = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                throw new InvalidRequestException("\"selfSigned." + field + "\" must be a list of strings");
            }
            result.add(item.asText());
        }
        return result;
    }
}
