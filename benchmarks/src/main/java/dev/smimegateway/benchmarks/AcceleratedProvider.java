package dev.smimegateway.benchmarks;

import java.security.Provider;
import java.util.Optional;

/**
 * HOOK for a second configuration: the Amazon Corretto Crypto Provider, when it is on the class path
 * (the core module may route RSA and EC private-key operations to it). Found by reflection so that the
 * suite builds and runs without it; when found, the limit part adds its raw rates as rows of their own.
 * To add a second engine column (the engine with the JDK only, next to the engine with it), give the
 * core module a switch that turns the routing off and run {@link EngineBenchmark} once per setting.
 */
final class AcceleratedProvider {
    private static final String CLASS_NAME = "com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider";

    private AcceleratedProvider() {
    }

    static Optional<Provider> find() {
        try {
            Provider provider = (Provider) Class.forName(CLASS_NAME).getField("INSTANCE").get(null);
            return provider.getClass().getMethod("getLoadingError").invoke(provider) == null ? Optional.of(provider) : Optional.empty();
        } catch (ReflectiveOperationException | LinkageError e) {
            return Optional.empty();
        }
    }
}
