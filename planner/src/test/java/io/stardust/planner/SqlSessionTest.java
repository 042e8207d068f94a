package io.stardust.planner;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SqlSessionTest
{
    private final MemoryBackend backend = new MemoryBackend();
    private final SqlSession.Plans plans = new SqlSession.Plans(TableStats.DEFAULT);
    private final AtomicLong rowIds = new AtomicLong();

    @Test
    void shouldCreateInsertAndSelect()
    {
        final SqlSession s = session();
        s.execute("CREATE TABLE accounts (id BIGINT PRIMARY KEY, owner VARCHAR(20) NOT NULL, balance DECIMAL(10,2))",
            List.of());
        assertEquals(2, s.execute("INSERT INTO accounts VALUES (1, 'ann', 10.5), (2, 'bob', NULL)", List.of())
            .updateCount());
        assertEquals(List.of("[1, ann, 10.50]", "[2, bob, null]"),
            rows(s.execute("SELECT * FROM accounts ORDER BY id", List.of())));
        assertEquals(List.of("[ann]"), rows(s.execute("SELECT owner FROM accounts WHERE id = ?", List.of(1L))));

        final List<ResultColumn> columns =
            s.execute("SELECT owner AS who, owner || '!' AS shout FROM accounts", List.of()).columns();
        assertEquals(new ResultColumn("who", java.sql.Types.VARCHAR, "VARCHAR", 20, 0, false, "accounts", "owner"),
            columns.get(0), "a table's column keeps its declared length and says where it comes from");
        assertEquals("", columns.get(1).table(), "an expression comes from no column");
    }

    @Test
    void shouldRefuseAStatementThatProducesMoreRowsThanTheLimitAndGoOn()
    {
        final SqlSession s = new SqlSession(backend, new SqlSession.Plans(TableStats.DEFAULT, 10),
            rowIds::incrementAndGet);
        s.execute("CREATE TABLE r (k INTEGER PRIMARY KEY)", List.of());
        s.execute("INSERT INTO r VALUES (1), (2), (3), (4)", List.of());
        final SqlError tooMany = assertThrows(SqlError.class,
            () -> s.execute("SELECT a.k, b.k FROM r a, r b", List.of()));
        assertEquals("54000", tooMany.sqlState());
        assertTrue(tooMany.getMessage().contains("more than 10 rows"), tooMany.getMessage());
        assertEquals(List.of("[4]"), rows(s.execute("SELECT COUNT(*) FROM r", List.of())), "the session goes on");
    }

    @Test
    void shouldRunAnAutocommittedUpdateOfARowByItsKeyAsAOneShot()
    {
        final SqlSession s = session();
        s.execute("CREATE TABLE c (k VARCHAR(10) PRIMARY KEY, v INTEGER, n SMALLINT NOT NULL, tag BIGINT)", List.of());
        s.execute("CREATE INDEX c_tag ON c (tag)", List.of());
        s.execute("INSERT INTO c VALUES ('a', 1, 10, 7), ('b', NULL, 20, 8)", List.of());

        assertEquals(1, s.execute("UPDATE c SET v = v + 1 WHERE k = ?", List.of("a")).updateCount());
        assertEquals(1, s.execute("UPDATE c SET v = v - ?, n = 5 WHERE 'a' = k", List.of(3)).updateCount());
        assertEquals(1, s.execute("UPDATE c SET v = 1 + v WHERE k = 'b'", List.of()).updateCount());
        assertEquals(0, s.execute("UPDATE c SET v = v + 1 WHERE k = 'zz'", List.of()).updateCount(), "no such row");
        assertEquals(4, backend.oneShots, "each ran at its log position");
        assertEquals(4, s.oneShots());
        assertEquals(List.of("[a, -1, 5, 7]", "[b, null, 20, 8]"),
            rows(s.execute("SELECT * FROM c ORDER BY k", List.of())), "NULL + 1 stays NULL");
        assertTrue(rows(s.execute("EXPLAIN PLAN FOR UPDATE c SET v = v + 1 WHERE k = ?", List.of())).get(0)
            .contains("OneShotUpdate"));

        // A sum out of the column's range is refused at its log position, and nothing changes.
        final SqlError range = assertThrows(SqlError.class,
            () -> s.execute("UPDATE c SET n = n + 40000 WHERE k = 'a'", List.of()));
        assertEquals(SqlError.NUMERIC_OUT_OF_RANGE, range.sqlState());
        final SqlError notNull = assertThrows(SqlError.class,
            () -> s.execute("UPDATE c SET n = ? WHERE k = 'a'", java.util.Arrays.asList((Object)null)));
        assertEquals(SqlError.NOT_NULL_VIOLATION, notNull.sqlState());

        // Not one-shots: an indexed column, a range, a non-key column in WHERE, an interactive transaction.
        final int before = backend.oneShots;
        assertEquals(1, s.execute("UPDATE c SET tag = tag + 1 WHERE k = 'a'", List.of()).updateCount());
        assertEquals(2, s.execute("UPDATE c SET v = 0 WHERE k >= 'a'", List.of()).updateCount());
        assertEquals(1, s.execute("UPDATE c SET v = 3 WHERE k = 'a' AND n = 5", List.of()).updateCount());
        s.execute("BEGIN", List.of());
        assertEquals(1, s.execute("UPDATE c SET v = v + 1 WHERE k = 'a'", List.of()).updateCount());
        s.execute("COMMIT", List.of());
        assertEquals(before, backend.oneShots, "those kept read-then-validate");
        assertEquals(List.of("[a, 4, 5, 8]", "[b, 0, 20, 8]"),
            rows(s.execute("SELECT * FROM c ORDER BY k", List.of())));
    }

    private SqlSession session()
    {
        return new SqlSession(backend, plans, rowIds::incrementAndGet);
    }

    static List<String> rows(final SqlResult result)
    {
        final List<String> out = new ArrayList<>();
        for (final Object[] row : result.rows())
        {
            out.add(Arrays.toString(row));
        }
        return out;
    }
}
