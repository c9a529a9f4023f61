package dev.smimegateway.benchmarks;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import dev.smimegateway.core.testing.TestPki;

/**
 * Part 6, the Java peer: Apache James's own {@code SMIMESign} mailet (apache-mailet-crypto 3.0.0, with
 * its javax.mail 1.5.4, Bouncy Castle 1.52 and mailet API 3.0.0) in a class loader of its own over the
 * jars in {@code peer-lib}, driven through reflection and proxies of its mailet API: one instance for
 * all threads, as James runs it, on the same 4 KB message and Alice's key. Its defaults apply:
 * SHA1withRSA in Bouncy Castle's provider, the message wrapped with an explanation part. Bouncy
 * Castle signs when the message is written, so each mail is serviced and then written once.
 * Runs last: its key holder installs Bouncy Castle 1.52 as a JVM-wide provider.
 */
final class JamesSignPeer {
    private static final String MAILET = "org.apache.james.transport.mailets.SMIMESign";
    private static final String PASSWORD = "peer";

    private final ClassLoader loader;
    private final Object mailet;
    private final Object sender;
    private final Object recipient;
    private final String authUserAttribute;
    private final Method service;
    private final Method writeTo;
    private final Method contentType;
    private final Object session;
    private final java.lang.reflect.Constructor<?> mimeMessage;

    private JamesSignPeer(ClassLoader loader, Path keyStore) throws Exception {
        this.loader = loader;
        Class<?> mailAddress = loader.loadClass("org.apache.mailet.MailAddress");
        this.sender = mailAddress.getConstructor(String.class).newInstance(Fixtures.ALICE);
        this.recipient = mailAddress.getConstructor(String.class).newInstance(Fixtures.BOB);
        Class<?> mailInterface = loader.loadClass("org.apache.mailet.Mail");
        this.authUserAttribute = (String) mailInterface.getField("SMTP_AUTH_USER_ATTRIBUTE_NAME").get(null);
        Class<?> mimeMessageClass = loader.loadClass("javax.mail.internet.MimeMessage");
        Class<?> sessionClass = loader.loadClass("javax.mail.Session");
        this.session = sessionClass.getMethod("getDefaultInstance", Properties.class).invoke(null, new Properties());
        this.mimeMessage = mimeMessageClass.getConstructor(sessionClass, InputStream.class);
        this.writeTo = mimeMessageClass.getMethod("writeTo", OutputStream.class);
        this.contentType = mimeMessageClass.getMethod("getContentType");

        this.mailet = loader.loadClass(MAILET).getConstructor().newInstance();
        Field users = loader.loadClass("org.apache.james.transport.mailets.AbstractSign").getDeclaredField("usersRepository");
        users.setAccessible(true);
        users.set(mailet, proxy("org.apache.james.user.api.UsersRepository", Map.of("supportVirtualHosting", args -> true)));
        Object postmaster = mailAddress.getConstructor(String.class).newInstance("postmaster@example.com");
        Object context = proxy("org.apache.mailet.MailetContext", Map.of("getPostmaster", args -> postmaster));
        Map<String, String> parameters = Map.of("keyStoreFileName", keyStore.toString(), "keyStorePassword", PASSWORD,
            "keyStoreType", "PKCS12");
        Object config = proxy("org.apache.mailet.MailetConfig", Map.of(
            "getInitParameter", args -> parameters.get((String) args[0]),
            "getInitParameterNames", args -> parameters.keySet().iterator(),
            "getMailetContext", args -> context,
            "getMailetName", args -> "SMIMESign"));
        Class<?> configInterface = loader.loadClass("org.apache.mailet.MailetConfig");
        mailet.getClass().getMethod("init", configInterface).invoke(mailet, config);
        this.service = mailet.getClass().getMethod("service", mailInterface);
    }

