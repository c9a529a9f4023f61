package dev.smimegateway.core.smime;

import java.io.IOException;
import java.net.URL;
import java.util.Enumeration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts Jakarta Mail's look-ups of its {@code jakarta.mail.util.StreamProvider} while an action runs on
 * this thread: each one goes to the thread's context class loader first (FactoryFinder), so a context
 * class loader that counts the requests for the service file sees every one.
 */
final class StreamProviderLookups {
    interface Action {
        void run() throws Exception;
    }

    private StreamProviderLookups() {
    }

    static int during(Action action) throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(new ClassLoader(previous) {
            @Override
            public Enumeration<URL> getResources(String name) throws IOException {
                if (name.equals("META-INF/services/jakarta.mail.util.StreamProvider")) {
                    lookups.incrementAndGet();
                }
                return super.getResources(name);
            }
        });
        try {
            action.run();
        } finally {
            thread.setContextClassLoader(previous);
        }
        return lookups.get();
    }
}
