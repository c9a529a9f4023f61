package dev.smimegateway.core.smime;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAESOAEPparams;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.smime.SMIMEAttributes;
import org.bouncycastle.asn1.smime.SMIMECapability;
import org.bouncycastle.cms.SignerInformation;

/**
 * What a signer announced it can decrypt in the smimeCapabilities attribute of its signature
 * (RFC 8551 section 2.5.2): the content encryptions we know, in the signer's order of preference,
 * and whether RSAES-OAEP key transport is among them. Whatever else is announced (AES-192, 3DES,
 * RC2, ...) is left out, since we never encrypt with it. RSAES-OAEP counts only when announced with
 * the parameters we send: SHA-256 and MGF1 with SHA-256 ({@link #OAEP_SHA256}). An announcement
 * without parameters means SHA-1 (RFC 4055 defaults), which a client may be all it reads: such a
 * client gets RSA PKCS#1 v1.5 instead of an OAEP it might not decrypt.
 *
 * <p>The text form, which the key store keeps, lists them in that order with {@code rsa-oaep} last,
 * e.g. {@code aes256-gcm,aes128-gcm,aes256-cbc,aes128-cbc,rsa-oaep}; an announcement of nothing we
 * know is the empty text.
 *
 * @param contentEncryption most preferred first, each once
 */
public record SmimeCapabilities(List<ContentEncryption> contentEncryption, boolean rsaOaep) {
    private static final String RSA_OAEP = "rsa-oaep";

    /** The RSAES-OAEP parameters our RecipientInfos carry, and that our signatures announce. */
    public static final RSAESOAEPparams OAEP_SHA256 = new RSAESOAEPparams(
        new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256, DERNull.INSTANCE),
        new AlgorithmIdentifier(PKCSObjectIdentifiers.id_mgf1, new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256, DERNull.INSTANCE)),
        RSAESOAEPparams.DEFAULT_P_SOURCE_ALGORITHM);

    public SmimeCapabilities {
        contentEncryption = contentEncryption.stream().distinct().toList();
    }

    /**
     * The announcement in the signer's signed attributes, if it made one. An attribute that cannot be
     * read announces nothing; callers must take it only from a signature that verified.
     */
    static Optional<SmimeCapabilities> announcedBy(SignerInformation signer) {
        if (signer.getSignedAttributes() == null) {
            return Optional.empty();
        }
        Attribute attribute = signer.getSignedAttributes().get(SMIMEAttributes.smimeCapabilities);
        if (attribute == null || attribute.getAttrValues().size() == 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(read(attribute.getAttrValues().getObjectAt(0)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** An SMIMECapabilities value: the known content encryptions in order, and OAEP when announced with our parameters. */
    static SmimeCapabilities read(ASN1Encodable value) {
        List<ContentEncryption> known = new ArrayList<>();
        boolean oaep = false;
        for (ASN1Encodable element : ASN1Sequence.getInstance(value)) {
            SMIMECapability capability = SMIMECapability.getInstance(element);
            ASN1ObjectIdentifier id = capability.getCapabilityID();
            Stream.of(ContentEncryption.values()).filter(candidate -> candidate.oid().equals(id)).forEach(known::add);
            if (id.equals(PKCSObjectIdentifiers.id_RSAES_OAEP) && capability.getParameters() != null) {
                oaep |= RSAESOAEPparams.getInstance(capability.getParameters()).equals(OAEP_SHA256);
            }
        }
        return new SmimeCapabilities(known, oaep);
    }

    /** Reads the text form back; throws IllegalArgumentException for a name that is neither a content encryption nor rsa-oaep. */
    public static SmimeCapabilities parse(String text) {
        List<ContentEncryption> contentEncryption = new ArrayList<>();
        boolean rsaOaep = false;
        for (String name : text.split(",")) {
            if (name.isBlank()) {
                continue;
            }
            if (name.trim().equalsIgnoreCase(RSA_OAEP)) {
                rsaOaep = true;
            } else {
                contentEncryption.add(ContentEncryption.parse(name));
            }
        }
        return new SmimeCapabilities(contentEncryption, rsaOaep);
    }

    public String text() {
        Stream<String> names = contentEncryption.stream().map(ContentEncryption::parameterName);
        return (rsaOaep ? Stream.concat(names, Stream.of(RSA_OAEP)) : names).collect(Collectors.joining(","));
    }
}
