package dev.smimegateway.core.smime;

import static dev.smimegateway.core.smime.IncomingFixture.BOB;
import static dev.smimegateway.core.smime.IncomingFixture.decryptor;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.cms.AuthEnvelopedData;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.EncryptedContentInfo;
import org.bouncycastle.asn1.cms.GCMParameters;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.junit.jupiter.api.Test;

import jakarta.mail.internet.MimeMessage;

/** AuthEnvelopedData is believed authenticated, so only an algorithm that authenticates may stand in it. */
class AuthEnvelopedAlgorithmTest {

    @Test
    void cbcDisguisedAsAuthenticatedEncryptionIsRefused() throws Exception {
        MimeMessage disguised = rewrap(new AlgorithmIdentifier(NISTObjectIdentifiers.id_aes256_CBC, new DEROctetString(new byte[16])));

        assertThatThrownBy(() -> decryptor(BOB).decrypt(disguised, List.of("bob@partner.example")))
            .isInstanceOf(SmimeException.class).hasMessageContaining("only AES-GCM authenticates");
    }

    @Test
    void aShortenedGcmTagIsRefused() throws Exception {
        MimeMessage shortTag = rewrap(new AlgorithmIdentifier(NISTObjectIdentifiers.id_aes256_GCM, new GCMParameters(new byte[12], 8)));

        assertThatThrownBy(() -> decryptor(BOB).decrypt(shortTag, List.of("bob@partner.example")))
            .isInstanceOf(SmimeException.class).hasMessageContaining("tag of 8 octets");
    }

    /** Bob's AES-256-GCM mail with its content encryption algorithm identifier replaced. */
    private static MimeMessage rewrap(AlgorithmIdentifier algorithm) throws Exception {
        MimeMessage encrypted = new SmimeEncryptor(ContentEncryption.parse("aes256-gcm"), KeyTransport.RSA_PKCS1)
            .encrypt(IncomingFixture.plain("alice@example.com"), List.of(BOB.certificate()), Optional.empty());
        String text = IncomingFixture.text(encrypted);
        int body = text.indexOf("\r\n\r\n", text.indexOf("authEnveloped-data")) + 4;
        ContentInfo info = ContentInfo.getInstance(Base64.getMimeDecoder().decode(text.substring(body).trim()));
        AuthEnvelopedData data = AuthEnvelopedData.getInstance(info.getContent());
        EncryptedContentInfo content = data.getAuthEncryptedContentInfo();
        AuthEnvelopedData changed = new AuthEnvelopedData(data.getOriginatorInfo(), data.getRecipientInfos(),
            new EncryptedContentInfo(content.getContentType(), algorithm, content.getEncryptedContent()),
            data.getAuthAttrs(), (org.bouncycastle.asn1.ASN1OctetString) data.getMac(), data.getUnauthAttrs());
        byte[] der = new ContentInfo(CMSObjectIdentifiers.authEnvelopedData, (ASN1Encodable) changed).getEncoded("DER");
        return IncomingFixture.parse(text.substring(0, body) + Base64.getMimeEncoder().encodeToString(der) + "\r\n");
    }
}
