package io.stardust.planner;

import io.stardust.catalog.Catalog;
import io.stardust.catalog.SchemaChange;

import java.util.List;

/**
 * What a SQL session needs from the cluster: the catalog, snapshots to read, the log to commit to and to change the
 * schema through. A member's gateway serves it from local storage and a cluster client; tests from memory.
 */
public interface SqlBackend
{
    /** A point read of a transaction: the version it saw (0 when absent). */
    record Read(String relation, byte[] key, long version)
    {
    }

    /** A range a transaction scanned: [start, end), an empty end for no bound. */
    record Range(String relation, byte[] start, byte[] end)
    {
    }

    /** A write: a put, or a delete when value is null. */
    record Write(String relation, byte[] key, byte[] value)
    {
    }

    /**
     * A transaction to commit: what it read at its snapshot, and what it writes.
     *
     * @param catalogVersion the catalog version it was planned against.
     * @param snapshotEpoch  the epoch its reads were served at.
     * @param reads          point reads.
     * @param ranges         scanned ranges.
     * @param writes         writes, each key once.
     */
    record Commit(long catalogVersion, long snapshotEpoch, List<Read> reads, List<Range> ranges, List<Write> writes)
    {
    }

    /**
     * @param minVersion the catalog version the session has seen.
     * @return the replica's catalog, at least that version (waiting a short bound).
     * @throws SqlError when the replica cannot reach it.
     */
    Catalog catalog(long minVersion);

    /**
     * @param minEpoch the newest epoch the session has seen.
     * @return a snapshot at the replica's latest applied epoch, at least that one.
     */
    Snapshot snapshot(long minEpoch);

    /**
     * Commit through the log.
     *
     * @param commit the transaction.
     * @return the epoch it committed in.
     * @throws SqlError 40001 when it aborted on a conflict or a schema change, naming the key.
     */
    long commit(Commit commit);

    /**
     * What a one-shot row update did.
     *
     * @param rows  rows updated: 1, or 0 when the row was absent.
     * @param epoch the epoch it ran in.
     */
    record RowUpdated(long rows, long epoch)
    {
    }

    /**
     * Update one row at its log position (a one-shot: it never aborts on a conflict).
     *
     * @param catalogVersion the catalog version it was planned against.
     * @param relation       the table.
     * @param key            the row's primary key.
     * @param assignments    the encoded {@code RowUpdate} assignments.
     * @return what it did, or null when this backend runs no one-shots (the session then reads and validates).
     * @throws SqlError 22003 when a sum leaves its column's range; 40001 when the table changed since the plan.
     */
    default RowUpdated updateRow(final long catalogVersion, final String relation, final byte[] key,
        final byte[] assignments)
    {
        return null;
    }

    /**
     * @param change a schema change.
     * @return the catalog version after it.
     * @throws SqlError naming the problem.
     */
    long changeSchema(SchemaChange change);
}
