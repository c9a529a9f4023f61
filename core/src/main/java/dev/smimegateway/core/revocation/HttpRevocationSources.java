package dev.smimegateway.core.revocation;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.SingleResp;

/**
 * Fetches CRLs and asks OCSP responders over plain http (RFC 5280 §4.2.1.13 and RFC 6960 appendix
 * A: both are signed objects, so http is what CAs publish; ldap is not fetched). Redirects are
 * followed only to other http addresses, at most {@value #MAX_REDIRECTS} times; answers over
 * {@link #MAX_ANSWER_BYTES} bytes are refused.
 *
 * <p>Answers are cached for all mail the instance serves: a CRL until its nextUpdate (at most 24
 * hours), an OCSP response until its nextUpdate (at most one hour), and a failure for five minutes,
 * so that an unreachable responder costs one timeout every five minutes rather than one per mail.
 * A CRL already past its nextUpdate when fetched is kept only five minutes, then fetched again.
 * Thread-safe.
 */
public final class HttpRevocationSources implements RevocationSources {
    public static final int MAX_ANSWER_BYTES = 10 * 1024 * 1024;
    static final Duration CRL_KEPT_AT_MOST = Duration.ofHours(24);
    static final Duration OCSP_KEPT_AT_MOST = Duration.ofHours(1);
    static final Duration FAILURE_KEPT = Duration.ofMinutes(5);
    private static final int MAX_REDIRECTS = 3;
    private static final int MAX_CACHED_ANSWERS = 10_000;
    private static final long MAX_CACHED_BYTES = 128L * 1024 * 1024;

    private final Clock clock;
    private final int maxAnswerBytes;
    private final RevocationCache cache;

    public HttpRevocationSources() {
        this(Clock.systemUTC());
    }

    public HttpRevocationSources(Clock clock) {
        this(clock, MAX_ANSWER_BYTES);
    }

    HttpRevocationSources(Clock clock, int maxAnswerBytes) {
        this.clock = clock;
        this.maxAnswerBytes = maxAnswerBytes;
        this.cache = new RevocationCache(clock, MAX_CACHED_ANSWERS, MAX_CACHED_BYTES);
    }

    @Override
    public Answer<X509CRL> crl(URI location, Duration timeout) {
        String role = "the CRL distribution point " + location;
        if (!isHttp(location)) {
            return Answer.unavailable(role + " is not an http address; only http is fetched");
        }
        return cache.get("crl " + location, () -> fetchCrl(role, location, timeout), this::crlKeeping);
    }

    @Override
    public Answer<BasicOCSPResp> ocsp(URI responder, CertificateID certificate, Duration timeout) {
        String role = "the OCSP responder " + responder;
        if (!isHttp(responder)) {
            return Answer.unavailable(role + " is not an http address; only http is asked");
        }
        return cache.get("ocsp " + responder + " " + certificateKey(certificate), () -> askOcsp(role, responder, certificate, timeout),
            this::ocspKeeping);
    }

    /** How many answers (and failures) are cached now. */
    int cachedAnswers() {
        return cache.size();
    }

    private Answer<X509CRL> fetchCrl(String role, URI location, Duration timeout) {
        try {
            byte[] body = exchange(role, location, Optional.empty(), timeout);
            return Answer.of((X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(body)));
        } catch (FetchFailure e) {
            return Answer.unavailable(e.getMessage());
        } catch (CRLException | CertificateException | RuntimeException e) {
            return Answer.unavailable(role + " answered with something that is not a CRL (" + e.getMessage() + ")");
        }
    }

