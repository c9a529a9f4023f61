package dev.smimegateway.core.smime;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.SignedData;
import org.bouncycastle.asn1.cms.Time;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSVerifierCertificateNotValidException;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSignerInfoVerifierBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.util.Selector;

import dev.smimegateway.core.crypto.Providers;
import dev.smimegateway.core.certificate.CertificateFacts;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

/**
 * Verifies the signature on a message's root entity, all or nothing: the message is verified only
 * when there is exactly one signer; the CMS is well formed (not detached content and embedded
 * eContent at once); digest and signature are valid; the signer's certificate chains to an imported
 * trust anchor (never to a root the message carries) and is valid at signing time and now; its
 * key usage allows signing and its extendedKeyUsage, when present, emailProtection; no known CRL
 * revokes it; and the message's single From mailbox is an address of the certificate (with any
 * Sender header naming the same address). Digests run in the JDK; signature checks in Bouncy
 * Castle, which verifies RSA faster than the JDK and knows RSA-PSS by its CMS names.
 */
public final class SmimeVerifier {
    private static final Provider VERIFY_PROVIDER = Providers.BOUNCY_CASTLE;

    private final Set<TrustAnchor> anchors;
    private final Set<X509Certificate> anchorCertificates;
    private final List<X509CRL> knownCrls;
    private final Clock clock;
    private final int maxBytes;

    public SmimeVerifier(Collection<X509Certificate> trustAnchors, Clock clock, int maxBytes) {
        this(trustAnchors, List.of(), clock, maxBytes);
    }

    /** @param knownCrls CRLs the administrator imported, consulted besides those carried in each message */
    public SmimeVerifier(Collection<X509Certificate> trustAnchors, Collection<X509CRL> knownCrls, Clock clock, int maxBytes) {
        this.anchors = trustAnchors.stream().map(certificate -> new TrustAnchor(certificate, null)).collect(Collectors.toSet());
        this.anchorCertificates = Set.copyOf(trustAnchors);
        this.knownCrls = List.copyOf(knownCrls);
        this.clock = clock;
        this.maxBytes = maxBytes;
    }

    /** The CMS and the content it signs, read from the root entity. */
    private record Signed(CMSSignedData cms, byte[] content) {
    }

