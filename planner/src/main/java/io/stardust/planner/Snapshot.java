package io.stardust.planner;

import java.util.List;

/**
 * Reads of one replica at one snapshot epoch: every read of a transaction sees the same state, the end of
 * {@link #epoch()}.
 */
public interface Snapshot
{
    /** A row as storage holds it: key, value (null when absent or deleted) and version (0 when absent). */
    record Row(byte[] key, byte[] value, long version)
    {
    }

    /** @return the epoch whose end this snapshot shows. */
    long epoch();

    /**
     * @param relation the relation's name.
     * @param key      a key.
     * @return the row at the snapshot; its value is null when there is none.
     */
    Row get(String relation, byte[] key);

    /**
     * @param relation the relation's name.
     * @param start    inclusive start.
     * @param end      exclusive end; empty for no bound.
     * @param limit    most rows.
     * @return live rows in key order; fewer than asked only at the range's end.
     */
    List<Row> scan(String relation, byte[] start, byte[] end, int limit);
}
