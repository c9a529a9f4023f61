package dev.smimegateway.james;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.apache.commons.configuration2.BaseConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.keystore.SmimeKeyStore;

class KeyStoreConfigurationTest {
    @TempDir
    Path james;

    @Test
    void refusesToStartWithoutMasterSecret() {
        assertThatThrownBy(() -> KeyStoreConfiguration.from(new BaseConfiguration(), james))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("conf/smime.properties has no keystore.master.secret");
    }

    @Test
    void readsTheMasterSecretAndPutsDerbyUnderVar() {
        BaseConfiguration configuration = new BaseConfiguration();
        configuration.setProperty("keystore.master.secret", "  a-secret-of-enough-length  ");

        KeyStoreConfiguration settings = KeyStoreConfiguration.from(configuration, james);

        assertThat(new String(settings.masterSecret())).isEqualTo("a-secret-of-enough-length");
        assertThat(settings.derbyDirectory()).isEqualTo(james.resolve("var/smime/keystore"));
    }

    @Test
    void derbyDirectoryCanBeMoved() {
        BaseConfiguration configuration = new BaseConfiguration();
        configuration.setProperty("keystore.master.secret", "a-secret-of-enough-length");
        configuration.setProperty("keystore.derby.directory", "/srv/keys/db");

        assertThat(KeyStoreConfiguration.from(configuration, james).derbyDirectory()).isEqualTo(Path.of("/srv/keys/db"));
    }

    @Test
    void theAuditTrailNodeIsTheHostNameUnlessNamed() {
        BaseConfiguration configuration = new BaseConfiguration();
        configuration.setProperty("keystore.master.secret", "a-secret-of-enough-length");
        assertThat(KeyStoreConfiguration.from(configuration, james).nodeName()).isEqualTo(SmimeKeyStore.hostName()).isNotBlank();

        configuration.setProperty("gateway.node.name", " mx1 ");
        assertThat(KeyStoreConfiguration.from(configuration, james).nodeName()).isEqualTo("mx1");

        configuration.setProperty("gateway.node.name", "x".repeat(256));
        assertThatThrownBy(() -> KeyStoreConfiguration.from(configuration, james)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("gateway.node.name must be 1 to 255 printable characters");
    }

    @Test
    void demoModeGeneratesOneSecretOwnerReadableAndReusesIt() throws Exception {
        BaseConfiguration configuration = new BaseConfiguration();
        configuration.setProperty("keystore.master.secret.generate", "true");

        char[] first = KeyStoreConfiguration.from(configuration, james).masterSecret();
        char[] second = KeyStoreConfiguration.from(configuration, james).masterSecret();

        Path file = james.resolve("var/smime/master-secret");
        assertThat(first).hasSize(44).isEqualTo(second);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void privateKeyExportIsOffUnlessSetToTrue() {
        BaseConfiguration configuration = new BaseConfiguration();
        configuration.setProperty("keystore.master.secret", "a-secret-of-enough-length");
        assertThat(KeyStoreConfiguration.from(configuration, james).privateKeyExportSetting())
            .isEqualTo(dev.smimegateway.keystore.SmimeKeyStore.PrivateKeyExport.REFUSED);

        configuration.setProperty("keystore.export.privateKeys", "true");
        assertThat(KeyStoreConfiguration.from(configuration, james).privateKeyExportSetting())
            .isEqualTo(dev.smimegateway.keystore.SmimeKeyStore.PrivateKeyExport.ALLOWED);

        configuration.setProperty("keystore.export.privateKeys", "yes");
        assertThatThrownBy(() -> KeyStoreConfiguration.from(configuration, james))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("keystore.export.privateKeys must be true or false, not 'yes'");
    }
}
