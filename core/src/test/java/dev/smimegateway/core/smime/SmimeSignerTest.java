package dev.smimegateway.core.smime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Date;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SmimeSignerTest {
    @Test
    void boundariesAreRandomVersion4Uuids() {
        java.util.Set<java.util.UUID> seen = new java.util.HashSet<>();
        for (int i = 0; i < 1000; i++) {
            java.util.UUID uuid = SmimeSigner.boundaryUuid();

            assertThat(uuid.version()).isEqualTo(4);
            assertThat(uuid.variant()).isEqualTo(2);
            assertThat(seen.add(uuid)).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-12-02T15:04:05.987Z", "1950-01-01T00:00:00Z", "2049-12-31T23:59:59.999Z", "2050-01-01T00:00:00Z",
        "1949-12-31T23:59:59Z", "2000-02-29T12:00:00Z"})
    void theSigningTimeIsEncodedAsBouncyCastleEncodesIt(String instant) throws Exception {
        Instant now = Instant.parse(instant);

        assertThat(new DERSet(SmimeSigner.signingTime(now)).getEncoded(ASN1Encoding.DER))
            .isEqualTo(new DERSet(new Time(Date.from(now))).getEncoded(ASN1Encoding.DER));
    }
}
