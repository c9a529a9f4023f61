package dev.smimegateway.core.smime;

import java.io.IOException;
import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.cms.AuthEnvelopedData;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cms.CMSAuthEnvelopedData;
import org.bouncycastle.cms.CMSEnvelopedData;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.KeyAgreeRecipientId;
import org.bouncycastle.cms.KeyAgreeRecipientInformation;
import org.bouncycastle.cms.KeyTransRecipientId;
import org.bouncycastle.cms.Recipient;
import org.bouncycastle.cms.RecipientId;
import org.bouncycastle.cms.RecipientInformation;
import org.bouncycastle.cms.jcajce.JceKeyAgreeEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyTransAuthEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyTransEnvelopedRecipient;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.crypto.JdkGcmContentDecryptor;
import dev.smimegateway.core.crypto.PrivateKeyOperations;
import dev.smimegateway.core.crypto.Providers;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

/**
 * Decrypts an S/MIME message whose root entity is EnvelopedData (AES-CBC) or AuthEnvelopedData
 * (AES-GCM), with whichever stored private key matches one of its RecipientInfos (issuer and serial,
 * or subjectKeyIdentifier; old keys included) and belongs to one of the mail's envelope recipients:
 * its certificate binds the recipient's address, or, for an organisation identity, a dNSName of its
 * subjectAltName covers the recipient's domain. Identities named as escrow (archive) decrypt for any
 * recipient. So a ciphertext captured and sent on to another local mailbox is not decrypted for it.
 *
 * <p>AuthEnvelopedData releases no plaintext unless its tag verifies. The decrypted entity replaces
 * the body, byte for byte; outer headers stay. RFC 9788 protected headers are restored only from an
 * authenticated (AES-GCM) layer, only for an allow-list and never From (see
 * {@link MimeEntities#replaceContentRestoringHeaders}); CBC plaintext is attacker-malleable, so header
 * fields inside it are ignored.
 *
 * <p>A failure of the {@link KeyLookup} itself (a database outage) is not a verdict on the message:
 * it propagates unchanged, never as a {@link SmimeException}.
 */
public final class SmimeDecryptor {
    /** ECDH's KDF and AES-GCM's parameter lookup, which the JDK lacks; RSA ({@link PrivateKeyOperations}) and AES-CBC do not use it. */
    private static final Provider KEY_AGREEMENT_PROVIDER = Providers.BOUNCY_CASTLE;
    private static final String RSAES_OAEP = "1.2.840.113549.1.1.7";
    private static final String RSAES_PKCS1 = "1.2.840.113549.1.1.1";
    /** AES-CBC stays on the JDK's AES instructions even when the key unwrap is Bouncy Castle's. */
    private static final Provider CONTENT_PROVIDER = java.security.Security.getProvider("SunJCE");

    /**
     * Where decryption keys come from (the key store, in the gateway). A failure of the store is
     * thrown unchecked and reaches the caller unchanged.
     */
    public interface KeyLookup {
        Optional<KeyAndCertificate> byIssuerAndSerial(X500Principal issuer, BigInteger serial);

        Optional<KeyAndCertificate> bySubjectKeyIdentifier(byte[] subjectKeyIdentifier);
    }

    /** @param owner the name of the identity the key belongs to, as {@code escrowIdentities} names it */
    public record KeyAndCertificate(String owner, PrivateKey privateKey, X509Certificate certificate) {
    }

    /** @param authenticated AES-GCM whose tag verified: the plaintext is exactly what was encrypted */
    public record Decrypted(MimeMessage message, String algorithm, String keyOwner, boolean authenticated) {
    }

    /** The parsed CMS: its RecipientInfos and content encryption. */
    private record Envelope(Collection<RecipientInformation> recipients, String algorithm, boolean authenticated) {
    }

    private final KeyLookup keys;
    private final int maxBytes;
    private final Set<String> escrowIdentities;

    /**
     * @param maxBytes         the largest encrypted body read
     * @param escrowIdentities names of identities that may decrypt mail for any recipient (archive,
     *                         escrow); every other identity decrypts only for its own addresses or domains
     */
    public SmimeDecryptor(KeyLookup keys, int maxBytes, Set<String> escrowIdentities) {
        this.keys = keys;
        this.maxBytes = maxBytes;
        this.escrowIdentities = Set.copyOf(escrowIdentities);
    }

