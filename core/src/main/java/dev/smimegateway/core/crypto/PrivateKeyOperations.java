package dev.smimegateway.core.crypto;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.NoSuchPaddingException;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;

/**
 * Where the arithmetic with a stored RSA or EC private key runs: signing (RSA PKCS#1 v1.5, RSASSA-PSS,
 * ECDSA), RSA PKCS#1 v1.5 key-transport decryption, and ECDH key agreement; and, with no key of ours,
 * the AES content decryption of encrypted mail ({@link #contentCipher}). The Amazon Corretto Crypto
 * Provider (ACCP: AWS-LC in native code, shipped in the bundle for Linux x86-64) does these about 2.5
 * times (RSA) to 7 times (ECDSA) faster than the JDK; when its native library does not load (another
 * operating system or processor, a failed self-test) the JDK's providers do everything, as before.
 *
 * <p>ACCP is handed to each operation as a {@link Provider} object and never installed JVM-wide, so
 * James and its other extensions keep seeing the JDK's providers. What stays where it was: RSA-OAEP
 * (ACCP has no OAEP with SHA-256), Ed25519 keys, keys of type RSASSA-PSS, public-key encryption, and any
 * algorithm or curve ACCP turns down. Of the public-key operations, only the check of a CMS signature
 * over signed attributes tries ACCP first ({@link SignatureChecks}).
 *
 * <p>The system property {@value #SWITCH} chooses: {@code auto} (the default) uses ACCP when it loads,
 * {@code jdk} never loads it; any other value is treated as {@code jdk}. {@link #description()} says what
 * was chosen and why, for the log.
 *
 * <p>ACCP converts a JDK key into its native form on every initialisation, which costs more than the
 * signature itself; so the converted forms of up to {@value #CONVERTED_KEYS} keys are kept here, keyed
 * by the key itself (its encoding: a key the key store decodes again for every mail finds its converted
 * form). They are private keys like the ones the key store hands out, held in memory until another key
 * takes the place of one of them (when a key beyond {@value #CONVERTED_KEYS} is converted, one held key,
 * not necessarily the least recently used, is dropped), also after the identity is deleted. Looking a
 * key up takes no lock, so that threads signing at the same time do not wait for each other.
 */
public final class PrivateKeyOperations {
    /** The system property that chooses the provider: {@code auto} or {@code jdk}. */
    public static final String SWITCH = "smime.gateway.crypto";
    private static final int CONVERTED_KEYS = 64;
    private static final Set<String> NATIVE_KEY_TYPES = Set.of("RSA", "EC");
    private static final Provider SUN_JCE = Security.getProvider("SunJCE");

    /** A private key in the form a provider works with, and that provider. */
    public record ProviderKey(Provider provider, PrivateKey key) {
    }

    private static final class Current {
        static final PrivateKeyOperations INSTANCE = choose(System.getProperty(SWITCH, "auto"), PrivateKeyOperations::corretto);
    }

    /** ACCP, or null when the JDK's providers do everything. */
    private final Provider corretto;
    private final String description;
    private final Map<PrivateKey, Optional<PrivateKey>> convertedKeys = new ConcurrentHashMap<>();

    private PrivateKeyOperations(Provider corretto, String description) {
        this.corretto = corretto;
        this.description = description;
    }

    /** The choice for this JVM, made on first use from {@value #SWITCH}. */
    public static PrivateKeyOperations current() {
        return Current.INSTANCE;
    }

    /**
     * @param switchValue the value of {@value #SWITCH}
     * @param corretto    loads ACCP, or fails with the reason it cannot be used
     */
    static PrivateKeyOperations choose(String switchValue, Supplier<Provider> corretto) {
        String mode = switchValue.trim().toLowerCase(Locale.ROOT);
        if (mode.equals("jdk")) {
            return onTheJdk("ACCP switched off by " + SWITCH + "=jdk");
        }
        if (!mode.equals("auto")) {
            return onTheJdk("ACCP switched off: " + SWITCH + "=" + switchValue + " is neither auto nor jdk");
        }
        Provider provider;
        try {
            provider = corretto.get();
        } catch (LinkageError e) {
            return onTheJdk("ACCP not available: " + e);
        } catch (RuntimeException e) {
            return onTheJdk("ACCP not available: " + e.getMessage());
        }
        return new PrivateKeyOperations(provider, "RSA/EC private-key operations (signing, RSA PKCS#1 v1.5 decryption, ECDH): "
            + "Amazon Corretto Crypto Provider " + provider.getVersionStr() + " (native), which also checks CMS signatures first; "
            + "RSA-OAEP, Ed25519 and other public-key operations: JDK and Bouncy Castle");
    }

