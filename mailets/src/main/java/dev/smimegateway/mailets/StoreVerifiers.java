package dev.smimegateway.mailets;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;

import org.apache.mailet.MailetException;
import org.apache.mailet.base.GenericMailet;

import dev.smimegateway.core.revocation.HttpRevocationSources;
import dev.smimegateway.core.revocation.RevocationSources;
import dev.smimegateway.core.revocation.SignerPathValidator;
import dev.smimegateway.core.smime.SmimeVerifier;
import dev.smimegateway.keystore.SmimeKeyStore;
import dev.smimegateway.keystore.TrustMaterial;

/**
 * Signature verifiers over the administrator's store, configured once from a mailet's parameters and
 * shared by SMimeVerify and SMimeDecrypt (which checks signatures over ciphertext), so that both
 * apply the same rules:
 * <pre>{@code
 * <allowSha1>false</allowSha1>                       <!-- true accepts SHA-1 signatures; MD5 never -->
 * <requireSignedAttributes>true</requireSignedAttributes>
 * <fetchRevocation>true</fetchRevocation>             <!-- fetch CRL distribution points and ask OCSP (http) -->
 * <revocationTimeoutSeconds>5</revocationTimeoutSeconds>
 * <staleCrl>fail</staleCrl>                           <!-- or accept: a CRL past its nextUpdate still says "not revoked" -->
 * <revocationUnavailable>fail</revocationUnavailable> <!-- or accept: a named CRL/OCSP source that cannot be reached -->
 * }</pre>
 * The trust anchors, intermediates and CRLs come from {@link SmimeKeyStore#trustMaterial()}: one
 * version row read per mail, the lists reloaded only after a change, so a change made over webadmin
 * (on any server sharing the store) applies to the next mail. Fetched CRLs and OCSP answers are
 * cached per mailet. One verifier is kept per version of the trust material (the store hands out the
 * same {@link TrustMaterial} until the version moves on), so that the certification paths it built are
 * reused (see {@code SignerPathValidator}); a change of the trust material makes a new verifier, with
 * nothing kept.
 */
final class StoreVerifiers {
    private final SmimeKeyStore keyStore;
    private final SmimeVerifier.Policy policy;
    private final SignerPathValidator.Settings revocation;
    private final RevocationSources sources;
    private final Clock clock;
    private final int maxBytes;
    private volatile Kept kept;

    /** The verifier made for one trust material. */
    private record Kept(TrustMaterial trust, SmimeVerifier verifier) {
    }

    private StoreVerifiers(SmimeKeyStore keyStore, SmimeVerifier.Policy policy, SignerPathValidator.Settings revocation,
                           RevocationSources sources, Clock clock, int maxBytes) {
        this.keyStore = keyStore;
        this.policy = policy;
        this.revocation = revocation;
        this.sources = sources;
        this.clock = clock;
        this.maxBytes = maxBytes;
    }

    static StoreVerifiers fromParameters(GenericMailet mailet, SmimeKeyStore keyStore, Clock clock, int maxBytes) throws MailetException {
        SmimeVerifier.Policy policy = new SmimeVerifier.Policy(MailetParameters.bool(mailet, "allowSha1", false),
            MailetParameters.bool(mailet, "requireSignedAttributes", true));
        int timeout = MailetParameters.wholeNumber(mailet, "revocationTimeoutSeconds", 5, 1, 120);
        SignerPathValidator.Settings revocation = SignerPathValidator.Settings.defaults()
            .withFetchRevocation(MailetParameters.bool(mailet, "fetchRevocation", true))
            .withFetchTimeout(Duration.ofSeconds(timeout))
            .withStaleCrlFails(failOrAccept(mailet, "staleCrl"))
            .withUnavailableFails(failOrAccept(mailet, "revocationUnavailable"));
        return new StoreVerifiers(keyStore, policy, revocation, new HttpRevocationSources(clock), clock, maxBytes);
    }

    /** A verifier over the store as it is now. */
    SmimeVerifier verifier() {
        TrustMaterial trust = keyStore.trustMaterial();
        Kept current = kept;
        if (current != null && current.trust() == trust) {
            return current.verifier();
        }
        SmimeVerifier verifier = newVerifier(trust);
        kept = new Kept(trust, verifier);
        return verifier;
    }

    private SmimeVerifier newVerifier(TrustMaterial trust) {
        return SmimeVerifier.builder(trust.trustAnchors())
            .intermediates(trust.intermediates())
            .crls(trust.crls())
            .partnerCertificates(keyStore::partnerCertificatesFor)
            .policy(policy)
            .revocation(revocation, sources)
            .clock(clock)
            .maxBytes(maxBytes)
            .build();
    }

    private static boolean failOrAccept(GenericMailet mailet, String name) throws MailetException {
        String value = mailet.getInitParameter(name, "fail").trim().toLowerCase(Locale.ROOT);
        if (value.equals("fail") || value.equals("accept")) {
            return value.equals("fail");
        }
        throw new MailetException(mailet.getClass().getSimpleName() + ": " + name + " must be fail or accept, not '" + value + "'");
    }
}