    public VerificationResult verify(MimeMessage message) {
        Signed signed;
        try {
            signed = read(message);
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
        List<X509Certificate> carried = certificates(signed.cms());
        @SuppressWarnings("unchecked")
        Selector<X509CertificateHolder> selector = (Selector<X509CertificateHolder>) (Selector<?>) signer.getSID();
        Optional<X509Certificate> certificate = signed.cms().getCertificates().getMatches(selector).stream().findFirst()
            .map(SmimeVerifier::convert);
        if (certificate.isEmpty()) {
            return VerificationResult.failed(VerificationFailure.UNTRUSTED, "the signer's certificate is not in the message");
        }
        X509Certificate signerCertificate = certificate.get();
        try {
            if (!signer.verify(new JcaSignerInfoVerifierBuilder(new JcaDigestCalculatorProviderBuilder().build())
                .setProvider(VERIFY_PROVIDER).build(signerCertificate))) {
                return VerificationResult.failed(VerificationFailure.BAD_SIGNATURE, "the signature does not match the content", signerCertificate);
            }
        } catch (CMSVerifierCertificateNotValidException e) {
            return VerificationResult.failed(VerificationFailure.EXPIRED, "the signer's certificate was not valid at signing time",
                signerCertificate);
        } catch (CMSException | OperatorCreationException | RuntimeException e) {
            return VerificationResult.failed(VerificationFailure.BAD_SIGNATURE, "the signature does not verify: " + e.getMessage(),
                signerCertificate);
        }
        return checkCertificate(message, signer, signerCertificate, carried, signed.cms(), signed.content());
    }

    private VerificationResult checkCertificate(MimeMessage message, SignerInformation signer, X509Certificate certificate,
                                                List<X509Certificate> carried, CMSSignedData cms, byte[] content) {
        CertificateFacts facts = CertificateFacts.of(certificate);
        Instant now = clock.instant();
        if (!facts.isValidAt(now)) {
            return VerificationResult.failed(VerificationFailure.EXPIRED, "the signer's certificate is valid from " + facts.notBefore()
                + " to " + facts.notAfter(), certificate);
        }
        Optional<Instant> signingTime = signingTime(signer);
        if (signingTime.isPresent() && !facts.isValidAt(signingTime.get())) {
            return VerificationResult.failed(VerificationFailure.EXPIRED, "the signer's certificate was not valid at signing time "
                + signingTime.get(), certificate);
        }
        if (!facts.keyUsagePermitsSigning() || !facts.extendedKeyUsageAllowsEmail()) {
            return VerificationResult.failed(VerificationFailure.KEY_USAGE, "the signer's certificate may not sign mail", certificate);
        }
        Optional<String> chainProblem = chainProblem(certificate, carried, now);
        if (chainProblem.isPresent()) {
            return VerificationResult.failed(VerificationFailure.UNTRUSTED, chainProblem.get(), certificate);
        }
        if (revoked(certificate, carried, cms)) {
            return VerificationResult.failed(VerificationFailure.REVOKED, "a CRL of its issuer revokes the signer's certificate", certificate);
        }
        Optional<String> fromProblem = fromProblem(message, facts);
        if (fromProblem.isPresent()) {
            return VerificationResult.failed(VerificationFailure.FROM_MISMATCH, fromProblem.get(), certificate);
        }
        return VerificationResult.verified(certificate, fromAddress(message).orElseThrow(), algorithm(signer), content);
    }

    /**
     * The message with its root signature taken off: the signed content, under the message's own
     * headers. Nothing is verified; this is for "remove the signature" and for reaching what an
     * outer signature wraps.
     */
    public static MimeMessage withoutSignature(MimeMessage message, int maxBytes) throws SmimeException {
        try {
            return MimeEntities.replaceContent(message, read(message, maxBytes).content());
        } catch (MessagingException | IOException e) {
            throw new SmimeException("the signed content is not MIME: " + e.getMessage(), e);
        }
    }

    private Signed read(MimeMessage message) throws SmimeException {
        return read(message, maxBytes);
    }

    private static Signed read(MimeMessage message, int maxBytes) throws SmimeException {
        try {
            SmimeLayer layer = SmimeLayer.of(message);
            if (layer == SmimeLayer.SIGNED_DETACHED) {
                return readDetached(message, maxBytes);
            }
            byte[] der = Limits.readDecoded(message, maxBytes);
            ContentInfo info = Limits.parseContentInfo(der);
            CMSSignedData cms = new CMSSignedData(info);
            if (cms.getSignedContent() == null) {
                throw new SmimeException("opaque signed data without content");
            }
            return new Signed(cms, (byte[]) cms.getSignedContent().getContent());
        } catch (MessagingException | IOException | CMSException | RuntimeException e) {
            throw new SmimeException("unreadable signature: " + e.getMessage(), e);
        }
    }

    private static Signed readDetached(MimeMessage message, int maxBytes) throws MessagingException, IOException, CMSException, SmimeException {
        String boundary = new ContentType(message.getContentType()).getParameter("boundary");
        if (boundary == null) {
            throw new SmimeException("multipart/signed without boundary");
        }
        Object content = message.getContent();
        if (!(content instanceof MimeMultipart) || ((MimeMultipart) content).getCount() != 2) {
            throw new SmimeException("multipart/signed must have exactly two parts");
        }
        MimeMultipart multipart = (MimeMultipart) content;
        String signatureType = multipart.getBodyPart(1).getContentType().toLowerCase(Locale.ROOT);
        if (!signatureType.startsWith("application/pkcs7-signature") && !signatureType.startsWith("application/x-pkcs7-signature")) {
            throw new SmimeException("the second part of multipart/signed is " + signatureType + ", not a PKCS#7 signature");
        }
        byte[] signature = Limits.readDecoded(multipart.getBodyPart(1), maxBytes);
        ContentInfo info = Limits.parseContentInfo(signature);
        if (SignedData.getInstance(info.getContent()).getEncapContentInfo().getContent() != null) {
            throw new SmimeException("the detached signature also embeds content (eContent): which one is signed is ambiguous");
        }
        byte[] signedBytes = MimeEntities.firstPartBytes(MimeEntities.write(message), boundary);
        return new Signed(new CMSSignedData(new CMSProcessableByteArray(signedBytes), info), signedBytes);
    }

    private Optional<String> chainProblem(X509Certificate certificate, List<X509Certificate> carried, Instant now) {
        if (anchorCertificates.contains(certificate)) {
            return Optional.empty();
        }
        if (anchors.isEmpty()) {
            return Optional.of("no trust anchor is configured");
        }
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(certificate);
            PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, target);
            List<X509Certificate> intermediates = carried.stream()
                .filter(candidate -> !candidate.getSubjectX500Principal().equals(candidate.getIssuerX500Principal()))
                .collect(Collectors.toList());
            intermediates.add(certificate);
            parameters.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(intermediates)));
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(now));
            PKIXCertPathBuilderResult result = (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(parameters);
            return result == null ? Optional.of("no certification path") : Optional.empty();
        } catch (CertPathBuilderException e) {
            return Optional.of("the signer's certificate does not chain to a trust anchor: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            return Optional.of("the certification path cannot be checked: " + e.getMessage());
        }
    }

    /**
     * True when a CRL — carried in the message or imported by the administrator — signed by the
     * certificate's issuer (carried or a trust anchor) lists it.
     */
    private boolean revoked(X509Certificate certificate, List<X509Certificate> carried, CMSSignedData cms) {
        List<X509Certificate> issuers = new ArrayList<>(carried);
        issuers.addAll(anchorCertificates);
        List<X509CRL> crls = new ArrayList<>(knownCrls);
        for (Object holder : cms.getCRLs().getMatches(null)) {
            try {
                crls.add(new JcaX509CRLConverter().getCRL((X509CRLHolder) holder));
            } catch (GeneralSecurityException | RuntimeException e) {
                // An unreadable CRL revokes nothing.
            }
        }
        for (X509CRL crl : crls) {
            try {
                if (!crl.getIssuerX500Principal().equals(certificate.getIssuerX500Principal())) {
                    continue;
                }
                for (X509Certificate issuer : issuers) {
                    if (issuer.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
                        crl.verify(issuer.getPublicKey());
                        if (crl.isRevoked(certificate)) {
                            return true;
                        }
                    }
                }
            } catch (GeneralSecurityException | RuntimeException e) {
                // An unreadable or forged CRL revokes nothing.
            }
        }
        return false;
    }

    private static Optional<String> fromProblem(MimeMessage message, CertificateFacts facts) {
        try {
            String[] from = message.getHeader("From");
            if (from == null || from.length != 1) {
                return Optional.of("the message has " + (from == null ? "no" : from.length) + " From headers; exactly one is needed");
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

    private static Optional<String> fromAddress(MimeMessage message) {
        try {
            return Optional.of(InternetAddress.parseHeader(message.getHeader("From")[0], true)[0].getAddress().toLowerCase(Locale.ROOT));
        } catch (MessagingException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<Instant> signingTime(SignerInformation signer) {
        if (signer.getSignedAttributes() == null || signer.getSignedAttributes().get(CMSAttributes.signingTime) == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Time.getInstance(signer.getSignedAttributes().get(CMSAttributes.signingTime).getAttrValues()
                .getObjectAt(0)).getDate().toInstant());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String algorithm(SignerInformation signer) {
        return signer.getEncryptionAlgOID() + " with " + signer.getDigestAlgOID();
    }

    private static List<X509Certificate> certificates(CMSSignedData cms) {
        return cms.getCertificates().getMatches(null).stream().map(SmimeVerifier::convert).collect(Collectors.toList());
    }

    private static X509Certificate convert(X509CertificateHolder holder) {
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("unreadable certificate in the signature", e);
        }
    }
}