    /**
     * @param envelopeRecipients the mail's envelope recipients (RCPT TO addresses): a key decrypts only
     *                           when its identity covers one of them, or is an escrow identity
     */
    public Decrypted decrypt(MimeMessage message, Collection<String> envelopeRecipients) throws SmimeException {
        byte[] der;
        try {
            der = Limits.readAtMost(message, maxBytes);
        } catch (MessagingException | IOException e) {
            throw new SmimeException("the encrypted body cannot be decoded: " + e.getMessage(), e);
        }
        return open(message, envelope(Limits.parseContentInfo(der)), List.copyOf(envelopeRecipients));
    }

    private static Envelope envelope(ContentInfo contentInfo) throws SmimeException {
        try {
            if (CMSObjectIdentifiers.envelopedData.equals(contentInfo.getContentType())) {
                CMSEnvelopedData enveloped = new CMSEnvelopedData(contentInfo);
                return new Envelope(enveloped.getRecipientInfos().getRecipients(),
                    enveloped.getContentEncryptionAlgorithm().getAlgorithm().getId(), false);
            }
            if (CMSObjectIdentifiers.authEnvelopedData.equals(contentInfo.getContentType())) {
                CMSAuthEnvelopedData enveloped = new CMSAuthEnvelopedData(contentInfo);
                org.bouncycastle.asn1.x509.AlgorithmIdentifier content = AuthEnvelopedData.getInstance(contentInfo.getContent())
                    .getAuthEncryptedContentInfo().getContentEncryptionAlgorithm();
                requireGcm(content);
                return new Envelope(enveloped.getRecipientInfos().getRecipients(), content.getAlgorithm().getId(), true);
            }
        } catch (CMSException | RuntimeException e) {
            throw new SmimeException("malformed encrypted data: " + e.getMessage(), e);
        }
        throw new SmimeException("not encrypted data (CMS content type " + contentInfo.getContentType().getId() + ")");
    }

    private Decrypted open(MimeMessage message, Envelope envelope, List<String> envelopeRecipients) throws SmimeException {
        boolean authenticated = envelope.authenticated();
        List<KeyAndCertificate> refused = new ArrayList<>();
        for (RecipientInformation recipient : envelope.recipients()) {
            Optional<KeyAndCertificate> key = keyFor(recipient.getRID());
            if (key.isEmpty()) {
                continue;
            }
            if (!belongsToARecipient(key.get(), envelopeRecipients)) {
                refused.add(key.get());
                continue;
            }
            byte[] plaintext;
            try {
                plaintext = recipient.getContent(recipientFor(recipient, key.get().privateKey(), authenticated));
            } catch (CMSException | RuntimeException e) {
                throw new SmimeException((authenticated ? "authenticated decryption failed (altered or corrupt message): "
                    : "decryption failed: ") + e.getMessage(), e);
            }
            try {
                MimeMessage decrypted = authenticated
                    ? MimeEntities.replaceContentRestoringHeaders(message, plaintext)
                    : MimeEntities.replaceContentIgnoringInnerHeaders(message, plaintext);
                return new Decrypted(decrypted, algorithmName(envelope.algorithm()), key.get().owner(), authenticated);
            } catch (MessagingException | IOException e) {
                throw new SmimeException("the decrypted content is not MIME: " + e.getMessage(), e);
            }
        }
        if (!refused.isEmpty()) {
            throw new SmimeException(refusal(refused, envelopeRecipients));
        }
        throw new SmimeException("no stored private key matches any of the " + envelope.recipients().size()
            + " recipients of the message");
    }

    /** The key's identity is an escrow identity, or its certificate covers one of the envelope recipients. */
    private boolean belongsToARecipient(KeyAndCertificate key, List<String> envelopeRecipients) {
        if (escrowIdentities.contains(key.owner())) {
            return true;
        }
        CertificateFacts facts = CertificateFacts.of(key.certificate());
        return envelopeRecipients.stream().anyMatch(address -> facts.bindsAddress(address) || facts.coversDomainOf(address));
    }

    private static String refusal(List<KeyAndCertificate> refused, List<String> envelopeRecipients) {
        String identities = refused.stream()
            .map(key -> "'" + key.owner() + "' (" + CertificateFacts.of(key.certificate()).displayName() + ")")
            .distinct()
            .collect(Collectors.joining(", "));
        String recipients = envelopeRecipients.isEmpty() ? "none" : String.join(", ", envelopeRecipients);
        return "the stored key of identity " + identities + " belongs to none of the envelope recipients (" + recipients
            + "); an identity decrypts only for its own addresses or domains unless it is named in escrowIdentities";
    }

