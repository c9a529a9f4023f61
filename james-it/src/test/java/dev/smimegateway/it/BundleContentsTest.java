package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each flavour of the bundle speaks only its James line's namespaces and carries nothing that James
 * already ships (James loads extension jars parent-first, so a second copy would be dead weight or,
 * worse, half-used). It does carry the Amazon Corretto Crypto Provider, unrelocated: its native
 * library binds to the provider's own class names and is loaded from its own package in the jar.
 */
class BundleContentsTest {

    @ParameterizedTest
    @CsvSource({"james38, jakarta/", "james39, javax/mail"})
    void flavourHasOurClassesAndDerbyButNoForeignNamespaceOrJamesLibraries(String flavour, String foreignNamespace) throws IOException {
        Path jar = bundle(flavour);
        List<String> names = new ArrayList<>();
        List<String> foreign = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : java.util.Collections.list(file.entries())) {
                names.add(entry.getName());
                if (entry.getName().startsWith("dev/smimegateway/") && entry.getName().endsWith(".class")) {
                    String constants = new String(file.getInputStream(entry).readAllBytes(), StandardCharsets.ISO_8859_1);
                    if (constants.contains(foreignNamespace)) {
                        foreign.add(entry.getName());
                    }
                }
            }
        }

        assertThat(names).contains("dev/smimegateway/james/SmimeGatewayModule.class",
            "dev/smimegateway/webadmin/SmimeKeyStoreRoutes.class", "org/apache/derby/jdbc/EmbeddedDataSource.class",
            "com/amazon/corretto/crypto/provider/AmazonCorrettoCryptoProvider.class",
            "com/amazon/corretto/crypto/provider/libamazonCorrettoCryptoProvider.so",
            "com/amazon/corretto/crypto/provider/version.properties");
        assertThat(foreign).isEmpty();
        assertThat(names).noneMatch(name -> name.startsWith("org/bouncycastle/") || name.startsWith("com/google/")
            || name.startsWith("com/fasterxml/") || name.startsWith("org/slf4j/") || name.startsWith("org/apache/mailet/")
            || name.startsWith("spark/"));
    }

    private static Path bundle(String flavour) throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("bundle.dir")))) {
            return files.filter(file -> file.getFileName().toString().endsWith("-" + flavour + ".jar")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + flavour + " bundle in " + System.getProperty("bundle.dir")));
        }
    }
}
