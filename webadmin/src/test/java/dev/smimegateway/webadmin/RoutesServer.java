package dev.smimegateway.webadmin;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.apache.james.webadmin.authentication.AuthenticationFilter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.smimegateway.keystore.SmimeKeyStore;
import spark.Service;

/** The key store routes on a real Spark server on 127.0.0.1, as webadmin serves them, and a client that calls them. */
final class RoutesServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Service service;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private RoutesServer(Service service) {
        this.service = service;
    }

    static RoutesServer serving(SmimeKeyStore store) {
        return start(store, Service.ignite().ipAddress("127.0.0.1").port(0));
    }

    private static RoutesServer start(SmimeKeyStore store, Service service) {
        new SmimeKeyStoreRoutes(store).define(service);
        service.awaitInitialization();
        return new RoutesServer(service);
    }

    /**
     * The routes behind a stand-in for webadmin's JwtFilter: a request carrying the header
     * {@value #SUBJECT_HEADER} is treated as one whose JWT had that subject, which JwtFilter puts in
     * the request attribute {@code LOGIN} before the route runs.
     */
    static RoutesServer servingBehindJwt(SmimeKeyStore store) {
        Service service = Service.ignite().ipAddress("127.0.0.1").port(0);
        service.before((request, response) -> {
            String subject = request.headers(SUBJECT_HEADER);
            if (subject != null) {
                request.attribute(AuthenticationFilter.LOGIN, subject);
            }
        });
        return start(store, service);
    }

    static final String SUBJECT_HEADER = "X-Test-Jwt-Subject";

    HttpResponse<String> send(String method, String path, String body) throws Exception {
        return send(method, path, body, null);
    }

    /** Sends the request, as the JWT subject {@code subject} when it is not null (see {@link #servingBehindJwt}). */
    HttpResponse<String> send(String method, String path, String body, String subject) throws Exception {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
            .timeout(Duration.ofSeconds(30)).method(method, publisher);
        if (subject != null) {
            request.header(SUBJECT_HEADER, subject);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** As {@link #send}, keeping the answer's bytes (a PKCS#12 file). */
    HttpResponse<byte[]> sendForBytes(String method, String path, String body) throws Exception {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
            .timeout(Duration.ofSeconds(60)).method(method, publisher).build();
        return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    @Override
    public void close() {
        service.stop();
        service.awaitStop();
    }
}
