package io.stardust.planner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The SQL behaviour scripts, run through sessions on an in-memory cluster (the conformance suite runs them again
 * through JDBC on real members). */
class SqlScriptTest
{
    @Test
    void shouldReportEveryPlantedFault()
    {
        try (SqlScript.Sessions sessions = new SqlScript.Sessions(() -> new SqlSession(new MemoryBackend(),
            new SqlSession.Plans(TableStats.DEFAULT), new AtomicLong()::incrementAndGet)))
        {
            final List<String> failures = SqlScript.run("sql-planted/planted.test", sessions);
            assertEquals(List.of(
                "sql-planted/planted.test:9: rows differ\n  expected: [2]\n  actual:   [1]",
                "sql-planted/planted.test:14: expected ok, got 23505 duplicate key value violates the primary key of " +
                    "p: (k)=(1) already exists",
                "sql-planted/planted.test:17: expected error 42P01, got success",
                "sql-planted/planted.test:20: expected a message containing 'wrong words', got duplicate key value " +
                    "violates the primary key of p: (k)=(1) already exists"), failures);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ddl", "types", "nulls", "joins_aggregates", "dml", "transactions", "errors"})
    void shouldHoldEveryRecordOf(final String script)
    {
        final MemoryBackend backend = new MemoryBackend();
        final SqlSession.Plans plans = new SqlSession.Plans(TableStats.DEFAULT);
        final AtomicLong rowIds = new AtomicLong();
        try (SqlScript.Sessions sessions = new SqlScript.Sessions(
            () -> new SqlSession(backend, plans, rowIds::incrementAndGet)))
        {
            final List<String> failures = SqlScript.run("sql/" + script + ".test", sessions);
            assertEquals("", String.join("\n", failures));
        }
    }
}