    static Rates run(Settings settings, Fixtures fixtures, EngineBenchmark.Results engine, ResultTable table, PrintStream progress) {
        MessageSize size = MessageSize.parse("4k");
        progress.println("peers: Apache James SMIMESign (apache-mailet-crypto 3.0.0)");
        String measurement = size.label() + " Apache James SMIMESign 3.0.0 (own class path)";
        Path folder = null;
        try (URLClassLoader loader = new URLClassLoader(jars(settings.peerLib()), ClassLoader.getPlatformClassLoader())) {
            folder = Files.createTempDirectory("smime-benchmark-james");
            Path keyStore = Files.write(folder.resolve("alice.p12"), TestPki.pkcs12(fixtures.alice.privateKey(),
                List.of(certificateWithAddressInSubject(fixtures.alice)), PASSWORD, "alice"));
            byte[] plain = Fixtures.plainMessage(size);
            Rates rates = inContextOf(loader, () -> {
                JamesSignPeer peer = new JamesSignPeer(loader, keyStore);
                peer.requireSigned(plain);
                return Throughput.rates(settings, threads -> Throughput.perSecond(threads, settings.seconds(),
                    () -> () -> peer.sign(plain)));
            });
            Rates ours = engine.of(EngineOperation.SIGN_DETACHED, size);
            table.add(new ResultTable.Row("peers", measurement, ResultTable.rate(rates.oneThread(), "mails/s"),
                ResultTable.rate(rates.allCores(), "mails/s"), ResultTable.times(Rates.ratio(ours.oneThread(), rates.oneThread())),
                ResultTable.times(Rates.ratio(ours.allCores(), rates.allCores())),
                "ours (engine sign detached) ÷ James's; it signs SHA1withRSA in Bouncy Castle 1.52"));
            return rates;
        } catch (Exception | LinkageError e) {
            table.add(new ResultTable.Row("peers", measurement, "could not run: " + e, "", "", "", ""));
            return Rates.UNKNOWN;
        } finally {
            if (folder != null) {
                try {
                    TemporaryFolders.delete(folder);
                } catch (IOException e) {
                    progress.println("cannot delete " + folder + ": " + e.getMessage());
                }
            }
        }
    }

    /** javax.activation finds mailcap entries and content handlers through the context class loader. */
    private static <T> T inContextOf(ClassLoader loader, Callable<T> work) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return work.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static URL[] jars(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IOException(folder + " is missing: mvn package copies apache-mailet-crypto 3.0.0 and its dependencies there");
        }
        try (Stream<Path> files = Files.list(folder)) {
            List<URL> urls = new ArrayList<>();
            for (Path jar : files.filter(path -> path.toString().endsWith(".jar")).sorted().toList()) {
                urls.add(jar.toUri().toURL());
            }
            return urls.toArray(URL[]::new);
        }
    }

    /** SMIMESign 3.0.0 takes the signer's address from EMAILADDRESS in the subject: Alice's key, such a certificate. */
    private static X509Certificate certificateWithAddressInSubject(TestPki.Issued alice) throws Exception {
        X500Name subject = new X500Name("CN=Alice,EMAILADDRESS=" + Fixtures.ALICE);
        Instant now = Instant.now();
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(subject, BigInteger.ONE,
            Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))), subject,
            alice.certificate().getPublicKey()).build(new JcaContentSignerBuilder("SHA256withRSA").build(alice.privateKey())));
    }

    /** Services one mail and writes the result, in the peer's class loader. */
    private Object sign(byte[] message) throws Exception {
        Thread.currentThread().setContextClassLoader(loader);
        Map<String, Object> attributes = new HashMap<>(Map.of(authUserAttribute, Fixtures.ALICE));
        Object[] current = {mimeMessage.newInstance(session, new ByteArrayInputStream(message))};
        Object mail = proxy("org.apache.mailet.Mail", Map.of(
            "getMessage", args -> current[0],
            "setMessage", args -> current[0] = args[0],
            "getSender", args -> sender,
            "getRecipients", args -> List.of(recipient),
            "getName", args -> "benchmark",
            "getState", args -> "transport",
            "getAttribute", args -> attributes.get((String) args[0]),
            "setAttribute", args -> attributes.put((String) args[0], args[1])));
        invoke(service, mailet, mail);
        invoke(writeTo, current[0], OutputStream.nullOutputStream());
        return current[0];
    }

    private void requireSigned(byte[] message) throws Exception {
        String type = (String) contentType.invoke(sign(message));
        if (!type.startsWith("multipart/signed")) {
            throw new IllegalStateException("SMIMESign did not sign the benchmark mail: " + type);
        }
    }

    private interface Answer {
        Object apply(Object[] args);
    }

    /** An implementation of one of the peer's interfaces: the given answers, else nothing (null, false, 0). */
    private Object proxy(String interfaceName, Map<String, Answer> answers) throws ClassNotFoundException {
        Class<?> type = loader.loadClass(interfaceName);
        InvocationHandler handler = (proxy, method, args) -> {
            Answer answer = answers.get(method.getName());
            if (answer != null) {
                return answer.apply(args);
            }
            return switch (method.getName()) {
                case "toString" -> interfaceName + " of the benchmark";
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> nothing(method.getReturnType());
            };
        };
        return Proxy.newProxyInstance(loader, new Class<?>[] {type}, handler);
    }

    /** The default value of a return type: null, or false and zero for primitives (the element of a new array). */
    private static Object nothing(Class<?> type) {
        return type.isPrimitive() && type != void.class ? Array.get(Array.newInstance(type, 1), 0) : null;
    }

    private static void invoke(Method method, Object target, Object... args) throws Exception {
        try {
            method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
