package dev.smimegateway.core.smime;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Hashtable;
import java.util.Map;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.AuthEnvelopedData;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.EncryptedContentInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSAuthEnvelopedData;
import org.bouncycastle.cms.CMSAuthEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.KeyAgreeRecipientInformation;
import org.bouncycastle.cms.Recipient;
import org.bouncycastle.cms.RecipientInformation;
import org.bouncycastle.cms.SimpleAttributeTableGenerator;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.cms.jcajce.JceKeyAgreeRecipientInfoGenerator;
import org.bouncycastle.operator.OutputAEADEncryptor;

import dev.smimegateway.core.crypto.JdkGcmContentEncryptor;
import dev.smimegateway.core.crypto.Providers;

/**
 * ECDH + AES-GCM AuthEnvelopedData made with Bouncy Castle's generator (any KDF, key wrap, curve,
 * user keying material, authenticated attributes), and the ways an attacker can alter one.
 */
final class EcdhGcmMessages {
    static final SecureRandom RANDOM = new SecureRandom();
    static final ASN1ObjectIdentifier SENDER_NOTE = new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1");
    static final byte[] SUBJECT_KEY_ID = {1, 2, 3, 4, 5, 6, 7, 8};

    private EcdhGcmMessages() {
    }

    /** What to build: the parts of the RecipientInfo and content that vary between senders. */
    record Spec(ASN1ObjectIdentifier kdf, ASN1ObjectIdentifier keyWrap, ASN1ObjectIdentifier gcm, int keyBits, byte[] ukm,
        String authenticatedNote) {
    }

