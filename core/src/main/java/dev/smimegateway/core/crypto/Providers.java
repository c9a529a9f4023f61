package dev.smimegateway.core.crypto;

import java.security.Provider;

import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The one Bouncy Castle provider instance the engine hands to the few operations the JDK cannot do
 * (ECDH with an X9.63 KDF, AES-GCM parameters by CMS OID, RSA-OAEP by OID on Bouncy Castle 1.70,
 * RSA-PSS verification by CMS names). It is passed explicitly and never installed JVM-wide, so
 * James and everything else keep the JDK's providers.
 */
public final class Providers {
    public static final Provider BOUNCY_CASTLE = new BouncyCastleProvider();

    private Providers() {
    }
}
