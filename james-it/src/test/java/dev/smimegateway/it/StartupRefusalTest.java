package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** A gateway that cannot protect its keys must not start: no master secret, no server. */
class StartupRefusalTest {

    @Test
    void refusesToStartWithoutMasterSecret() throws Exception {
        try (RealJamesServer james = RealJamesServer.withPolicy(RealJamesServer.DEMO_POLICY, "# no secret")) {
            int exit = james.startExpectingExit(Duration.ofSeconds(120));

            assertThat(exit).isNotZero();
            assertThat(james.log()).contains("conf/smime.properties has no keystore.master.secret");
        }
    }

    @Test
    void demoModeGeneratesAndKeepsAMasterSecretWithAWarning() throws Exception {
        String secretFile;
        try (RealJamesServer james = RealJamesServer.withPolicy(RealJamesServer.DEMO_POLICY, "keystore.master.secret.generate=true").start()) {
            assertThat(james.log()).contains("DEMO MODE: generated the S/MIME key store master secret");
            secretFile = java.nio.file.Files.readString(james.workDir().resolve("var/smime/master-secret"));
            assertThat(secretFile).hasSizeGreaterThanOrEqualTo(40);
        }
    }
}
