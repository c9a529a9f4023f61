package dev.smimegateway.keystore;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DERBMPString;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.pkcs.PKCS12PfxPduBuilder;
import org.bouncycastle.pkcs.PKCS12SafeBag;
import org.bouncycastle.pkcs.PKCS12SafeBagBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS12SafeBagBuilder;
import org.bouncycastle.pkcs.jcajce.JcePKCS12MacCalculatorBuilder;
import org.bouncycastle.pkcs.jcajce.JcePKCSPBEOutputEncryptorBuilder;

/**
 * Writes one identity's private key and certificate chain as a PKCS#12 file for a backup, with
 * today's algorithms rather than the JDK's or OpenSSL's legacy defaults:
 * <ul>
 *   <li>the key (shrouded key bag) and the certificates (encrypted data) under PBES2: AES-256-CBC with
 *   a key from PBKDF2-HMAC-SHA256, {@value #ITERATIONS} iterations, a fresh 16-byte salt each;</li>
 *   <li>the file's integrity MAC: HMAC-SHA256, {@value #ITERATIONS} iterations (the MAC answers
 *   "is this the password?", so it costs a guesser as much as the encryption does).</li>
 * </ul>
 * OpenSSL 3 ({@code openssl pkcs12 -in f.p12 -info}), the JDK (8u301 and later) and the gateway's
 * own PKCS#12 import read it.
 */
final class Pkcs12Writer {
    /** OWASP's 2023 figure for PBKDF2-HMAC-SHA256, also the master secret's. */
    static final int ITERATIONS = 600_000;
    static final int MINIMUM_PASSWORD_LENGTH = 12;
    static final int MAXIMUM_PASSWORD_LENGTH = 1024;

    private static final AlgorithmIdentifier HMAC_SHA256 = new AlgorithmIdentifier(PKCSObjectIdentifiers.id_hmacWithSHA256, DERNull.INSTANCE);

    /** Bouncy Castle's own provider, not registered with the JVM: the JDK has no PBES2 cipher under AES-256-CBC's OID. */
    private static final Provider BOUNCY_CASTLE = new BouncyCastleProvider();

    private Pkcs12Writer() {
    }

    /** Refuses a password too short to protect a private key that may leave the building. */
    static void checkPassword(char[] password) {
        if (password == null || password.length < MINIMUM_PASSWORD_LENGTH) {
            throw new InvalidRequestException("the export password must be at least " + MINIMUM_PASSWORD_LENGTH
                + " characters long (for example the output of 'openssl rand -base64 18')");
        }
        if (password.length > MAXIMUM_PASSWORD_LENGTH) {
            throw new InvalidRequestException("the export password must be at most " + MAXIMUM_PASSWORD_LENGTH + " characters long");
        }
    }

    static byte[] write(String friendlyName, PrivateKey privateKey, List<X509Certificate> chain, char[] password) {
        checkPassword(password);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            var localKeyId = extensions.createSubjectKeyIdentifier(chain.get(0).getPublicKey());
            List<PKCS12SafeBag> certificates = new ArrayList<>();
            for (X509Certificate certificate : chain) {
                PKCS12SafeBagBuilder bag = new JcaPKCS12SafeBagBuilder(certificate);
                if (certificate == chain.get(0)) {
                    bag.addBagAttribute(PKCSObjectIdentifiers.pkcs_9_at_friendlyName, new DERBMPString(friendlyName));
                    bag.addBagAttribute(PKCSObjectIdentifiers.pkcs_9_at_localKeyId, localKeyId);
                }
                certificates.add(bag.build());
            }
            PKCS12SafeBagBuilder key = new JcaPKCS12SafeBagBuilder(privateKey, encryptor(password));
            key.addBagAttribute(PKCSObjectIdentifiers.pkcs_9_at_friendlyName, new DERBMPString(friendlyName));
            key.addBagAttribute(PKCSObjectIdentifiers.pkcs_9_at_localKeyId, localKeyId);

            PKCS12PfxPduBuilder pfx = new PKCS12PfxPduBuilder();
            pfx.addEncryptedData(encryptor(password), certificates.toArray(new PKCS12SafeBag[0]));
            pfx.addData(key.build());
            return pfx.build(new JcePKCS12MacCalculatorBuilder(NISTObjectIdentifiers.id_sha256).setIterationCount(ITERATIONS)
                    .setProvider(BOUNCY_CASTLE), password)
                .getEncoded(ASN1Encoding.DER);
        } catch (GeneralSecurityException | OperatorCreationException | PKCSException | IOException e) {
            throw new KeyStoreFailureException("cannot write the PKCS#12 file: " + e.getMessage(), e);
        }
    }

    /** A new encryptor (salt and IV) for each bag it protects. */
    private static OutputEncryptor encryptor(char[] password) throws OperatorCreationException {
        return new JcePKCSPBEOutputEncryptorBuilder(NISTObjectIdentifiers.id_aes256_CBC)
            .setPRF(HMAC_SHA256)
            .setIterationCount(ITERATIONS)
            .setProvider(BOUNCY_CASTLE)
            .build(password);
    }
}
