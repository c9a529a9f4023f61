package dev.smimegateway.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OpenSslSpeedTest {
    /** The summary of OpenSSL 3.0's {@code openssl speed -multi 2 rsa2048 ecdsap256}, as printed here. */
    private static final String OUTPUT = """
        Forked child 0
        +R1:16934:2048:10.00
        version: 3.0.19
        CPUINFO: OPENSSL_ia32cap=0xfffa3203078bffff:0x405fc6f1bf07ab
                          sign    verify    sign/s verify/s
        rsa 2048 bits 0.000117s 0.000007s   8518.0 150953.4
                                      sign    verify    sign/s verify/s
         256 bits ecdsa (nistp256)   0.0000s   0.0000s 132204.3  46413.9
        """;

    @Test
    void readsSignAndVerifyRatesOfBothAlgorithms() {
        assertThat(OpenSslSpeed.parse(OUTPUT)).containsEntry("rsa2048", new OpenSslSpeed.SignVerify(8518.0, 150953.4))
            .containsEntry("ecdsap256", new OpenSslSpeed.SignVerify(132204.3, 46413.9));
    }

    @Test
    void aFailedAlgorithmIsAbsentRatherThanZero() {
        assertThat(OpenSslSpeed.parse("rsa 2048 bits skipped\n")).isEmpty();
    }
}
