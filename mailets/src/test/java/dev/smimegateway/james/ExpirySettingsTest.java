package dev.smimegateway.james;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.apache.commons.configuration2.BaseConfiguration;
import org.junit.jupiter.api.Test;

class ExpirySettingsTest {
    private static ExpirySettings read(String key, String value) {
        BaseConfiguration configuration = new BaseConfiguration();
        configuration.setProperty(key, value);
        return ExpirySettings.from(configuration);
    }

    @Test
    void byDefaultWarnsThirtyDaysAheadOnceADayWithoutMail() {
        ExpirySettings settings = ExpirySettings.from(new BaseConfiguration());

        assertThat(settings.warningWindow()).isEqualTo(Duration.ofDays(30));
        assertThat(settings.checkInterval()).isEqualTo(Duration.ofHours(24));
        assertThat(settings.notifyPostmaster()).isFalse();
        assertThat(settings.checking()).isTrue();
    }

    @Test
    void readsEachSetting() {
        assertThat(read("expiry.warningDays", "60").warningWindow()).isEqualTo(Duration.ofDays(60));
        assertThat(read("expiry.warningDays", " 0 ").warningWindow()).isEqualTo(Duration.ZERO);
        assertThat(read("expiry.checkIntervalHours", "6").checkInterval()).isEqualTo(Duration.ofHours(6));
        assertThat(read("expiry.notifyPostmaster", "true").notifyPostmaster()).isTrue();
    }

    @Test
    void aZeroIntervalTurnsTheCheckOff() {
        assertThat(read("expiry.checkIntervalHours", "0").checking()).isFalse();
    }

    @Test
    void aWrongSettingStopsJamesAndNamesTheSetting() {
        for (String[] wrong : new String[][] {{"expiry.warningDays", "-1"}, {"expiry.warningDays", "thirty"}, {"expiry.warningDays", "3651"},
            {"expiry.checkIntervalHours", "1.5"}, {"expiry.checkIntervalHours", "8761"}, {"expiry.notifyPostmaster", "maybe"}}) {
            assertThatThrownBy(() -> read(wrong[0], wrong[1])).as(wrong[0] + "=" + wrong[1])
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("conf/smime.properties: " + wrong[0])
                .hasMessageContaining("'" + wrong[1] + "'");
        }
    }
}
