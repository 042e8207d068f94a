package io.stardust.conformance;

import io.stardust.planner.SqlScript;
import io.stardust.protocol.ClusterSpec;
import io.stardust.test.ProcessCluster;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SQL through the JDBC driver against a real 3-member cluster: the behaviour scripts the planner runs in memory,
 * again over the wire; prepared statements, batches, metadata and SQLSTATEs as JDBC tools see them.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SqlJdbcIT
{
    private static ProcessCluster cluster;
    private static String url;

    @BeforeAll
    static void start()
    {
        cluster = new ProcessCluster(3);
        cluster.startAll(true);
        url = url(cluster.spec());
    }

    @AfterAll
    static void stop()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    static String url(final ClusterSpec spec)
    {
        return io.stardust.jdbc.StardustDriver.url(spec, "default");
    }

    @Test
    void shouldHoldEveryBehaviourScriptThroughJdbc()
    {
        final List<String> failures = new ArrayList<>();
        for (final String script : List.of("ddl", "types", "nulls", "joins_aggregates", "dml", "transactions",
            "errors"))
        {
            try (Jdbc endpoint = new Jdbc(url))
            {
                failures.addAll(SqlScript.run("sql/" + script + ".test", endpoint));
            }
        }
        assertEquals("", String.join("\n", failures));
    }

    @Test
    void shouldPrepareBatchAndDescribeThroughJdbc() throws SQLException
    {
        try (Connection c = DriverManager.getConnection(url))
        {
            assertTrue(c.getAutoCommit(), "autocommit is the default");
            assertEquals(Connection.TRANSACTION_SERIALIZABLE, c.getTransactionIsolation());
            try (Statement s = c.createStatement())
            {
                s.execute("CREATE TABLE jt (id BIGINT PRIMARY KEY, name VARCHAR(10) NOT NULL, score DECIMAL(5,1))");
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO jt VALUES (?, ?, ?)"))
            {
                for (int i = 1; i <= 5; i++)
                {
                    insert.setLong(1, i);
                    insert.setString(2, "n" + i);
                    insert.setBigDecimal(3, BigDecimal.valueOf(i * 10 + 5, 1));
                    insert.addBatch();
                }
                final int[] counts = insert.executeBatch();
                assertEquals(5, counts.length);
            }
            try (PreparedStatement select = c.prepareStatement("SELECT name, score FROM jt WHERE id = ?"))
            {
                select.setLong(1, 3);
                try (ResultSet rs = select.executeQuery())
                {
                    assertTrue(rs.next());
                    assertEquals("n3", rs.getString(1));
                    assertEquals(new BigDecimal("3.5"), rs.getBigDecimal("score"));
                    final ResultSetMetaData md = rs.getMetaData();
                    assertEquals(Types.VARCHAR, md.getColumnType(1));
                    assertEquals(10, md.getPrecision(1), "the declared length");
                    assertEquals("jt", md.getTableName(1));
                    assertEquals(Types.DECIMAL, md.getColumnType(2));
                    assertEquals("score", md.getColumnLabel(2));
                }
            }
            final DatabaseMetaData meta = c.getMetaData();
            assertEquals("Stardust", meta.getDatabaseProductName());
            try (ResultSet tables = meta.getTables(null, null, "jt", null))
            {
                assertTrue(tables.next());
                assertEquals("jt", tables.getString("TABLE_NAME"));
            }
            try (ResultSet columns = meta.getColumns(null, null, "jt", null))
            {
                final List<String> names = new ArrayList<>();
                while (columns.next())
                {
                    names.add(columns.getString("COLUMN_NAME") + ":" + columns.getInt("DATA_TYPE"));
                }
                assertEquals(List.of("id:" + Types.BIGINT, "name:" + Types.VARCHAR, "score:" + Types.DECIMAL), names);
            }
            try (ResultSet keys = meta.getPrimaryKeys(null, null, "jt"))
            {
                assertTrue(keys.next());
                assertEquals("id", keys.getString("COLUMN_NAME"));
            }
            c.setAutoCommit(false);
            try (Statement s = c.createStatement())
            {
                s.executeUpdate("UPDATE jt SET score = 0 WHERE id = 1");
                c.rollback();
                try (ResultSet rs = s.executeQuery("SELECT score FROM jt WHERE id = 1"))
                {
                    assertTrue(rs.next());
                    assertEquals(new BigDecimal("1.5"), rs.getBigDecimal(1));
                }
                c.commit();
            }
            final SQLException duplicate = assertThrows(SQLException.class,
                () -> c.createStatement().executeUpdate("INSERT INTO jt VALUES (1, 'x', 0)"));
            assertEquals("23505", duplicate.getSQLState());
            final SQLException syntax = assertThrows(SQLException.class,
                () -> c.createStatement().executeQuery("SELEC 1"));
            assertEquals("42601", syntax.getSQLState());
            assertTrue(syntax.getMessage().contains("line 1, column 1"), syntax.getMessage());
        }
        final SQLException noDatabase = assertThrows(SQLException.class,
            () -> DriverManager.getConnection(url.replace("/default", "/other")));
        assertEquals("3D000", noDatabase.getSQLState());
    }

    /** A row of the JDBI test's table. */
    record Account(long id, String owner, long balance)
    {
    }

    @Test
    void shouldMapRowsAndRunTransactionsWithJdbi()
    {
        final Jdbi jdbi = Jdbi.create(url);
        jdbi.useHandle((h) -> h.execute("CREATE TABLE jdbi_accounts (id BIGINT PRIMARY KEY, owner VARCHAR(20) NOT " +
            "NULL, balance BIGINT NOT NULL)"));
        jdbi.useHandle((h) ->
        {
            final PreparedBatch batch = h.prepareBatch(
                "INSERT INTO jdbi_accounts (id, owner, balance) VALUES (:id, :owner, :balance)");
            for (long id = 1; id <= 3; id++)
            {
                batch.bind("id", id).bind("owner", "owner" + id).bind("balance", 100L).add();
            }
            assertEquals(3, java.util.Arrays.stream(batch.execute()).sum());
        });
        jdbi.useTransaction(TransactionIsolationLevel.SERIALIZABLE, (h) ->
        {
            h.createUpdate("UPDATE jdbi_accounts SET balance = balance - 30 WHERE id = :id").bind("id", 1L).execute();
            h.createUpdate("UPDATE jdbi_accounts SET balance = balance + 30 WHERE id = :id").bind("id", 2L).execute();
        });
        assertThrows(IllegalStateException.class, () -> jdbi.useTransaction((h) ->
        {
            h.execute("UPDATE jdbi_accounts SET balance = 0 WHERE id = 3");
            throw new IllegalStateException("the application changed its mind");
        }));
        final List<Account> accounts = jdbi.withHandle((h) -> h.createQuery(
            "SELECT id, owner, balance FROM jdbi_accounts ORDER BY id")
            .map((rs, ctx) -> new Account(rs.getLong("id"), rs.getString("owner"), rs.getLong("balance"))).list());
        assertEquals(List.of(new Account(1, "owner1", 70), new Account(2, "owner2", 130),
            new Account(3, "owner3", 100)), accounts, "the transfer committed; the rolled-back update left no trace");
        final long sum = jdbi.withHandle((h) -> h.createQuery("SELECT SUM(balance) FROM jdbi_accounts")
            .mapTo(Long.class).one());
        assertEquals(300L, sum);
        final String owner = jdbi.withHandle((h) -> h.createQuery(
            "SELECT owner FROM jdbi_accounts WHERE id = :id").bind("id", 2L).mapTo(String.class).one());
        assertEquals("owner2", owner);
    }

    @Test
    void shouldRunHotKeyUpdatesByPrimaryKeyAsOneShotsWithoutAnAbort() throws Exception
    {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement())
        {
            s.execute("CREATE TABLE hot_counters (k VARCHAR(10) PRIMARY KEY, n BIGINT NOT NULL)");
            s.execute("INSERT INTO hot_counters VALUES ('hot', 0)");
        }
        final io.stardust.client.StardustClient admin = cluster.connect((config) -> config);
        try
        {
            final int leader = cluster.leaderOf(admin);
            final io.stardust.client.MemberStatus before = admin.status(leader).get(10, TimeUnit.SECONDS);
            final int writers = 8;
            final int each = 15;
            final List<java.util.concurrent.CompletableFuture<Void>> loops = new ArrayList<>();
            for (int w = 0; w < writers; w++)
            {
                loops.add(java.util.concurrent.CompletableFuture.runAsync(() ->
                {
                    try (Connection c = DriverManager.getConnection(url);
                        java.sql.PreparedStatement update = c.prepareStatement(
                            "UPDATE hot_counters SET n = n + 1 WHERE k = ?"))
                    {
                        for (int i = 0; i < each; i++)
                        {
                            update.setString(1, "hot");
                            assertEquals(1, update.executeUpdate(), "one row, never a serialization failure");
                        }
                    }
                    catch (final SQLException ex)
                    {
                        throw new IllegalStateException(ex.getSQLState() + ": " + ex.getMessage(), ex);
                    }
                }, (r) -> new Thread(r, "sql-increments").start()));
            }
            for (final java.util.concurrent.CompletableFuture<Void> loop : loops)
            {
                loop.get(3, TimeUnit.MINUTES);
            }
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT n FROM hot_counters WHERE k = 'hot'"))
            {
                assertTrue(rs.next());
                assertEquals(writers * each, rs.getLong(1), "every update applied once");
            }
            final io.stardust.client.MemberStatus after = admin.status(leader).get(10, TimeUnit.SECONDS);
            assertEquals(before.aborted(), after.aborted(), "no update aborted");
            assertTrue(after.oneShots() - before.oneShots() >= writers * each, "each update ran as a one-shot");
        }
        finally
        {
            admin.close();
        }
    }

    /** Runs script statements through JDBC connections, one per script session. */
    static final class Jdbc implements SqlScript.Endpoint
    {
        private final String url;
        private final Map<String, Connection> connections = new HashMap<>();

        Jdbc(final String url)
        {
            this.url = url;
        }

        @Override
        public Object run(final String session, final String sql)
        {
            try
            {
                Connection c = connections.get(session);
                if (c == null)
                {
                    c = DriverManager.getConnection(url);
                    connections.put(session, c);
                }
                try (Statement s = c.createStatement())
                {
                    if (!s.execute(sql))
                    {
                        return null;
                    }
                    final List<String> rows = new ArrayList<>();
                    try (ResultSet rs = s.getResultSet())
                    {
                        final ResultSetMetaData md = rs.getMetaData();
                        while (rs.next())
                        {
                            final StringBuilder sb = new StringBuilder();
                            for (int i = 1; i <= md.getColumnCount(); i++)
                            {
                                sb.append(i == 1 ? "" : "\t").append(render(rs, i, md.getColumnType(i)));
                            }
                            rows.add(sb.toString());
                        }
                    }
                    return rows;
                }
            }
            catch (final SQLException ex)
            {
                return new SqlScript.Failure(ex.getSQLState(), ex.getMessage());
            }
        }

        private static String render(final ResultSet rs, final int i, final int type) throws SQLException
        {
            final Object value = rs.getObject(i);
            if (value == null)
            {
                return "NULL";
            }
            return switch (type)
            {
                case Types.DATE -> rs.getDate(i).toLocalDate().toString();
                case Types.TIMESTAMP -> DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
                    .format(rs.getTimestamp(i).toLocalDateTime());
                case Types.DECIMAL, Types.NUMERIC -> rs.getBigDecimal(i).toPlainString();
                default -> value.toString();
            };
        }

        @Override
        public void close()
        {
            for (final Connection c : connections.values())
            {
                try
                {
                    c.close();
                }
                catch (final SQLException ex)
                {
                    // closing: nothing to do
                }
            }
            connections.clear();
        }
    }
}