    private Answer<BasicOCSPResp> askOcsp(String role, URI responder, CertificateID certificate, Duration timeout) {
        try {
            byte[] request = new OCSPReqBuilder().addRequest(certificate).build().getEncoded();
            OCSPResp response = new OCSPResp(exchange(role, responder, Optional.of(request), timeout));
            if (response.getStatus() != OCSPResp.SUCCESSFUL) {
                return Answer.unavailable(role + " refused to answer (" + statusName(response.getStatus()) + ")");
            }
            if (!(response.getResponseObject() instanceof BasicOCSPResp)) {
                return Answer.unavailable(role + " answered with a response type other than the basic OCSP response");
            }
            return Answer.of((BasicOCSPResp) response.getResponseObject());
        } catch (FetchFailure e) {
            return Answer.unavailable(e.getMessage());
        } catch (OCSPException | IOException | RuntimeException e) {
            return Answer.unavailable(role + " answered with something that is not an OCSP response (" + e.getMessage() + ")");
        }
    }

    private RevocationCache.Keeping crlKeeping(Answer<X509CRL> answer) {
        Instant now = clock.instant();
        if (answer.value().isEmpty()) {
            return new RevocationCache.Keeping(now.plus(FAILURE_KEPT), answer.problem().length());
        }
        X509CRL crl = answer.value().get();
        return new RevocationCache.Keeping(keptUntil(now, Optional.ofNullable(crl.getNextUpdate()), CRL_KEPT_AT_MOST), weight(crl));
    }

    private RevocationCache.Keeping ocspKeeping(Answer<BasicOCSPResp> answer) {
        Instant now = clock.instant();
        if (answer.value().isEmpty()) {
            return new RevocationCache.Keeping(now.plus(FAILURE_KEPT), answer.problem().length());
        }
        Optional<Date> earliestNextUpdate = Optional.empty();
        for (SingleResp single : answer.value().get().getResponses()) {
            Date next = single.getNextUpdate();
            if (next != null && (earliestNextUpdate.isEmpty() || next.before(earliestNextUpdate.get()))) {
                earliestNextUpdate = Optional.of(next);
            }
        }
        long weight;
        try {
            weight = answer.value().get().getEncoded().length;
        } catch (IOException e) {
            weight = MAX_CACHED_BYTES;
        }
        return new RevocationCache.Keeping(keptUntil(now, earliestNextUpdate, OCSP_KEPT_AT_MOST), weight);
    }

    /** Until nextUpdate, at most {@code atMost}; an answer already out of date is asked again after the failure delay. */
    private static Instant keptUntil(Instant now, Optional<Date> nextUpdate, Duration atMost) {
        Instant until = now.plus(atMost);
        if (nextUpdate.isPresent() && nextUpdate.get().toInstant().isBefore(until)) {
            until = nextUpdate.get().toInstant();
        }
        return until.isAfter(now) ? until : now.plus(FAILURE_KEPT);
    }

    private static long weight(X509CRL crl) {
        try {
            return crl.getEncoded().length;
        } catch (CRLException e) {
            return MAX_CACHED_BYTES;
        }
    }

    private byte[] exchange(String role, URI location, Optional<byte[]> post, Duration timeout) throws FetchFailure {
        URI current = location;
        for (int redirects = 0; ; redirects++) {
            HttpURLConnection connection = open(role, current, timeout);
            try {
                if (post.isPresent()) {
                    send(connection, post.get());
                }
                int status = connection.getResponseCode();
                if (status >= 300 && status < 400 && status != 304) {
                    current = redirectTarget(role, current, connection, status, post.isPresent() || redirects >= MAX_REDIRECTS);
                    connection.disconnect();
                    continue;
                }
                if (status != HttpURLConnection.HTTP_OK) {
                    throw new FetchFailure(role + " answered HTTP " + status);
                }
                if (connection.getContentLengthLong() > maxAnswerBytes) {
                    throw new FetchFailure(role + " sent " + connection.getContentLengthLong() + " bytes, more than the "
                        + maxAnswerBytes + " accepted");
                }
                try (InputStream in = connection.getInputStream()) {
                    return readAtMost(role, in, timeout);
                }
            } catch (SocketTimeoutException e) {
                connection.disconnect();
                throw new FetchFailure(role + " did not answer within " + describe(timeout));
            } catch (ConnectException e) {
                connection.disconnect();
                throw new FetchFailure(role + " refused the connection");
            } catch (UnknownHostException e) {
                connection.disconnect();
                throw new FetchFailure("the host of " + role + " is unknown");
            } catch (IOException e) {
                connection.disconnect();
                throw new FetchFailure(role + " cannot be reached (" + e.getMessage() + ")");
            } catch (FetchFailure e) {
                connection.disconnect();
                throw e;
            }
        }
    }

