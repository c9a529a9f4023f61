package dev.smimegateway.core.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.smimegateway.core.revocation.RevocationSources.Answer;
import dev.smimegateway.core.testing.LocalHttpServer;
import dev.smimegateway.core.testing.RevocationPki.Authority;

/** Fetching CRLs over http: what is followed, what is refused, and how long answers are kept. */
class HttpRevocationSourcesTest {
    private static final Authority CA = Authority.root("Fetch Test CA");
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final MovableClock clock = new MovableClock(Instant.now());
    private final LocalHttpServer server = LocalHttpServer.startUnchecked();

    @AfterEach
    void stopServer() {
        server.close();
    }

    private Answer<X509CRL> fetch(HttpRevocationSources sources, String path) {
        return sources.crl(URI.create(server.url(path)), TIMEOUT);
    }

    @Test
    void aCrlIsKeptUntilItsNextUpdate() {
        server.serve("/ca.crl", SignerPathValidatorTest.encoded(CA.crl().nextUpdate(clock.instant().plus(Duration.ofHours(2))).build()));
        HttpRevocationSources sources = new HttpRevocationSources(clock);

        assertThat(fetch(sources, "/ca.crl").value()).isPresent();
        clock.advance(Duration.ofMinutes(119));
        assertThat(fetch(sources, "/ca.crl").value()).isPresent();
        assertThat(server.requests()).isEqualTo(1);
        clock.advance(Duration.ofMinutes(2));
        assertThat(fetch(sources, "/ca.crl").value()).isPresent();
        assertThat(server.requests()).isEqualTo(2);
    }

    @Test
    void aCrlIsKeptAtMostADay() {
        server.serve("/ca.crl", SignerPathValidatorTest.encoded(CA.crl().nextUpdate(clock.instant().plus(Duration.ofDays(30))).build()));
        HttpRevocationSources sources = new HttpRevocationSources(clock);

        fetch(sources, "/ca.crl");
        clock.advance(Duration.ofHours(24).plusSeconds(1));
        fetch(sources, "/ca.crl");

        assertThat(server.requests()).isEqualTo(2);
    }

    @Test
    void aFailureIsRememberedForFiveMinutesSoTheSourceIsNotHammered() {
        HttpRevocationSources sources = new HttpRevocationSources(clock);

        Answer<X509CRL> first = fetch(sources, "/missing.crl");
        Answer<X509CRL> second = fetch(sources, "/missing.crl");
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        fetch(sources, "/missing.crl");

        assertThat(first.problem()).isEqualTo("the CRL distribution point " + server.url("/missing.crl") + " answered HTTP 404");
        assertThat(second).isEqualTo(first);
        assertThat(server.requests()).isEqualTo(2);
    }

    @Test
    void aRedirectToAnotherHttpAddressIsFollowed() {
        server.serve("/moved.crl", LocalHttpServer.Answer.redirect(server.url("/ca.crl")));
        server.serve("/ca.crl", SignerPathValidatorTest.encoded(CA.crl().build()));

        assertThat(fetch(new HttpRevocationSources(clock), "/moved.crl").value()).isPresent();
    }

    @Test
    void aRedirectToAnotherSchemeIsNotFollowed() {
        server.serve("/moved.crl", LocalHttpServer.Answer.redirect("file:///etc/passwd"));

        assertThat(fetch(new HttpRevocationSources(clock), "/moved.crl").problem())
            .isEqualTo("the CRL distribution point " + server.url("/moved.crl") + " redirects to file:///etc/passwd, which is not an http address");
    }

    @Test
    void endlessRedirectsAreNotFollowed() {
        server.serve("/loop.crl", LocalHttpServer.Answer.redirect(server.url("/loop.crl")));

        assertThat(fetch(new HttpRevocationSources(clock), "/loop.crl").problem()).contains("answered with a redirect (HTTP 302) that is not followed");
        assertThat(server.requests()).isEqualTo(4);
    }

    @Test
    void anAnswerOverTheSizeCapIsRefused() {
        server.serve("/huge.crl", new byte[5000]);

        assertThat(new HttpRevocationSources(clock, 4096).crl(URI.create(server.url("/huge.crl")), TIMEOUT).problem())
            .isEqualTo("the CRL distribution point " + server.url("/huge.crl") + " sent 5000 bytes, more than the 4096 accepted");
    }

    @Test
    void anAnswerThatIsNotACrlIsNoCrl() {
        server.serve("/page.crl", new LocalHttpServer.Answer(200, Map.of("Content-Type", "text/html"), "<html>".getBytes()));

        assertThat(fetch(new HttpRevocationSources(clock), "/page.crl").problem()).startsWith("the CRL distribution point "
            + server.url("/page.crl") + " answered with something that is not a CRL");
    }

    @Test
    void onlyHttpAddressesAreFetched() {
        HttpRevocationSources sources = new HttpRevocationSources(clock);

        assertThat(sources.crl(URI.create("ldap://ldap.example/cn=CA?certificateRevocationList"), TIMEOUT).problem())
            .isEqualTo("the CRL distribution point ldap://ldap.example/cn=CA?certificateRevocationList is not an http address; only http is fetched");
        assertThat(sources.crl(URI.create("https://crl.example/ca.crl"), TIMEOUT).value()).isEmpty();
        assertThat(sources.crl(URI.create("file:///etc/passwd"), TIMEOUT).value()).isEmpty();
    }

    @Test
    void timeoutsReadAsAnAdministratorWouldWriteThem() {
        assertThat(HttpRevocationSources.describe(Duration.ofSeconds(5))).isEqualTo("5 s");
        assertThat(HttpRevocationSources.describe(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(HttpRevocationSources.describe(Duration.ofMillis(400))).isEqualTo("400 ms");
    }

}
