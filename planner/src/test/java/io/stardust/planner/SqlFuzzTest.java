package io.stardust.planner;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Statements made of random pieces of SQL: each either runs or fails with a SqlError that has a SQLSTATE and a
 * message, never another exception; and the session answers a good statement afterwards. Seeded: a failure prints
 * the seed and the statement.
 */
class SqlFuzzTest
{
    private static final String[] PIECES = {
        "SELECT", "INSERT", "INTO", "UPDATE", "DELETE", "FROM", "WHERE", "SET", "VALUES", "CREATE", "TABLE", "INDEX",
        "DROP", "ALTER", "ADD", "COLUMN", "ON", "JOIN", "LEFT", "GROUP", "BY", "ORDER", "HAVING", "LIMIT", "OFFSET",
        "AND", "OR", "NOT", "NULL", "IS", "IN", "EXISTS", "BETWEEN", "LIKE", "AS", "DISTINCT", "COUNT(*)", "SUM(v)",
        "PRIMARY", "KEY", "UNIQUE", "BIGINT", "VARCHAR(3)", "DECIMAL(5,2)", "DATE", "TIMESTAMP", "BOOLEAN", "BEGIN",
        "COMMIT", "ROLLBACK", "EXPLAIN", "PLAN", "FOR", "t", "u", "k", "v", "w", "x", "*", ",", "(", ")", "=", "<",
        ">", "<=", ">=", "<>", "+", "-", "/", ";", "'a'", "'abcdef'", "1", "0", "-1", "2.5", "99999999999999999999",
        "1e308", "TRUE", "FALSE", "DATE '2026-01-01'", "\"T\"", "?", "--", "/*", "'", "\"", "\u0000", "\u00e9"};

    @Test
    void shouldAnswerEveryRandomStatementWithAResultOrASqlError()
    {
        final long seed = System.nanoTime();
        final SplittableRandom random = new SplittableRandom(seed);
        final SqlSession session = new SqlSession(new MemoryBackend(), new SqlSession.Plans(TableStats.DEFAULT, 1000),
            new AtomicLong()::incrementAndGet);
        session.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER, w VARCHAR(3))", List.of());
        session.execute("CREATE TABLE u (k INTEGER PRIMARY KEY, x DECIMAL(5,2))", List.of());
        session.execute("INSERT INTO t VALUES (1, 10, 'a'), (2, NULL, 'b'), (3, 30, NULL)", List.of());
        int errors = 0;
        for (int i = 0; i < 400; i++)
        {
            final StringBuilder sql = new StringBuilder();
            final int n = 1 + random.nextInt(12);
            for (int p = 0; p < n; p++)
            {
                sql.append(PIECES[random.nextInt(PIECES.length)]).append(' ');
            }
            final String statement = sql.toString();
            try
            {
                session.execute(statement, List.of());
            }
            catch (final SqlError ex)
            {
                errors++;
                assertNotNull(ex.sqlState(), () -> "seed " + seed + ": " + statement);
                assertNotNull(ex.getMessage(), () -> "seed " + seed + ": " + statement);
            }
            catch (final RuntimeException | Error ex)
            {
                throw new AssertionError("seed " + seed + ": '" + statement + "' threw " + ex, ex);
            }
            if (session.inTransaction() && random.nextInt(4) == 0)
            {
                session.rollback();
            }
        }
        if (session.inTransaction())
        {
            session.rollback();
        }
        final SqlResult after = session.execute("SELECT COUNT(*) FROM t", List.of());
        assertEquals(1, after.rows().size(), "seed " + seed + ": the session still answers (" + errors +
            " of 400 random statements failed)");
    }
}
