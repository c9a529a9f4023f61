package dev.smimegateway.webadmin;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

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
        Service service = Service.ignite().ipAddress("127.0.0.1").port(0);
        new SmimeKeyStoreRoutes(store).define(service);
        service.awaitInitialization();
        return new RoutesServer(service);
    }

    HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
            .timeout(Duration.ofSeconds(30)).method(method, publisher).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
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