    private static PrivateKeyOperations onTheJdk(String reason) {
        return new PrivateKeyOperations(null, "RSA/EC private-key operations: JDK (" + reason + ")");
    }

    /** ACCP, once its native library is loaded and its self-tests pass. */
    static Provider corretto() {
        AmazonCorrettoCryptoProvider provider = AmazonCorrettoCryptoProvider.INSTANCE;
        Throwable error = provider.getLoadingError();
        if (error != null) {
            throw new IllegalStateException("its native library did not load: " + error, error);
        }
        provider.assertHealthy();
        return provider;
    }

    /** ACCP when it loaded and is chosen, for the operations routed to it ({@link SignatureChecks} too); empty: the JDK's providers. */
    public Optional<Provider> accelerated() {
        return Optional.ofNullable(corretto);
    }

    /** Which provider does what, and why, in one line for the log. */
    public String description() {
        return description;
    }

    /**
     * A {@link Signature} initialised to sign with the key: on ACCP for RSA and EC keys and the
     * algorithms it has, otherwise on the JDK.
     *
     * @param algorithm a name as {@link JdkContentSigner#create} takes it, such as {@code SHA256withRSAandMGF1}
     */
    public Signature signer(String algorithm, PrivateKey key) throws GeneralSecurityException {
        Optional<PrivateKey> converted = convertedKey(key);
        if (converted.isPresent()) {
            try {
                Signature signature = JdkContentSigner.signatureFor(algorithm, corretto);
                signature.initSign(converted.get());
                return signature;
            } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
                // an algorithm ACCP lacks: the JDK signs
            }
        }
        Signature signature = JdkContentSigner.signatureFor(algorithm);
        signature.initSign(key);
        return signature;
    }

    /**
     * Where to decrypt an RSA PKCS#1 v1.5 key transport (RSAES-PKCS1-v1_5) with this key: ACCP and the
     * key in its form, or empty when the JDK's providers do it with the key as it is. Not for RSA-OAEP.
     */
    public Optional<ProviderKey> rsaPkcs1Decryption(PrivateKey key) {
        return convertedKey(key).filter(converted -> converted.getAlgorithm().equals("RSA"))
            .map(converted -> new ProviderKey(corretto, converted));
    }

    /**
     * A content cipher by JCA transformation name (such as {@code AES/GCM/NoPadding}): on ACCP when it is
     * loaded and has the transformation (AES in AWS-LC), otherwise on the JDK's SunJCE, and on the default
     * lookup only when SunJCE is missing. Handed to the one operation that asks; never installed.
     */
    public Cipher contentCipher(String transformation) throws GeneralSecurityException {
        if (corretto != null) {
            try {
                return Cipher.getInstance(transformation, corretto);
            } catch (NoSuchAlgorithmException | NoSuchPaddingException e) {
                // a transformation ACCP lacks: the JDK decrypts
            }
        }
        return SUN_JCE != null ? Cipher.getInstance(transformation, SUN_JCE) : Cipher.getInstance(transformation);
    }

    /** ECDH, initialised with the EC private key: on ACCP when it takes the key (its curve), otherwise on the JDK. */
    public KeyAgreement ecdh(PrivateKey key) throws GeneralSecurityException {
        Optional<PrivateKey> converted = convertedKey(key);
        KeyAgreement agreement = converted.isPresent() ? KeyAgreement.getInstance("ECDH", corretto) : KeyAgreement.getInstance("ECDH");
        agreement.init(converted.orElse(key));
        return agreement;
    }

    private Optional<PrivateKey> convertedKey(PrivateKey key) {
        if (corretto == null || !NATIVE_KEY_TYPES.contains(key.getAlgorithm())) {
            return Optional.empty();
        }
        Optional<PrivateKey> converted = convertedKeys.get(key);
        if (converted == null) {
            // two threads may convert the same key at once: both results are the same key
            converted = convert(key);
            Iterator<PrivateKey> held = convertedKeys.keySet().iterator();
            while (convertedKeys.size() >= CONVERTED_KEYS && held.hasNext()) {
                held.next();
                held.remove();
            }
            convertedKeys.put(key, converted);
        }
        return converted;
    }

    /** How many converted keys are held; for tests. */
    int convertedKeyCount() {
        return convertedKeys.size();
    }

    /** Empty for a key ACCP does not take (a curve AWS-LC lacks, a key without an encoding): the JDK works with it. */
    private Optional<PrivateKey> convert(PrivateKey key) {
        try {
            return Optional.of((PrivateKey) KeyFactory.getInstance(key.getAlgorithm(), corretto).translateKey(key));
        } catch (GeneralSecurityException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
