package dev.smimegateway.core.smime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.bouncycastle.asn1.ASN1UTCTime;
import org.junit.jupiter.api.Test;

/** The signing time read directly from a UTCTime is the instant Bouncy Castle reads, and odd forms are left to Bouncy Castle. */
class SigningTimeTest {
    @Test
    void everyPlainUtcTimeIsReadAsBouncyCastleReadsIt() throws Exception {
        Random random = new Random(9);
        for (int i = 0; i < 3000; i++) {
            String text = String.format("%02d%02d%02d%02d%02d%02dZ", random.nextInt(100), 1 + random.nextInt(12), 1 + random.nextInt(28),
                random.nextInt(24), random.nextInt(60), random.nextInt(60));

            assertThat(SmimeVerifier.plainUtcTime(text)).as(text).contains(new ASN1UTCTime(text).getAdjustedDate().toInstant());
        }
    }

    @Test
    void otherFormsAndImpossibleDatesAreLeftToBouncyCastle() {
        for (String text : new String[] {"2601011200Z", "260101120000+0100", "260101120000", "261301120000Z", "260230120000Z",
            "2601011200001Z", "26010112000aZ", "260101246000Z"}) {
            assertThat(SmimeVerifier.plainUtcTime(text)).as(text).isEmpty();
        }
    }
}