    static KeyPair ecKeyPair(String curve) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve), RANDOM);
        return generator.generateKeyPair();
    }

    /** The DER of an AuthEnvelopedData ContentInfo for the given recipient key. */
    static byte[] authEnveloped(byte[] content, KeyPair recipient, Spec spec) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(((java.security.interfaces.ECPublicKey) recipient.getPublic()).getParams(), RANDOM);
        KeyPair ephemeral = generator.generateKeyPair();
        JceKeyAgreeRecipientInfoGenerator recipientInfo = new JceKeyAgreeRecipientInfoGenerator(spec.kdf(), ephemeral.getPrivate(),
            ephemeral.getPublic(), spec.keyWrap()).addRecipient(SUBJECT_KEY_ID, recipient.getPublic()).setProvider(Providers.BOUNCY_CASTLE);
        if (spec.ukm() != null) {
            recipientInfo.setUserKeyingMaterial(spec.ukm());
        }
        CMSAuthEnvelopedDataGenerator cms = new CMSAuthEnvelopedDataGenerator();
        cms.addRecipientInfoGenerator(recipientInfo);
        if (spec.authenticatedNote() != null) {
            Hashtable<ASN1ObjectIdentifier, Attribute> attributes = new Hashtable<>();
            attributes.put(SENDER_NOTE, new Attribute(SENDER_NOTE, new DERSet(new DERUTF8String(spec.authenticatedNote()))));
            cms.setAuthenticatedAttributeGenerator(new SimpleAttributeTableGenerator(new AttributeTable(attributes)));
        }
        // Bouncy Castle's generator feeds the authenticated attributes after the content, which the JDK's
        // GCM refuses; Bouncy Castle's own GCM accepts that order.
        OutputAEADEncryptor encryptor = spec.authenticatedNote() == null ? JdkGcmContentEncryptor.create(spec.gcm(), spec.keyBits(), RANDOM)
            : (OutputAEADEncryptor) new JceCMSContentEncryptorBuilder(spec.gcm()).setProvider(Providers.BOUNCY_CASTLE).build();
        return cms.generate(new CMSProcessableByteArray(content), encryptor).toASN1Structure().getEncoded(ASN1Encoding.DER);
    }

    /** Decrypts for the (only) key-agreement RecipientInfo; throws CMSException when refused. */
    static byte[] decrypt(byte[] der, Recipient recipient) throws Exception {
        CMSAuthEnvelopedData enveloped = new CMSAuthEnvelopedData(der);
        for (RecipientInformation information : enveloped.getRecipientInfos().getRecipients()) {
            if (information instanceof KeyAgreeRecipientInformation) {
                return information.getContent(recipient);
            }
        }
        throw new AssertionError("no key-agreement RecipientInfo");
    }

    static byte[] decryptWithOurs(byte[] der, PrivateKey key) throws Exception {
        return decrypt(der, EcdhAuthEnvelopedRecipients.create(key, null));
    }

    /** One bit of the encrypted content flipped. */
    static byte[] flipCiphertextBit(byte[] der, int octet) throws Exception {
        AuthEnvelopedData data = parse(der);
        EncryptedContentInfo info = data.getAuthEncryptedContentInfo();
        byte[] ciphertext = info.getEncryptedContent().getOctets();
        ciphertext[octet] ^= 0x01;
        return rebuild(data, new EncryptedContentInfo(info.getContentType(), info.getContentEncryptionAlgorithm(),
            new DEROctetString(ciphertext)), data.getAuthAttrs(), data.getMac().getOctets());
    }

    /** One bit of the tag (the MAC field) flipped. */
    static byte[] flipTagBit(byte[] der) throws Exception {
        AuthEnvelopedData data = parse(der);
        byte[] mac = data.getMac().getOctets();
        mac[mac.length - 1] ^= 0x01;
        return rebuild(data, data.getAuthEncryptedContentInfo(), data.getAuthAttrs(), mac);
    }

    /** The authenticated attribute replaced by another value, ciphertext and tag untouched. */
    static byte[] replaceAuthenticatedNote(byte[] der, String note) throws Exception {
        AuthEnvelopedData data = parse(der);
        ASN1Set attributes = new DERSet(new Attribute(SENDER_NOTE, new DERSet(new DERUTF8String(note))));
        return rebuild(data, data.getAuthEncryptedContentInfo(), attributes, data.getMac().getOctets());
    }

    /** The authenticated attributes removed, ciphertext and tag untouched. */
    static byte[] dropAuthenticatedAttributes(byte[] der) throws Exception {
        AuthEnvelopedData data = parse(der);
        return rebuild(data, data.getAuthEncryptedContentInfo(), null, data.getMac().getOctets());
    }

    /** The content-encryption algorithm identifier replaced (algorithm and parameters as given). */
    static byte[] replaceContentAlgorithm(byte[] der, ASN1ObjectIdentifier algorithm, ASN1Encodable parameters) throws Exception {
        AuthEnvelopedData data = parse(der);
        EncryptedContentInfo info = data.getAuthEncryptedContentInfo();
        return rebuild(data, new EncryptedContentInfo(info.getContentType(), new AlgorithmIdentifier(algorithm, parameters),
            info.getEncryptedContent()), data.getAuthAttrs(), data.getMac().getOctets());
    }

    static AuthEnvelopedData parse(byte[] der) {
        return AuthEnvelopedData.getInstance(ContentInfo.getInstance(der).getContent());
    }

    private static byte[] rebuild(AuthEnvelopedData data, EncryptedContentInfo content, ASN1Set authAttrs, byte[] mac) throws Exception {
        AuthEnvelopedData changed = new AuthEnvelopedData(data.getOriginatorInfo(), data.getRecipientInfos(), content, authAttrs,
            new DEROctetString(mac), data.getUnauthAttrs());
        return new ContentInfo(CMSObjectIdentifiers.authEnvelopedData, changed).getEncoded(ASN1Encoding.DER);
    }

    static Map<String, ASN1ObjectIdentifier> kdfs() {
        return Map.of("sha1kdf", new ASN1ObjectIdentifier("1.3.133.16.840.63.0.2"),
            "sha224kdf", new ASN1ObjectIdentifier("1.3.132.1.11.0"),
            "sha256kdf", new ASN1ObjectIdentifier("1.3.132.1.11.1"),
            "sha384kdf", new ASN1ObjectIdentifier("1.3.132.1.11.2"),
            "sha512kdf", new ASN1ObjectIdentifier("1.3.132.1.11.3"),
            "cofactor-sha1kdf", new ASN1ObjectIdentifier("1.3.133.16.840.63.0.3"),
            "cofactor-sha256kdf", new ASN1ObjectIdentifier("1.3.132.1.14.1"));
    }
}
