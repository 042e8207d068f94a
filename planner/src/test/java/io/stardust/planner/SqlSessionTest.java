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
