package dev.smimegateway.core.smime;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.SignedData;
import org.bouncycastle.asn1.cms.Time;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignatureAlgorithmNameGenerator;
import org.bouncycastle.cms.DefaultCMSSignatureAlgorithmNameGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.SignerInformationVerifier;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.SignatureAlgorithmIdentifierFinder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

import dev.smimegateway.core.crypto.SignatureChecks;
import dev.smimegateway.core.revocation.HttpRevocationSources;
import dev.smimegateway.core.revocation.RevocationSources;
import dev.smimegateway.core.revocation.SignerPathValidator;
import dev.smimegateway.core.certificate.CertificateFacts;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * Verifies the signature on a message's root entity, all or nothing. The message is verified only
 * when: there is exactly one signer; the CMS is well formed and signs id-data that is a MIME entity
 * (the signed part of a multipart/signed, read by the one parse that also decides what the reader
 * is shown — see {@link SignedMultipart} — or an opaque eContent that begins with MIME header fields);
 * signed attributes are present (unless the policy accepts signatures without them); no weak
 * algorithm is involved (MD5 never, SHA-1 only when the policy allows it, RSA keys of 2048 bits or
 * more); digest and signature are valid; the signer's certificate chains to an imported trust anchor
 * (never to a root the message carries) and is valid at signing time and now; its key usage allows
 * signing and its extendedKeyUsage, when present, emailProtection; no CRL that the path vouches for
 * revokes it; and the From the reader will see (the protected From of RFC 9788 when the signed
 * content carries one) is a single mailbox whose address the certificate holds, with any Sender
 * header naming the same address.
 *
 * <p>A signature that carries no certificate is checked with the partner certificates stored for the
 * From address; such a certificate only identifies the signer: every other check still applies. Digests
 * run in the JDK; signature checks in Bouncy Castle, which verifies RSA faster than the JDK and knows
 * RSA-PSS by its CMS names, with the Amazon Corretto Crypto Provider trying first where it can
 * ({@link SignatureChecks}: its acceptance stands, its refusal goes to Bouncy Castle). Nothing in the
 * message can make {@link #verify} throw: every failure is a result.
 *
 * <p>A verifier is immutable and safe to share between threads; one instance per version of the trust
 * material lets {@link SignerPathValidator} keep the paths it built (see there what that cache holds).
 *
 * <p>The signature is checked before the signer's certificate (validity, key usage, path, revocation,
 * From), so that a refusal of the certificate still says that the content is what its key signed
 * ({@link VerificationResult#signatureValid()}), with the signing time and capabilities it announced.
 */
public final class SmimeVerifier {
    private static final String ID_DATA = "1.2.840.113549.1.7.1";
    /** Read-only once built (tables of algorithm names and identifiers), so shared by all threads; building one costs more than an RSA check. */
    private static final CMSSignatureAlgorithmNameGenerator SIGNATURE_NAMES = new DefaultCMSSignatureAlgorithmNameGenerator();
    private static final SignatureAlgorithmIdentifierFinder SIGNATURE_IDENTIFIERS = new DefaultSignatureAlgorithmIdentifierFinder();
    private static final DigestCalculatorProvider DIGESTS = digests();

    /**
     * What may be accepted beyond the fixed rules; each is a parameter of SMimeVerify.
     *
     * @param allowSha1 accept SHA-1 digests and signatures (default false; MD5 is never accepted)
     * @param requireSignedAttributes refuse signatures without signed attributes (default true: every
     *                                mainstream client sends them, and without them a signature over
     *                                one structure can be replayed over another)
     */
    public record Policy(boolean allowSha1, boolean requireSignedAttributes) {
        public static Policy defaults() {
            return new Policy(false, true);
        }
    }

    /** One cache of fetched CRLs and OCSP answers for verifiers built without sources of their own. */
    private static final RevocationSources SHARED_SOURCES = new HttpRevocationSources();

    private final Function<String, List<X509Certificate>> partnerCertificates;
    private final Policy policy;
    private final SignerPathValidator pathValidator;
    private final Clock clock;
    private final int maxBytes;

    public SmimeVerifier(Collection<X509Certificate> trustAnchors, Clock clock, int maxBytes) {
        this(builder(trustAnchors).clock(clock).maxBytes(maxBytes));
    }

    /** @param knownCrls CRLs the administrator imported, consulted besides those carried in each message */
    public SmimeVerifier(Collection<X509Certificate> trustAnchors, Collection<X509CRL> knownCrls, Clock clock, int maxBytes) {
        this(builder(trustAnchors).crls(knownCrls).clock(clock).maxBytes(maxBytes));
    }

    private SmimeVerifier(Builder builder) {
        this.partnerCertificates = builder.partnerCertificates;
        this.policy = builder.policy;
        this.pathValidator = new SignerPathValidator(Set.copyOf(builder.trustAnchors), builder.intermediates, builder.crls,
            builder.revocationSettings, builder.revocationSources, builder.clock);
        this.clock = builder.clock;
        this.maxBytes = builder.maxBytes;
    }

    /** A verifier that trusts the given anchors (the administrator's store), and nothing a message carries. */
    public static Builder builder(Collection<X509Certificate> trustAnchors) {
        return new Builder(trustAnchors);
    }

    public static final class Builder {
        private final List<X509Certificate> trustAnchors;
        private Collection<X509Certificate> intermediates = List.of();
        private Collection<X509CRL> crls = List.of();
        private Function<String, List<X509Certificate>> partnerCertificates = address -> List.of();
        private Policy policy = Policy.defaults();
        private SignerPathValidator.Settings revocationSettings = SignerPathValidator.Settings.defaults();
        private RevocationSources revocationSources = SHARED_SOURCES;
        private Clock clock = Clock.systemUTC();
        private int maxBytes = 50 * 1024 * 1024;

        private Builder(Collection<X509Certificate> trustAnchors) {
            this.trustAnchors = List.copyOf(trustAnchors);
        }

        /** The administrator's intermediate CA certificates: used to build paths, never trusted as anchors. */
        public Builder intermediates(Collection<X509Certificate> intermediates) {
            this.intermediates = List.copyOf(intermediates);
            return this;
        }

        /** CRLs the administrator imported, consulted besides those carried in each message. */
        public Builder crls(Collection<X509CRL> crls) {
            this.crls = List.copyOf(crls);
            return this;
        }

        /** The stored partner certificates of an address, to identify a signer whose signature carries no certificate. */
        public Builder partnerCertificates(Function<String, List<X509Certificate>> partnerCertificates) {
            this.partnerCertificates = partnerCertificates;
            return this;
        }

        public Builder policy(Policy policy) {
            this.policy = policy;
            return this;
        }

        /**
         * How revocation is decided (fetching of CRL distribution points and OCSP, stale CRLs,
         * unreachable sources), and where fetched answers come from and are cached.
         */
        public Builder revocation(SignerPathValidator.Settings settings, RevocationSources sources) {
            this.revocationSettings = settings;
            this.revocationSources = sources;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public Builder maxBytes(int maxBytes) {
            this.maxBytes = maxBytes;
            return this;
        }

        public SmimeVerifier build() {
            return new SmimeVerifier(this);
        }
    }

    private static DigestCalculatorProvider digests() {
        try {
            return new JcaDigestCalculatorProviderBuilder().build();
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("the JDK's digests are not available", e);
        }
    }

    /** The CMS and the exact content bytes whose digest it signs, read from the root entity. */
    private record Signed(CMSSignedData cms, byte[] content) {
    }

    public VerificationResult verify(MimeMessage message) {
        try {
            return verifyOrRefuse(message);
        } catch (RuntimeException e) {
            // Whatever the message made a library throw (an unreadable carried certificate, a broken
            // ASN.1 structure) is a refusal, never an escape past the status header.
            return VerificationResult.failed(VerificationFailure.MALFORMED, "the signature cannot be read: " + describe(e));
        }
    }

    private VerificationResult verifyOrRefuse(MimeMessage message) {
        Signed signed;
        try {
            signed = read(message, maxBytes);
        } catch (SmimeException e) {
            return VerificationResult.failed(VerificationFailure.MALFORMED, e.getMessage());
        }
        Collection<SignerInformation> signers = signed.cms().getSignerInfos().getSigners();
        if (signers.isEmpty()) {
            return VerificationResult.failed(VerificationFailure.MALFORMED, "the signature has no signer");
        }
        if (signers.size() > 1) {
            return VerificationResult.failed(VerificationFailure.MULTIPLE_SIGNERS, signers.size() + " signers; exactly one is accepted");
        }
        SignerInformation signer = signers.iterator().next();
        if (policy.requireSignedAttributes() && signer.getSignedAttributes() == null) {
            return VerificationResult.failed(VerificationFailure.MALFORMED,
                "the signature has no signed attributes (content type, message digest); every mainstream client sends them");
        }
        List<String> protectedFields = ProtectedHeaders.carriedBy(signed.content());
        String[] shownFrom = shownFrom(message, protectedFields);
        List<X509CertificateHolder> carriedHolders = holders(signed.cms());
        List<X509Certificate> carried = carriedHolders.stream().map(SmimeVerifier::convert).toList();
        Optional<X509Certificate> certificate = signerCertificate(signer, carriedHolders, carried, shownFrom);
        if (certificate.isEmpty()) {
            return VerificationResult.failed(VerificationFailure.UNTRUSTED,
                "the signer's certificate is neither in the message nor stored for its From address");
        }
        X509Certificate signerCertificate = certificate.get();
        Optional<String> weak = AlgorithmPolicy.weakness(signer, signerCertificate, policy.allowSha1());
        if (weak.isPresent()) {
            return VerificationResult.failed(VerificationFailure.WEAK_ALGORITHM, weak.get(), signerCertificate);
        }
        try {
            // Built from the key, not the certificate: given a certificate, Bouncy Castle refuses one not
            // valid at signing time before checking the signature, and the result could not say whether
            // the signature was good. Validity is checked afterwards, with the other certificate checks.
            if (!signer.verify(signatureVerifier(signer, signerCertificate))) {
                return VerificationResult.failed(VerificationFailure.BAD_SIGNATURE, "the signature does not match the content", signerCertificate);
            }
        } catch (CMSException | OperatorCreationException | RuntimeException e) {
            return VerificationResult.failed(VerificationFailure.BAD_SIGNATURE, "the signature does not verify: " + describe(e),
                signerCertificate);
        }
        VerificationResult.ValidSignature valid = new VerificationResult.ValidSignature(signerCertificate, signingTime(signer),
            SmimeCapabilities.announcedBy(signer));
        return checkCertificate(message, shownFrom, signer, valid, carried, signed);
    }

    /**
     * Checks the signer's signature with the certificate's key: Bouncy Castle decides, ACCP may accept first
     * a signature over signed attributes (a few hundred bytes; without them the content itself is signed).
     */
    private static SignerInformationVerifier signatureVerifier(SignerInformation signer, X509Certificate certificate)
        throws OperatorCreationException {
        java.security.PublicKey key = certificate.getPublicKey();
        return new SignerInformationVerifier(SIGNATURE_NAMES, SIGNATURE_IDENTIFIERS, signer.getSignedAttributes() != null
            ? SignatureChecks.forSignedAttributes(key) : SignatureChecks.bouncyCastle(key), DIGESTS);
    }

    /** The From the reader will see: the protected From of the signed content when it carries one, else the message's. */
    private static String[] shownFrom(MimeMessage message, List<String> protectedFields) {
        String[] protectedFrom = ProtectedHeaders.values(protectedFields, "From");
        if (protectedFrom.length > 0) {
            return protectedFrom;
        }
        try {
            String[] from = message.getHeader("From");
            return from == null ? new String[0] : from;
        } catch (MessagingException e) {
            return new String[0];
        }
    }

    private Optional<X509Certificate> signerCertificate(SignerInformation signer, List<X509CertificateHolder> carriedHolders,
                                                        List<X509Certificate> carried, String[] shownFrom) {
        for (int i = 0; i < carriedHolders.size(); i++) {
            if (signer.getSID().match(carriedHolders.get(i))) {
                return Optional.of(carried.get(i));
            }
        }
        if (shownFrom.length != 1) {
            return Optional.empty();
        }
        try {
            InternetAddress[] mailboxes = InternetAddress.parseHeader(shownFrom[0], true);
            if (mailboxes.length != 1) {
                return Optional.empty();
            }
            return partnerCertificates.apply(mailboxes[0].getAddress().toLowerCase(Locale.ROOT)).stream()
                .filter(candidate -> identifies(signer, candidate)).findFirst();
        } catch (AddressException e) {
            return Optional.empty();
        }
    }

    private static boolean identifies(SignerInformation signer, X509Certificate certificate) {
        try {
            return signer.getSID().match(new JcaX509CertificateHolder(certificate));
        } catch (java.security.cert.CertificateEncodingException e) {
            return false;
        }
    }

    /** The checks after the signature verified: each refusal still reports the valid signature. */
    private VerificationResult checkCertificate(MimeMessage message, String[] shownFrom, SignerInformation signer,
                                                VerificationResult.ValidSignature valid, List<X509Certificate> carried, Signed signed) {
        X509Certificate certificate = valid.signer();
        CertificateFacts facts = ParsedCertificates.facts(certificate);
        Instant now = clock.instant();
        if (!facts.isValidAt(now)) {
            return VerificationResult.refused(valid, VerificationFailure.EXPIRED, "the signer's certificate is valid from "
                + facts.notBefore() + " to " + facts.notAfter());
        }
        Optional<Instant> signingTime = valid.signingTime();
        if (signingTime.isPresent() && !facts.isValidAt(signingTime.get())) {
            return VerificationResult.refused(valid, VerificationFailure.EXPIRED, "the signer's certificate was not valid at signing time "
                + signingTime.get());
        }
        if (!facts.keyUsagePermitsSigning() || !facts.extendedKeyUsageAllowsEmail()) {
            return VerificationResult.refused(valid, VerificationFailure.KEY_USAGE, "the signer's certificate may not sign mail");
        }
        Optional<SignerPathValidator.PathProblem> pathProblem = pathValidator.check(certificate, carried, crls(signed.cms()));
        if (pathProblem.isPresent()) {
            return VerificationResult.refused(valid, pathProblem.get().failure(), pathProblem.get().detail());
        }
        Optional<String> fromProblem = fromProblem(message, shownFrom, facts);
        if (fromProblem.isPresent()) {
            return VerificationResult.refused(valid, VerificationFailure.FROM_MISMATCH, fromProblem.get());
        }
        return VerificationResult.verified(valid, fromAddress(shownFrom).orElseThrow(), algorithm(signer), signed.content());
    }

    /**
     * The message with its root signature taken off: the signed content, under the message's own
     * headers. Nothing is verified; this is for "remove the signature" and for reaching what an
     * outer signature wraps.
     */
    public static MimeMessage withoutSignature(MimeMessage message, int maxBytes) throws SmimeException {
        return withoutSignature(message, read(message, maxBytes).content());
    }

    /**
     * The message with its signature taken off, given the signed content a verification returned
     * ({@link VerificationResult#signedContent()}): no second reading of the signature.
     */
    public static MimeMessage withoutSignature(MimeMessage message, byte[] signedContent) throws SmimeException {
        try {
            return MimeEntities.replaceContent(message, signedContent);
        } catch (MessagingException | IOException e) {
            throw new SmimeException("the signed content is not MIME: " + e.getMessage(), e);
        }
    }

    private static Signed read(MimeMessage message, int maxBytes) throws SmimeException {
        try {
            SmimeLayer layer = SmimeLayer.of(message);
            if (layer == SmimeLayer.SIGNED_DETACHED) {
                return readDetached(message, maxBytes);
            }
            requireSingleOpaqueEncoding(message);
            byte[] der = Limits.readAtMost(message, maxBytes);
            ContentInfo info = Limits.parseContentInfo(der);
            CMSSignedData cms = new CMSSignedData(info);
            requireData(cms);
            if (cms.getSignedContent() == null) {
                throw new SmimeException("opaque signed data without content");
            }
            byte[] content = (byte[]) cms.getSignedContent().getContent();
            requireMimeEntity(content);
            return new Signed(cms, content);
        } catch (MessagingException | IOException | CMSException | RuntimeException e) {
            throw new SmimeException("unreadable signature: " + describe(e), e);
        }
    }

    private static Signed readDetached(MimeMessage message, int maxBytes) throws MessagingException, IOException, CMSException, SmimeException {
        SignedMultipart.Parts parts = SignedMultipart.read(message, maxBytes);
        String signatureType = String.valueOf(parts.signature().getContentType()).toLowerCase(Locale.ROOT);
        if (!signatureType.startsWith("application/pkcs7-signature") && !signatureType.startsWith("application/x-pkcs7-signature")) {
            throw new SmimeException("the second part of multipart/signed is " + signatureType + ", not a PKCS#7 signature");
        }
        byte[] signature = Limits.readAtMost(parts.signature(), maxBytes);
        ContentInfo info = Limits.parseContentInfo(signature);
        byte[] signedBytes = parts.signedEntity();
        ASN1OctetString embedded = (ASN1OctetString) SignedData.getInstance(info.getContent()).getEncapContentInfo().getContent();
        if (embedded != null && !java.util.Arrays.equals(embedded.getOctets(), signedBytes)) {
            // Some writers (pyca) embed the content of a detached signature as well; only the same bytes are unambiguous.
            throw new SmimeException("the detached signature also embeds content (eContent) that differs from the signed part");
        }
        CMSSignedData cms = new CMSSignedData(new CMSProcessableByteArray(signedBytes), info);
        requireData(cms);
        return new Signed(cms, signedBytes);
    }

    /**
     * An opaque signature is shown by readers only when its root is unambiguously application/pkcs7-mime
     * in base64: a second Content-Type (readers take the first), or an encoding they may not decode,
     * would show them something other than what is verified.
     */
    private static void requireSingleOpaqueEncoding(MimeMessage message) throws MessagingException, SmimeException {
        SignedMultipart.onlyContentType(message);
        String[] encodings = message.getHeader("Content-Transfer-Encoding");
        if (encodings == null || encodings.length != 1 || !encodings[0].trim().equalsIgnoreCase("base64")) {
            throw new SmimeException("an opaque signature must be sent in base64 with exactly one Content-Transfer-Encoding field");
        }
    }

    /** Mail signs id-data; any other content type is a signature made for something else, replayed. */
    private static void requireData(CMSSignedData cms) throws SmimeException {
        String type = cms.getSignedContentTypeOID();
        if (!ID_DATA.equals(type)) {
            throw new SmimeException("the signature covers CMS content of type " + type + ", not data (a MIME entity)");
        }
    }

    /**
     * Opaque signed content must be a MIME entity: header fields (a Content-Type among them), a blank
     * line, a body. Arbitrary bytes that happen to verify (a signature's own signed attributes, say)
     * are not mail.
     */
    static void requireMimeEntity(byte[] content) throws SmimeException {
        int bodyStart = MimeEntities.headerEnd(content);
        if (bodyStart >= content.length && !endsWithBlankLine(content)) {
            throw new SmimeException("the signed content is not a MIME entity (no header section)");
        }
        String headers = new String(content, 0, bodyStart, java.nio.charset.StandardCharsets.ISO_8859_1);
        boolean contentType = false;
        boolean first = true;
        for (String line : headers.split("\\r?\\n|\\r")) {
            if (line.isEmpty()) {
                continue;
            }
            boolean continuation = line.charAt(0) == ' ' || line.charAt(0) == '\t';
            if (continuation && !first) {
                continue;
            }
            if (!SignedMultipart.HEADER_FIELD.matcher(line).matches()) {
                throw new SmimeException("the signed content is not a MIME entity: it does not begin with header fields");
            }
            contentType |= line.regionMatches(true, 0, "Content-Type", 0, 12) && line.substring(12).trim().startsWith(":");
            first = false;
        }
        if (!contentType) {
            throw new SmimeException("the signed content is not a MIME entity: it has no Content-Type");
        }
    }

    /** Looks at the last bytes only: the content may be megabytes. */
    private static boolean endsWithBlankLine(byte[] content) {
        int n = content.length;
        return n >= 2 && content[n - 1] == '\n' && (content[n - 2] == '\n'
            || n >= 4 && content[n - 2] == '\r' && content[n - 3] == '\n' && content[n - 4] == '\r');
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static List<X509CRL> crls(CMSSignedData cms) {
        List<X509CRL> crls = new ArrayList<>();
        for (Object holder : cms.getCRLs().getMatches(null)) {
            try {
                crls.add(new JcaX509CRLConverter().getCRL((X509CRLHolder) holder));
            } catch (GeneralSecurityException | RuntimeException e) {
                // An unreadable CRL revokes nothing, and vouches for nothing.
            }
        }
        return crls;
    }

    private static Optional<String> fromProblem(MimeMessage message, String[] from, CertificateFacts facts) {
        try {
            if (from.length != 1) {
                return Optional.of("the message has " + (from.length == 0 ? "no" : from.length) + " From headers; exactly one is needed");
            }
            InternetAddress[] mailboxes = InternetAddress.parseHeader(from[0], true);
            if (mailboxes.length != 1) {
                return Optional.of("From names " + mailboxes.length + " mailboxes; exactly one is needed");
            }
            String address = mailboxes[0].getAddress();
            if (!facts.bindsAddress(address)) {
                return Optional.of("From " + address + " is not an address of the signer's certificate " + facts.emailAddresses());
            }
            String[] sender = message.getHeader("Sender");
            if (sender != null) {
                InternetAddress[] senders = InternetAddress.parseHeader(sender[0], true);
                if (sender.length != 1 || senders.length != 1 || !senders[0].getAddress().equalsIgnoreCase(address)) {
                    return Optional.of("Sender " + sender[0] + " differs from From " + address);
                }
            }
            return Optional.empty();
        } catch (AddressException e) {
            return Optional.of("From cannot be parsed: " + e.getMessage());
        } catch (MessagingException e) {
            return Optional.of("the headers cannot be read: " + e.getMessage());
        }
    }

    private static Optional<String> fromAddress(String[] from) {
        try {
            return Optional.of(InternetAddress.parseHeader(from[0], true)[0].getAddress().toLowerCase(Locale.ROOT));
        } catch (MessagingException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<Instant> signingTime(SignerInformation signer) {
        if (signer.getSignedAttributes() == null || signer.getSignedAttributes().get(CMSAttributes.signingTime) == null) {
            return Optional.empty();
        }
        try {
            Object value = signer.getSignedAttributes().get(CMSAttributes.signingTime).getAttrValues().getObjectAt(0);
            Optional<Instant> plain = value instanceof org.bouncycastle.asn1.ASN1UTCTime utc ? plainUtcTime(utc.toString()) : Optional.empty();
            return plain.isPresent() ? plain : Optional.of(Time.getInstance(value).getDate().toInstant());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * A UTCTime in the one form RFC 5652 allows for signing time, YYMMDDHHMMSSZ, read directly (Bouncy
     * Castle's date parser costs a twentieth of a verification); years below 50 are 20YY (RFC 5280).
     * Anything else, invalid dates included, is left to Bouncy Castle.
     */
    static Optional<Instant> plainUtcTime(String text) {
        if (text.length() != 13 || text.charAt(12) != 'Z') {
            return Optional.empty();
        }
        int[] fields = new int[6];
        for (int i = 0; i < 6; i++) {
            char high = text.charAt(2 * i);
            char low = text.charAt(2 * i + 1);
            if (high < '0' || high > '9' || low < '0' || low > '9') {
                return Optional.empty();
            }
            fields[i] = (high - '0') * 10 + (low - '0');
        }
        try {
            return Optional.of(java.time.LocalDateTime.of(fields[0] < 50 ? 2000 + fields[0] : 1900 + fields[0], fields[1], fields[2],
                fields[3], fields[4], fields[5]).toInstant(java.time.ZoneOffset.UTC));
        } catch (java.time.DateTimeException e) {
            return Optional.empty();
        }
    }

    private static String algorithm(SignerInformation signer) {
        return signer.getEncryptionAlgOID() + " with " + signer.getDigestAlgOID();
    }

    private static List<X509CertificateHolder> holders(CMSSignedData cms) {
        return List.copyOf(cms.getCertificates().getMatches(null));
    }

    private static X509Certificate convert(X509CertificateHolder holder) {
        try {
            return ParsedCertificates.of(holder);
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("unreadable certificate in the signature", e);
        }
    }
}
