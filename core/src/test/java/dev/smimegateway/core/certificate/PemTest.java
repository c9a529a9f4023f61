package dev.smimegateway.core.certificate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class PemTest {

    @Test
    void refusesTextWithoutCertificateBlocks() {
        assertThatThrownBy(() -> Pem.readBundle("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
            .isInstanceOf(CertificateRejectedException.class)
            .hasMessageContaining("no PEM certificate found");
    }

    @Test
    void reportsEachBrokenBlockWithItsNameAndPosition() {
        String text = "name: first\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
            + "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";

        List<Pem.Entry> entries = Pem.readBundle(text);

        assertThat(entries).hasSize(2);
        assertThat(entries.get(0).index()).isEqualTo(1);
        assertThat(entries.get(0).name()).contains("first");
        assertThat(entries.get(0).error().orElseThrow()).contains("not a valid X.509 certificate");
        assertThat(entries.get(1).name()).isEmpty();
        assertThat(entries.get(1).certificate()).isEmpty();
    }

    @Test
    void chainReadingFailsOnTheFirstBrokenCertificate() {
        byte[] text = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> Pem.readChain(text))
            .isInstanceOf(CertificateRejectedException.class)
            .hasMessageContaining("certificate 1 of the PEM text is invalid");
    }

    @Test
    void writesSixtyFourCharacterLines() {
        String block = Pem.block("CERTIFICATE", new byte[100]);

        assertThat(block).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
        assertThat(block.split("\n")[1]).hasSize(64);
    }
}
