package dev.smimegateway.core.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * TEST-ONLY: an http server on 127.0.0.1 and a free port that serves fixed answers by path and
 * counts the requests it receives, e.g. a CRL distribution point.
 */
public final class LocalHttpServer implements AutoCloseable {
    /** What a path answers: a status, headers and a body. */
    public record Answer(int status, Map<String, String> headers, byte[] body) {
        public static Answer ok(byte[] body) {
            return new Answer(200, Map.of(), body);
        }

        public static Answer redirect(String location) {
            return new Answer(302, Map.of("Location", location), new byte[0]);
        }
    }

    private final HttpServer server;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();

    private LocalHttpServer(HttpServer server) {
        this.server = server;
    }

    public static LocalHttpServer start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        LocalHttpServer local = new LocalHttpServer(server);
        server.createContext("/", local::handle);
        server.start();
        return local;
    }

    /** {@link #start()} for field initialisers. */
    public static LocalHttpServer startUnchecked() {
        try {
            return start();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public LocalHttpServer serve(String path, Answer answer) {
        answers.put(path, answer);
        return this;
    }

    public LocalHttpServer serve(String path, byte[] body) {
        return serve(path, Answer.ok(body));
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    public int requests() {
        return requests.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        exchange.getRequestBody().readAllBytes();
        Answer answer = answers.getOrDefault(exchange.getRequestURI().getPath(), new Answer(404, Map.of(), new byte[0]));
        answer.headers().forEach((name, value) -> exchange.getResponseHeaders().put(name, List.of(value)));
        exchange.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer.body());
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
