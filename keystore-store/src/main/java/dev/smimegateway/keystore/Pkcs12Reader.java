package dev.smimegateway.keystore;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.CertificateRejectedException;
import dev.smimegateway.core.crypto.JdkContentSigner;

/**
 * Reads one private key and its certificate chain out of a PKCS#12 file, with an administrator's
 * error for every way the file, its password or its contents can be wrong, and proves that the key
 * and the leaf certificate are one pair before anything is stored.
 */
final class Pkcs12Reader {
    record KeyEntry(PrivateKey privateKey, List<CertificateFacts> chain) {
    }

    private Pkcs12Reader() {
    }

    /** @param alias which key entry to take when the file holds several */
    static KeyEntry read(byte[] pkcs12, char[] password, Optional<String> alias) {
        KeyStore keyStore = load(pkcs12, password);
        String chosen = chooseAlias(keyStore, alias);
        PrivateKey privateKey;
        Certificate[] certificates;
        try {
            privateKey = (PrivateKey) keyStore.getKey(chosen, password);
            certificates = keyStore.getCertificateChain(chosen);
        } catch (UnrecoverableKeyException e) {
            throw new InvalidRequestException("wrong password for the private key '" + chosen + "' in the PKCS#12 file", e);
        } catch (GeneralSecurityException e) {
            throw new InvalidRequestException("cannot read the private key '" + chosen + "' of the PKCS#12 file: " + e.getMessage(), e);
        }
        if (certificates == null || certificates.length == 0) {
            throw new InvalidRequestException("the PKCS#12 key '" + chosen + "' has no certificate");
        }
        List<CertificateFacts> chain = Arrays.stream(certificates)
            .map(certificate -> CertificateFacts.of((X509Certificate) certificate))
            .collect(Collectors.toList());
        return new KeyEntry(privateKey, chain);
    }

    /** Signs a random challenge with the private key and verifies it with the certificate: they must be one pair. */
    static void proveKeyPair(PrivateKey privateKey, CertificateFacts leaf) {
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try {
            String algorithm = CertificateIssuer.requestSignatureAlgorithm(leaf.certificate().getPublicKey());
            Signature signer = JdkContentSigner.signatureFor(algorithm);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = JdkContentSigner.signatureFor(algorithm);
            verifier.initVerify(leaf.certificate().getPublicKey());
            verifier.update(challenge);
            if (!verifier.verify(signature)) {
                throw new CertificateRejectedException("certificate for " + leaf.displayName() + " does not belong to the private key given with it");
            }
        } catch (GeneralSecurityException e) {
            throw new CertificateRejectedException("certificate for " + leaf.displayName()
                + " does not belong to the private key given with it: " + e.getMessage(), e);
        }
    }

    private static KeyStore load(byte[] pkcs12, char[] password) {
        try {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(new ByteArrayInputStream(pkcs12), password);
            return keyStore;
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
                throw new InvalidRequestException("wrong PKCS#12 password", e);
            }
            throw new InvalidRequestException("not a readable PKCS#12 file: " + e.getMessage(), e);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new InvalidRequestException("not a readable PKCS#12 file: " + e.getMessage(), e);
        }
    }

    private static String chooseAlias(KeyStore keyStore, Optional<String> alias) {
        List<String> keyAliases = new ArrayList<>();
        try {
            for (String candidate : Collections.list(keyStore.aliases())) {
                if (keyStore.isKeyEntry(candidate)) {
                    keyAliases.add(candidate);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new InvalidRequestException("cannot list the PKCS#12 entries: " + e.getMessage(), e);
        }
        if (alias.isPresent()) {
            return keyAliases.stream().filter(candidate -> candidate.equalsIgnoreCase(alias.get())).findFirst()
                .orElseThrow(() -> new InvalidRequestException("the PKCS#12 file has no private key with alias '" + alias.get()
                    + "'; its keys are " + keyAliases));
        }
        if (keyAliases.isEmpty()) {
            throw new InvalidRequestException("the PKCS#12 file holds no private key");
        }
        if (keyAliases.size() > 1) {
            throw new InvalidRequestException("the PKCS#12 file holds several private keys " + keyAliases + "; choose one with 'alias'");
        }
        return keyAliases.get(0);
    }
}
