package io.stardust.planner;

import java.util.List;

/**
 * What a statement gives back: rows with their columns (a query, EXPLAIN), or a count of rows changed (DML, 0 for DDL
 * and transaction control). DATE values are days since 1970-01-01 and TIMESTAMP values milliseconds since
 * 1970-01-01T00:00, as {@link io.stardust.catalog.SqlType} says.
 *
 * @param columns     the result's columns; empty for an update count.
 * @param rows        its rows; empty for an update count.
 * @param updateCount rows changed, or -1 for a result with rows.
 * @param message     a short note, e.g. "COMMIT" or "CREATE TABLE".
 */
public record SqlResult(List<ResultColumn> columns, List<Object[]> rows, long updateCount, String message)
{
    /**
     * @param count   rows changed.
     * @param message the note.
     * @return an update count.
     */
    public static SqlResult count(final long count, final String message)
    {
        return new SqlResult(List.of(), List.of(), count, message);
    }

    /** @return true when the result has rows (even none). */
    public boolean isQuery()
    {
        return updateCount < 0;
    }
}
