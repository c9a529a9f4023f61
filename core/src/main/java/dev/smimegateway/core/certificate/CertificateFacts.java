package dev.smimegateway.core.certificate;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;

/**
 * What S/MIME needs to know about one X.509 certificate: the mail addresses and domains it binds,
 * what its key may be used for, and how it is identified. Immutable; computed once per certificate.
 */
public final class CertificateFacts {
    public static final String EMAIL_PROTECTION = "1.3.6.1.5.5.7.3.4";
    public static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

    private static final int RFC822_NAME = 1;
    private static final int DNS_NAME = 2;
    private static final int DIGITAL_SIGNATURE = 0;
    private static final int NON_REPUDIATION = 1;
    private static final int KEY_ENCIPHERMENT = 2;
    private static final int KEY_AGREEMENT = 4;

    private final X509Certificate certificate;
    private final String fingerprint;
    private final Set<String> emailAddresses;
    private final Set<String> domains;
    private final Optional<KeyKind> keyKind;
    private final Optional<byte[]> subjectKeyIdentifier;

    private CertificateFacts(X509Certificate certificate) {
        this.certificate = certificate;
        this.fingerprint = sha256Hex(encoded(certificate));
        this.emailAddresses = readEmailAddresses(certificate);
        this.domains = readDomains(certificate);
        this.keyKind = KeyKind.of(certificate.getPublicKey());
        this.subjectKeyIdentifier = readSubjectKeyIdentifier(certificate);
    }

    public static CertificateFacts of(X509Certificate certificate) {
        return new CertificateFacts(certificate);
    }

