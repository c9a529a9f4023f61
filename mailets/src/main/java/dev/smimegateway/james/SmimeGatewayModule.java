package dev.smimegateway.james;

import java.io.FileNotFoundException;
import java.time.Clock;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.utils.PropertiesProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.inject.AbstractModule;
import com.google.inject.Provider;

import dev.smimegateway.core.crypto.PrivateKeyOperations;
import dev.smimegateway.keystore.EmbeddedDerby;
import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.inject.Inject;

/**
 * The Guice module that James loads from {@code conf/extensions.properties}:
 * <pre>
 * guice.extension.module=dev.smimegateway.james.SmimeGatewayModule
 * </pre>
 * It opens the key store once, when James starts, from {@code conf/smime.properties}
 * (see {@link KeyStoreConfiguration}); James refuses to start when the store cannot be opened (no
 * master secret, a wrong one, an unreadable database), rather than starting a gateway that would
 * then fail on every mail. The same {@link SmimeKeyStore} instance serves the mailets, the matchers
 * and the webadmin routes.
 *
 * <p>At the same time it logs, at INFO, which provider does the private-key operations (signing,
 * decryption): the Amazon Corretto Crypto Provider, bundled for Linux x86-64 and handed only to the
 * gateway's own operations, or the JDK where it does not load. Start James with
 * {@code -Dsmime.gateway.crypto=jdk} to keep everything on the JDK (see {@link PrivateKeyOperations}).
 * On Java 24 and later the JVM warns once that a native library was loaded unless James runs with
 * {@code --enable-native-access=ALL-UNNAMED}.
 *
 * <p>It also starts the daily {@link ExpiryScheduler expiry check} ({@link ExpirySettings}).
 */
public class SmimeGatewayModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(SmimeKeyStore.class).toProvider(KeyStoreProvider.class).asEagerSingleton();
        bind(ExpiryScheduler.class).asEagerSingleton();
    }

    static class KeyStoreProvider implements Provider<SmimeKeyStore> {
        private static final Logger LOGGER = LoggerFactory.getLogger(SmimeGatewayModule.class);

        private final PropertiesProvider propertiesProvider;
        private final FileSystem fileSystem;

        @Inject
        KeyStoreProvider(PropertiesProvider propertiesProvider, FileSystem fileSystem) {
            this.propertiesProvider = propertiesProvider;
            this.fileSystem = fileSystem;
        }

        @Override
        public SmimeKeyStore get() {
            KeyStoreConfiguration configuration;
            try {
                configuration = KeyStoreConfiguration.from(readConfiguration(), fileSystem.getBasedir().toPath());
            } catch (FileNotFoundException e) {
                throw new IllegalStateException("cannot find James's working directory: " + e.getMessage(), e);
            }
            SmimeKeyStore store = SmimeKeyStore.open(EmbeddedDerby.dataSource(configuration.derbyDirectory()),
                configuration.masterSecret(), Clock.systemUTC(), configuration.nodeName(), configuration.privateKeyExportSetting());
            java.util.Arrays.fill(configuration.masterSecret(), '\0');
            LOGGER.info("S/MIME {}", PrivateKeyOperations.current().description());
            LOGGER.info("S/MIME key store ready (embedded Derby at {}): {} identities, {} certificates, {} trust anchors; "
                + "audit trail node {}", configuration.derbyDirectory(), store.listIdentities().size(), store.listCertificates().size(),
                store.listTrustAnchors().size(), configuration.nodeName());
            return store;
        }

        private Configuration readConfiguration() {
            try {
                return propertiesProvider.getConfiguration("smime");
            } catch (FileNotFoundException e) {
                throw new IllegalStateException("conf/smime.properties is missing: the S/MIME gateway needs at least "
                    + KeyStoreConfiguration.MASTER_SECRET + " there", e);
            } catch (ConfigurationException e) {
                throw new IllegalStateException("conf/smime.properties cannot be read: " + e.getMessage(), e);
            }
        }
    }
}
