package dev.smimegateway.core.certificate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MailAddressesTest {

    @ParameterizedTest
    @CsvSource({
        "example.com, example.com, true",
        "example.com, EXAMPLE.com, true",
        "example.com, sales.example.com, false",
        "*.example.net, sales.example.net, true",
        "*.example.net, example.net, false",
        "*.example.net, a.b.example.net, false",
        "*.example.net, badexample.net, false",
        "*.com, example.com, false",
        "*.example.net, .example.net, false"})
    void domainPatternCoversExactlyTheDocumentedDomains(String pattern, String domain, boolean covered) {
        assertThat(MailAddresses.domainPatternCovers(pattern, domain)).isEqualTo(covered);
    }

    @ParameterizedTest
    @CsvSource({
        "alice@example.com, true",
        "alice.smith+tag@sub.example.co.uk, true",
        "alice@localhost, false",
        "alice, false",
        "@example.com, false",
        "alice@@example.com, false",
        "'Alice <alice@example.com>', false",
        "alice@exa_mple.com, false"})
    void acceptsOnlyPlainAddresses(String address, boolean valid) {
        assertThat(MailAddresses.isValidAddress(address)).isEqualTo(valid);
    }

    @ParameterizedTest
    @CsvSource({"example.com, true", "*.example.com, true", "*.com, false", "exa mple.com, false", "-x.com, false"})
    void acceptsDomainsAndOneLevelWildcards(String pattern, boolean valid) {
        assertThat(MailAddresses.isValidDomainPattern(pattern)).isEqualTo(valid);
    }
}
