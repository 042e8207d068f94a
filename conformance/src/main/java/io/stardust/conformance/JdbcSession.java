package io.stardust.conformance;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Session} over the JDBC driver, in SQL: keys are rows of one table under a per-scenario prefix, a read is
 * a primary-key SELECT, a write an UPDATE or INSERT, and a scan a predicate read ({@code WHERE k >= ? AND k < ?}), so
 * the anomaly catalogue's phantoms are SQL range predicates. A conflict is SQLSTATE 40001 at COMMIT.
 */
final class JdbcSession implements Session
{
    /** The table the catalogue's SQL sessions use. */
    static final String TABLE = "anomalies";

    private final Connection connection;
    private final String prefix;

    /**
     * @param url    the JDBC URL.
     * @param prefix this scenario's key prefix.
     */
    JdbcSession(final String url, final String prefix)
    {
        this.prefix = prefix;
        try
        {
            this.connection = DriverManager.getConnection(url);
            connection.setAutoCommit(false);
        }
        catch (final SQLException ex)
        {
            throw new IllegalStateException("cannot open a JDBC session: " + ex.getMessage(), ex);
        }
    }

    /**
     * Create the catalogue's table, once per cluster.
     *
     * @param url the JDBC URL.
     */
    static void createTable(final String url)
    {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement())
        {
            s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (k VARCHAR(200) PRIMARY KEY, v VARCHAR(200))");
        }
        catch (final SQLException ex)
        {
            throw new IllegalStateException("cannot create " + TABLE + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public void begin()
    {
        // Autocommit is off: the transaction opens with its first statement.
    }

    @Override
    public String read(final String key)
    {
        try (PreparedStatement s = connection.prepareStatement("SELECT v FROM " + TABLE + " WHERE k = ?"))
        {
            s.setString(1, prefix + key);
            try (ResultSet rs = s.executeQuery())
            {
                return rs.next() ? rs.getString(1) : null;
            }
        }
        catch (final SQLException ex)
        {
            throw failed(ex);
        }
    }

    @Override
    public void write(final String key, final String value)
    {
        try (PreparedStatement update = connection.prepareStatement("UPDATE " + TABLE + " SET v = ? WHERE k = ?"))
        {
            update.setString(1, value);
            update.setString(2, prefix + key);
            if (update.executeUpdate() == 0)
            {
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + TABLE + " VALUES (?, ?)"))
                {
                    insert.setString(1, prefix + key);
                    insert.setString(2, value);
                    insert.executeUpdate();
                }
            }
        }
        catch (final SQLException ex)
        {
            throw failed(ex);
        }
    }

    @Override
    public List<String> scan(final String keyPrefix)
    {
        try (PreparedStatement s = connection.prepareStatement("SELECT k FROM " + TABLE +
            " WHERE k >= ? AND k < ? ORDER BY k"))
        {
            s.setString(1, prefix + keyPrefix);
            s.setString(2, prefix + keyPrefix + '\uffff');
            final List<String> keys = new ArrayList<>();
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    keys.add(rs.getString(1).substring(prefix.length()));
                }
            }
            return keys;
        }
        catch (final SQLException ex)
        {
            throw failed(ex);
        }
    }

    @Override
    public boolean commit()
    {
        try
        {
            connection.commit();
            return true;
        }
        catch (final SQLException ex)
        {
            if ("40001".equals(ex.getSQLState()))
            {
                return false;
            }
            throw failed(ex);
        }
    }

    @Override
    public String kind()
    {
        return "jdbc";
    }

    @Override
    public boolean blindWrites()
    {
        return false; // UPDATE reads the row it writes
    }

    @Override
    public void close()
    {
        try
        {
            connection.close();
        }
        catch (final SQLException ex)
        {
            // closing: nothing more to do
        }
    }

    private static IllegalStateException failed(final SQLException ex)
    {
        return new IllegalStateException(ex.getSQLState() + " " + ex.getMessage(), ex);
    }
}