    private static Recipient recipientFor(RecipientInformation recipient, PrivateKey key, boolean authenticated) {
        if (recipient instanceof KeyAgreeRecipientInformation) {
            return authenticated
                ? EcdhAuthEnvelopedRecipients.create(key, KEY_AGREEMENT_PROVIDER)
                : new JceKeyAgreeEnvelopedRecipient(key).setProvider(KEY_AGREEMENT_PROVIDER);
        }
        // AES-GCM content decryption runs in Bouncy Castle: the JDK cannot look GCM parameters up by OID.
        // RSA-OAEP key transport too: Bouncy Castle 1.70 (James 3.8) asks the JDK for OAEP by OID, which it lacks.
        // PKCS#1 v1.5 key transport runs on ACCP when it is loaded; setProvider also sets the content provider,
        // so the content provider is set again after it (null: the default lookup, as without ACCP).
        boolean oaep = RSAES_OAEP.equals(recipient.getKeyEncryptionAlgOID());
        Optional<PrivateKeyOperations.ProviderKey> pkcs1 = RSAES_PKCS1.equals(recipient.getKeyEncryptionAlgOID())
            ? PrivateKeyOperations.current().rsaPkcs1Decryption(key) : Optional.empty();
        PrivateKey transportKey = pkcs1.map(PrivateKeyOperations.ProviderKey::key).orElse(key);
        if (authenticated) {
            JceKeyTransAuthEnvelopedRecipient transport = new JceKeyTransAuthEnvelopedRecipient(transportKey);
            pkcs1.ifPresent(accp -> transport.setProvider(accp.provider()));
            transport.setContentProvider(KEY_AGREEMENT_PROVIDER);
            if (oaep) {
                transport.setProvider(KEY_AGREEMENT_PROVIDER);
            }
            return transport;
        }
        JceKeyTransEnvelopedRecipient transport = new JceKeyTransEnvelopedRecipient(transportKey);
        pkcs1.ifPresent(accp -> transport.setProvider(accp.provider()).setContentProvider((String) null));
        if (oaep) {
            transport.setProvider(KEY_AGREEMENT_PROVIDER);
            transport.setContentProvider(CONTENT_PROVIDER != null ? CONTENT_PROVIDER : KEY_AGREEMENT_PROVIDER);
        }
        return transport;
    }

    private Optional<KeyAndCertificate> keyFor(RecipientId id) {
        X500Name issuer = null;
        BigInteger serial = null;
        byte[] ski = null;
        if (id instanceof KeyTransRecipientId) {
            issuer = ((KeyTransRecipientId) id).getIssuer();
            serial = ((KeyTransRecipientId) id).getSerialNumber();
            ski = ((KeyTransRecipientId) id).getSubjectKeyIdentifier();
        } else if (id instanceof KeyAgreeRecipientId) {
            issuer = ((KeyAgreeRecipientId) id).getIssuer();
            serial = ((KeyAgreeRecipientId) id).getSerialNumber();
            ski = ((KeyAgreeRecipientId) id).getSubjectKeyIdentifier();
        }
        if (issuer != null && serial != null) {
            try {
                Optional<KeyAndCertificate> found = keys.byIssuerAndSerial(new X500Principal(issuer.getEncoded()), serial);
                if (found.isPresent()) {
                    return found;
                }
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return ski == null ? Optional.empty() : keys.bySubjectKeyIdentifier(ski);
    }

    /**
     * AuthEnvelopedData is trusted as authenticated, so its content algorithm must be one that
     * authenticates: AES-GCM with a tag of 12 to 16 octets (RFC 5084). A captured CBC ciphertext
     * re-wrapped as AuthEnvelopedData, or a GCM tag shortened to make forgery cheap, is refused
     * before any key is used.
     */
    private static void requireGcm(org.bouncycastle.asn1.x509.AlgorithmIdentifier content) throws SmimeException {
        try {
            JdkGcmContentDecryptor.checkedParameters(content);
        } catch (java.security.GeneralSecurityException e) {
            throw new SmimeException("authenticated encryption refused: " + e.getMessage(), e);
        }
    }

    private static String algorithmName(String oid) {
        switch (oid) {
            case "2.16.840.1.101.3.4.1.2":
                return "aes128-cbc";
            case "2.16.840.1.101.3.4.1.22":
                return "aes192-cbc";
            case "2.16.840.1.101.3.4.1.42":
                return "aes256-cbc";
            case "2.16.840.1.101.3.4.1.6":
                return "aes128-gcm";
            case "2.16.840.1.101.3.4.1.46":
                return "aes256-gcm";
            case "1.2.840.113549.3.7":
                return "des-ede3-cbc";
            default:
                return oid;
        }
    }

}
