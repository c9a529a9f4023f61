package dev.smimegateway.keystore;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

/** A data source a test can break the way a database outage does, while the store is in use. */
final class BreakableDataSource {
    enum Fault {
        NONE,
        /** The server is down: no connection can be opened. */
        REFUSES_CONNECTIONS,
        /** The connection was lost: it opens from the pool, then every statement fails. */
        DROPS_STATEMENTS
    }

    private static final Set<String> STATEMENT_METHODS = Set.of("prepareStatement", "createStatement", "prepareCall", "commit");

    private final DataSource delegate;
    private volatile Fault fault = Fault.NONE;
    private final AtomicReference<String> nextCommitFailure = new AtomicReference<>();

    BreakableDataSource(DataSource delegate) {
        this.delegate = delegate;
    }

    void breakWith(Fault newFault) {
        fault = newFault;
    }

    /** Makes the next commit fail, once, with this SQLState (the transaction is then rolled back): 40001 is a deadlock victim. */
    void failNextCommit(String sqlState) {
        nextCommitFailure.set(sqlState);
    }

    DataSource dataSource() {
        return proxy(DataSource.class, (target, method, arguments) -> {
            if (method.getName().equals("getConnection")) {
                if (fault == Fault.REFUSES_CONNECTIONS) {
                    throw new SQLNonTransientConnectionException("Connection refused: the database server is down", "08001");
                }
                return connection((Connection) invoke(method, delegate, arguments));
            }
            return invoke(method, delegate, arguments);
        });
    }

    private Connection connection(Connection real) {
        return proxy(Connection.class, (target, method, arguments) -> {
            if (fault == Fault.DROPS_STATEMENTS && STATEMENT_METHODS.contains(method.getName())) {
                throw new SQLNonTransientConnectionException("An I/O error occurred while sending to the backend", "08006");
            }
            String commitFailure = method.getName().equals("commit") ? nextCommitFailure.getAndSet(null) : null;
            if (commitFailure != null) {
                throw new SQLException("the commit failed (test)", commitFailure);
            }
            return invoke(method, real, arguments);
        });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] arguments) throws Throwable {
        try {
            return method.invoke(target, arguments);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(BreakableDataSource.class.getClassLoader(), new Class<?>[] {type}, handler));
    }
}
