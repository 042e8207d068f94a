package io.stardust.conformance;

import io.stardust.planner.SqlScript;
import io.stardust.protocol.ClusterSpec;
import io.stardust.test.ProcessCluster;
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
        final StringBuilder sb = new StringBuilder("jdbc:stardust://");
        for (final ClusterSpec.Member m : spec.members())
        {
            sb.append(m.id() == 0 ? "" : ",").append(m.host()).append(':').append(m.basePort());
        }
        return sb.append("/default").toString();
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
