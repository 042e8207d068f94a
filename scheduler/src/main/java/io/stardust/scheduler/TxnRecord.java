package io.stardust.scheduler;

/**
 * A sequenced transaction as the scheduler sees it: what it read (with versions), which ranges it scanned (at
 * {@code snapshotEpoch}) and what it wants to write. Tables are catalog ids, already resolved by the sequencer.
 *
 * @param txnId         client's transaction id, for diagnostics.
 * @param snapshotEpoch epoch the reads were served at; range reads are checked against it.
 * @param reads         point reads in the order the client made them.
 * @param ranges        range reads.
 * @param writes        buffered writes; a later write of the same key wins.
 */
public record TxnRecord(long txnId, long snapshotEpoch, Read[] reads, Range[] ranges, Write[] writes)
{
    /** A point read of {@code key} that saw {@code version} ({@code 0} when absent). */
    public record Read(int tableId, byte[] key, long version)
    {
    }

    /** A scan of {@code [start, end)}; an empty end is unbounded. */
    public record Range(int tableId, byte[] start, byte[] end)
    {
    }

    /** A put (or delete when {@code delete}) of {@code key}. */
    public record Write(int tableId, byte[] key, boolean delete, byte[] value)
    {
    }
}
