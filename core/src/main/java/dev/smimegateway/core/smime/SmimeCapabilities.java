package dev.smimegateway.core.smime;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.smime.SMIMEAttributes;
import org.bouncycastle.asn1.smime.SMIMECapability;
import org.bouncycastle.cms.SignerInformation;

/**
 * What a signer announced it can decrypt in the smimeCapabilities attribute of its signature
 * (RFC 8551 section 2.5.2): the content encryptions we know, in the signer's order of preference,
 * and whether RSAES-OAEP key transport is among them. Whatever else is announced (AES-192, 3DES,
 * RC2, ...) is left out, since we never encrypt with it. An RSAES-OAEP announcement counts whatever
 * parameters it names: our RecipientInfo states its own (SHA-256).
 *
 * <p>The text form, which the key store keeps, lists them in that order with {@code rsa-oaep} last,
 * e.g. {@code aes256-gcm,aes128-gcm,aes256-cbc,aes128-cbc,rsa-oaep}; an announcement of nothing we
 * know is the empty text.
 *
 * @param contentEncryption most preferred first, each once
 */
public record SmimeCapabilities(List<ContentEncryption> contentEncryption, boolean rsaOaep) {
    private static final String RSA_OAEP = "rsa-oaep";

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
            List<ASN1ObjectIdentifier> announced = new ArrayList<>();
            for (Object capability : ASN1Sequence.getInstance(attribute.getAttrValues().getObjectAt(0))) {
                announced.add(SMIMECapability.getInstance(capability).getCapabilityID());
            }
            return Optional.of(of(announced));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static SmimeCapabilities of(List<ASN1ObjectIdentifier> announced) {
        List<ContentEncryption> known = announced.stream()
            .flatMap(oid -> Stream.of(ContentEncryption.values()).filter(candidate -> candidate.oid().equals(oid)))
            .toList();
        return new SmimeCapabilities(known, announced.contains(PKCSObjectIdentifiers.id_RSAES_OAEP));
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