    private static HttpURLConnection open(String role, URI current, Duration timeout) throws FetchFailure {
        try {
            HttpURLConnection connection = (HttpURLConnection) current.toURL().openConnection();
            int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
            connection.setConnectTimeout(millis);
            connection.setReadTimeout(millis);
            connection.setInstanceFollowRedirects(false);
            connection.setUseCaches(false);
            return connection;
        } catch (IOException | IllegalArgumentException | ClassCastException e) {
            throw new FetchFailure(role + " cannot be reached (" + e.getMessage() + ")");
        }
    }

    private static void send(HttpURLConnection connection, byte[] request) throws IOException {
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setRequestProperty("Content-Type", "application/ocsp-request");
        connection.setRequestProperty("Accept", "application/ocsp-response");
        connection.setFixedLengthStreamingMode(request.length);
        try (OutputStream out = connection.getOutputStream()) {
            out.write(request);
        }
    }

    private static URI redirectTarget(String role, URI current, HttpURLConnection connection, int status, boolean refused)
        throws FetchFailure {
        String target = connection.getHeaderField("Location");
        if (refused || target == null) {
            throw new FetchFailure(role + " answered with a redirect (HTTP " + status + ") that is not followed");
        }
        URI next;
        try {
            next = current.resolve(target.trim());
        } catch (IllegalArgumentException e) {
            throw new FetchFailure(role + " redirects to an unreadable address " + target);
        }
        if (!isHttp(next)) {
            throw new FetchFailure(role + " redirects to " + next + ", which is not an http address");
        }
        return next;
    }

    /** Reads the body, refusing more than the cap, and giving up when the server trickles it beyond twice the timeout. */
    private byte[] readAtMost(String role, InputStream in, Duration timeout) throws IOException, FetchFailure {
        long deadline = System.nanoTime() + 2 * timeout.toNanos();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        int read;
        while ((read = in.read(buffer, 0, buffer.length)) != -1) {
            body.write(buffer, 0, read);
            if (body.size() > maxAnswerBytes) {
                throw new FetchFailure(role + " sent more than the " + maxAnswerBytes + " bytes accepted");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new FetchFailure(role + " did not finish its answer within " + describe(timeout.multipliedBy(2)));
            }
        }
        return body.toByteArray();
    }

    static boolean isHttp(URI location) {
        return location.isAbsolute() && "http".equalsIgnoreCase(location.getScheme()) && location.getHost() != null;
    }

    /** "5 s", "1.5 s", "200 ms": how a mail administrator reads a timeout. */
    static String describe(Duration timeout) {
        long millis = timeout.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    private static String certificateKey(CertificateID certificate) {
        try {
            return HexFormat.of().formatHex(certificate.toASN1Primitive().getEncoded());
        } catch (IOException e) {
            throw new IllegalStateException("a CertID cannot be encoded", e);
        }
    }

    private static String statusName(int status) {
        switch (status) {
            case OCSPResp.MALFORMED_REQUEST:
                return "malformedRequest";
            case OCSPResp.INTERNAL_ERROR:
                return "internalError";
            case OCSPResp.TRY_LATER:
                return "tryLater";
            case OCSPResp.SIG_REQUIRED:
                return "sigRequired";
            case OCSPResp.UNAUTHORIZED:
                return "unauthorized";
            default:
                return "status " + status;
        }
    }

    /** Why one fetch delivered nothing, in words for the mail administrator. */
    private static final class FetchFailure extends Exception {
        private static final long serialVersionUID = 1L;

        FetchFailure(String message) {
            super(message, null, false, false);
        }
    }
}
