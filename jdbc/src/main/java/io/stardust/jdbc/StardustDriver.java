package io.stardust.jdbc;

import io.stardust.client.StardustClient;
import org.apache.calcite.avatica.AvaticaClientRuntimeException;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Stardust's JDBC driver: {@code jdbc:stardust://host:port,host:port/default}. Statements run in a SQL session on one
 * member's gateway (the first that answers), which plans and reads at its snapshot and commits through the log.
 * Autocommit is on by default; with it off, statements run in one serializable transaction until commit or rollback.
 * Errors carry standard SQLSTATEs: 40001 for a serialization conflict (retry the transaction), 23505 for a unique
 * violation, 42xxx for syntax and names, 08xxx when the member cannot be reached.
 */
public final class StardustDriver implements Driver
{
    /** The internal statement the gateway answers with a table's primary key (Avatica has no request for it). */
    public static final String PRIMARY_KEYS = "/*stardust:primary-keys*/ ";

    static
    {
        try
        {
            DriverManager.registerDriver(new StardustDriver());
        }
        catch (final SQLException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final org.apache.calcite.avatica.remote.Driver avatica = new org.apache.calcite.avatica.remote.Driver();

    /**
     * @param spec     a cluster.
     * @param database the database.
     * @return the JDBC URL of the cluster's members, with their datacenters.
     */
    public static String url(final io.stardust.protocol.ClusterSpec spec, final String database)
    {
        final StringBuilder sb = new StringBuilder(StardustUrl.PREFIX);
        String sep = "";
        for (final io.stardust.protocol.ClusterSpec.Member m : spec.members())
        {
            sb.append(sep).append(m.host()).append(':').append(m.basePort()).append('@').append(m.datacenter());
            sep = ",";
        }
        return sb.append('/').append(database).toString();
    }

    @Override
    public Connection connect(final String url, final Properties info) throws SQLException
    {
        if (!acceptsURL(url))
        {
            return null;
        }
        final StardustUrl parsed = StardustUrl.parse(url, info);
        final String spec = parsed.clusterSpec();
        final String dc = parsed.datacenter();
        final String db = parsed.database();
        final StardustClient client = Transports.acquire(spec, dc, db, parsed.user(), parsed.password());
        Exception last = null;
        final StringBuilder tried = new StringBuilder();
        for (final int member : client.routing().order())
        {
            final String route = AeronHttpClientFactory.register(
                new AeronHttpClientFactory.Route(client, member, parsed.timeout()));
            final Properties props = new Properties();
            props.setProperty("url", route);
            props.setProperty("serialization", "protobuf");
            props.setProperty("httpclient_factory", AeronHttpClientFactory.class.getName());
            props.setProperty("database", parsed.database());
            if (parsed.user() != null)
            {
                props.setProperty("user", parsed.user());
            }
            try
            {
                final Connection connection = avatica.connect("jdbc:avatica:remote:", props);
                connection.getAutoCommit(); // the first request: this member answers, or the next is tried
                return wrap(connection, spec, parsed, route);
            }
            catch (final SQLException | RuntimeException ex)
            {
                AeronHttpClientFactory.unregister(route);
                final Throwable refused = refusal(ex);
                final String state = refused instanceof AeronHttpClientFactory.RefusedException r ? r.sqlState :
                    ex instanceof SQLException sql ? sql.getSQLState() :
                    ex instanceof AvaticaClientRuntimeException a ? a.getSqlState() : null;
                if (state != null && (state.startsWith("3D") || state.startsWith("28") || state.equals("42501")))
                {
                    Transports.release(spec, dc, db, parsed.user(), parsed.password());
                    // the member answered: no such database, or not with these credentials
                    throw new SQLException(refused != null ? refused.getMessage() : ex.getMessage(), state, ex);
                }
                last = ex;
                tried.append(tried.length() == 0 ? "" : "; ").append(parsed.members().get(member)).append(": ")
                    .append(ex.getMessage());
            }
        }
        Transports.release(spec, dc, db, parsed.user(), parsed.password());
        throw new SQLException("no member answered: " + (last == null ? "none listed" : tried), "08001", last);
    }

    /** @return the refusal of credentials somewhere in the causes, or null. */
    private static Throwable refusal(final Throwable ex)
    {
        for (Throwable t = ex; t != null; t = t.getCause())
        {
            if (t instanceof AeronHttpClientFactory.RefusedException)
            {
                return t;
            }
        }
        return null;
    }

    private static Connection wrap(final Connection connection, final String spec, final StardustUrl parsed,
        final String route)
    {
        final AtomicBoolean closed = new AtomicBoolean();
        final Connection[] self = new Connection[1];
        self[0] = (Connection)Proxy.newProxyInstance(StardustDriver.class.getClassLoader(),
            new Class<?>[] {Connection.class}, (proxy, method, args) ->
            {
                switch (method.getName())
                {
                    case "close":
                        if (closed.compareAndSet(false, true))
                        {
                            try
                            {
                                connection.close();
                            }
                            catch (final RuntimeException ex)
                            {
                                // the member is gone: nothing to close there
                            }
                            finally
                            {
                                AeronHttpClientFactory.unregister(route);
                                Transports.release(spec, parsed.datacenter(), parsed.database(), parsed.user(),
                                    parsed.password());
                            }
                        }
                        return null;
                    case "isClosed":
                        return closed.get();
                    case "getMetaData":
                        return metaData(self[0], connection.getMetaData());
                    default:
                        return call(connection, method, args);
                }
            });
        return self[0];
    }

    private static DatabaseMetaData metaData(final Connection connection, final DatabaseMetaData delegate)
    {
        final InvocationHandler handler = (proxy, method, args) ->
        {
            switch (method.getName())
            {
                case "getConnection":
                    return connection;
                case "getDatabaseProductName":
                    return "Stardust";
                case "getDriverName":
                    return "Stardust JDBC";
                case "getPrimaryKeys":
                    return primaryKeys(connection, (String)args[2]);
                default:
                    return call(delegate, method, args);
            }
        };
        return (DatabaseMetaData)Proxy.newProxyInstance(StardustDriver.class.getClassLoader(),
            new Class<?>[] {DatabaseMetaData.class}, handler);
    }

    private static ResultSet primaryKeys(final Connection connection, final String table) throws SQLException
    {
        return connection.createStatement().executeQuery(PRIMARY_KEYS + (table == null ? "" : table));
    }

    /** Call through, with Avatica's unchecked errors as the SQLExceptions JDBC promises. */
    private static Object call(final Object target, final java.lang.reflect.Method method, final Object[] args)
        throws Throwable
    {
        try
        {
            return method.invoke(target, args);
        }
        catch (final InvocationTargetException ex)
        {
            final Throwable cause = ex.getCause();
            if (cause instanceof AvaticaClientRuntimeException a)
            {
                throw new SQLException(a.getMessage(), a.getSqlState(), a.getErrorCode(), a);
            }
            if (cause instanceof AeronHttpClientFactory.MemberUnreachableException m)
            {
                throw new SQLException(m.getMessage(), "08006", m);
            }
            if (cause instanceof AeronHttpClientFactory.RefusedException r)
            {
                throw new SQLException(r.getMessage(), r.sqlState, r);
            }
            throw cause;
        }
    }

    @Override
    public boolean acceptsURL(final String url)
    {
        return url != null && url.startsWith(StardustUrl.PREFIX);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(final String url, final Properties info)
    {
        final DriverPropertyInfo user = new DriverPropertyInfo("user", info == null ? null : info.getProperty("user"));
        user.description = "user name (optional until tenants exist)";
        final DriverPropertyInfo timeout = new DriverPropertyInfo("timeout", "60");
        timeout.description = "seconds one request may take";
        return new DriverPropertyInfo[] {user, timeout};
    }

    @Override
    public int getMajorVersion()
    {
        return 0;
    }

    @Override
    public int getMinorVersion()
    {
        return 1;
    }

    @Override
    public boolean jdbcCompliant()
    {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException
    {
        throw new SQLFeatureNotSupportedException("no java.util.logging here");
    }
}