    /** Parses one DER-encoded certificate. */
    public static CertificateFacts fromDer(byte[] der) {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            return of((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
        } catch (CertificateException | RuntimeException e) {
            throw new CertificateRejectedException("not a valid X.509 certificate: " + e.getMessage(), e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public byte[] der() {
        return encoded(certificate);
    }

    /** Lower-case hex SHA-256 of the DER encoding: the certificate's stable identifier. */
    public String fingerprint() {
        return fingerprint;
    }

    /** subjectAltName rfc822Names and the legacy emailAddress attribute of the subject, lower-cased. */
    public Set<String> emailAddresses() {
        return emailAddresses;
    }

    /** subjectAltName dNSNames, lower-cased; may hold wildcards such as {@code *.example.net}. */
    public Set<String> domains() {
        return domains;
    }

    public Optional<KeyKind> keyKind() {
        return keyKind;
    }

    public String keyDescription() {
        return KeyKind.describe(certificate.getPublicKey());
    }

    public Optional<byte[]> subjectKeyIdentifier() {
        return subjectKeyIdentifier.map(byte[]::clone);
    }

    public String subject() {
        return certificate.getSubjectX500Principal().getName();
    }

    public String issuer() {
        return certificate.getIssuerX500Principal().getName();
    }

    /** The serial number in hex, as openssl and mail clients show it. */
    public String serialHex() {
        return certificate.getSerialNumber().toString(16);
    }

    public Instant notBefore() {
        return certificate.getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    public boolean isValidAt(Instant instant) {
        return !instant.isBefore(notBefore()) && !instant.isAfter(notAfter());
    }

    public boolean isExpiredAt(Instant instant) {
        return instant.isAfter(notAfter());
    }

    public boolean isSelfIssued() {
        return certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
    }

    public boolean isCertificateAuthority() {
        return certificate.getBasicConstraints() >= 0;
    }

    /** The name an administrator recognises: the first email address, else the first domain, else the subject CN. */
    public String displayName() {
        if (!emailAddresses.isEmpty()) {
            return emailAddresses.iterator().next();
        }
        if (!domains.isEmpty()) {
            return domains.iterator().next();
        }
        return commonName().orElse(subject());
    }

    public Optional<String> commonName() {
        X500Name name = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        RDN[] rdns = name.getRDNs(BCStyle.CN);
        if (rdns.length == 0) {
            return Optional.empty();
        }
        return Optional.of(IETFUtils.valueToString(rdns[0].getFirst().getValue()));
    }

    /** keyUsage absent, or digitalSignature or nonRepudiation set (RFC 8550 section 4.4.2). */
    public boolean keyUsagePermitsSigning() {
        boolean[] usage = certificate.getKeyUsage();
        return usage == null || bit(usage, DIGITAL_SIGNATURE) || bit(usage, NON_REPUDIATION);
    }

    /** keyUsage absent, or keyEncipherment for RSA / keyAgreement for EC set (RFC 8550 section 4.4.2). */
    public boolean keyUsagePermitsEncryption() {
        boolean[] usage = certificate.getKeyUsage();
        if (usage == null) {
            return true;
        }
        return keyKind.map(kind -> kind.isRsa() ? bit(usage, KEY_ENCIPHERMENT) : bit(usage, KEY_AGREEMENT)).orElse(false);
    }

    /** The name of the keyUsage bit that encryption to this key needs. */
    public String encryptionKeyUsageName() {
        return keyKind.filter(KeyKind::isEc).isPresent() ? "keyAgreement" : "keyEncipherment";
    }

    /** extendedKeyUsage absent, or holding emailProtection or anyExtendedKeyUsage (RFC 8550 section 4.4.4). */
    public boolean extendedKeyUsageAllowsEmail() {
        try {
            List<String> usages = certificate.getExtendedKeyUsage();
            return usages == null || usages.contains(EMAIL_PROTECTION) || usages.contains(ANY_EXTENDED_KEY_USAGE);
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    /** Whether the certificate can sign mail: supported key, signing key usage, email EKU. Validity dates are not checked. */
    public boolean canSignMail() {
        return keyKind.map(KeyKind::canSign).orElse(false) && keyUsagePermitsSigning() && extendedKeyUsageAllowsEmail();
    }

    /** Whether mail can be encrypted to the certificate: supported key, encryption key usage, email EKU. Validity dates are not checked. */
    public boolean canReceiveEncryptedMail() {
        return keyKind.map(KeyKind::canReceiveKeys).orElse(false) && keyUsagePermitsEncryption() && extendedKeyUsageAllowsEmail();
    }

    /** The address is one of the certificate's email addresses. */
    public boolean bindsAddress(String address) {
        return emailAddresses.contains(MailAddresses.normalise(address));
    }

    /** One of the certificate's dNSNames covers the address's domain. */
    public boolean coversDomainOf(String address) {
        return MailAddresses.domainOf(address)
            .map(domain -> domains.stream().anyMatch(pattern -> MailAddresses.domainPatternCovers(pattern, domain)))
            .orElse(false);
    }

    private static boolean bit(boolean[] usage, int index) {
        return usage.length > index && usage[index];
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new CertificateRejectedException("certificate cannot be encoded: " + e.getMessage(), e);
        }
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static Set<String> readEmailAddresses(X509Certificate certificate) {
        Set<String> result = new LinkedHashSet<>();
        for (List<?> name : subjectAlternativeNames(certificate)) {
            if (((Integer) name.get(0)) == RFC822_NAME && name.get(1) instanceof String) {
                result.add(MailAddresses.normalise((String) name.get(1)));
            }
        }
        X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        for (RDN rdn : subject.getRDNs(BCStyle.EmailAddress)) {
            result.add(MailAddresses.normalise(IETFUtils.valueToString(rdn.getFirst().getValue())));
        }
        return Collections.unmodifiableSet(result);
    }

    private static Set<String> readDomains(X509Certificate certificate) {
        Set<String> result = new LinkedHashSet<>();
        for (List<?> name : subjectAlternativeNames(certificate)) {
            if (((Integer) name.get(0)) == DNS_NAME && name.get(1) instanceof String) {
                result.add(MailAddresses.normalise((String) name.get(1)));
            }
        }
        return Collections.unmodifiableSet(result);
    }

    private static Collection<List<?>> subjectAlternativeNames(X509Certificate certificate) {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            return names == null ? List.of() : names;
        } catch (CertificateParsingException e) {
            throw new CertificateRejectedException("certificate " + certificate.getSubjectX500Principal().getName()
                + " has a malformed subjectAltName: " + e.getMessage(), e);
        }
    }

    private static Optional<byte[]> readSubjectKeyIdentifier(X509Certificate certificate) {
        byte[] extension = certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        if (extension == null) {
            return Optional.empty();
        }
        try {
            ASN1Primitive inner = ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(extension).getOctets());
            return Optional.of(SubjectKeyIdentifier.getInstance(inner).getKeyIdentifier());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
