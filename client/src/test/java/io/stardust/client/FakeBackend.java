package io.stardust.client;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link Transaction.Backend} without a cluster: one table's rows at one snapshot epoch, served as a member's read
 * endpoint serves them (live rows of {@code [start, end)} in unsigned key order, at most {@code min(limit, 10000)}
 * per request, {@code more} when live rows remain), and commits captured instead of sent.
 */
final class FakeBackend implements Transaction.Backend
{
    /** The read endpoint's cap on rows per scan request (ReadEndpoint.MAX_SCAN_ROWS). */
    static final int SERVER_MAX_ROWS = 10_000;

    /** A scan request as received. */
    record ScanRequest(byte[] start, byte[] end, int limit, long snapshotEpoch)
    {
    }

    private final long snapshotEpoch;
    private final NavigableMap<byte[], byte[]> rows = new TreeMap<>(Arrays::compareUnsigned);
    private final List<ScanRequest> scans = new ArrayList<>();
    private final List<byte[]> commits = new ArrayList<>();
    private final List<CompletableFuture<StardustClient.ReadReply>> heldReads = new ArrayList<>();
    private int maxRowsPerReply = Integer.MAX_VALUE;
    private boolean holdReads;
    private long sessionEpoch;
    private long ids = 1;

    FakeBackend(final long snapshotEpoch)
    {
        this.snapshotEpoch = snapshotEpoch;
    }

    /** A live row in the snapshot, with version (epoch 1, index 0). */
    FakeBackend row(final byte[] key, final byte[] value)
    {
        rows.put(key.clone(), value.clone());
        return this;
    }

    /**
     * Cut every scan reply at {@code n} rows (with {@code more} set when rows remain), as the read endpoint's byte
     * budget does for large rows.
     */
    FakeBackend maxRowsPerReply(final int n)
    {
        maxRowsPerReply = n;
        return this;
    }

    /** Leave point reads pending until {@link #completeHeldRead} is called. */
    FakeBackend holdReads()
    {
        holdReads = true;
        return this;
    }

    /** Answer the oldest held point read: no row, at the snapshot epoch. Runs its callbacks on this thread. */
    void completeHeldRead()
    {
        heldReads.remove(0).complete(new StardustClient.ReadReply(snapshotEpoch, 0, 0, null));
    }

    List<ScanRequest> scans()
    {
        return scans;
    }

    List<byte[]> commits()
    {
        return commits;
    }

    @Override
    public CompletableFuture<StardustClient.ReadReply> read(
        final String table, final byte[] key, final long snapshotEpoch, final long minAppliedEpoch)
    {
        checkSnapshot(snapshotEpoch);
        if (holdReads)
        {
            final CompletableFuture<StardustClient.ReadReply> held = new CompletableFuture<>();
            heldReads.add(held);
            return held;
        }
        final byte[] value = rows.get(key);
        return CompletableFuture.completedFuture(value == null ?
            new StardustClient.ReadReply(this.snapshotEpoch, 0, 0, null) :
            new StardustClient.ReadReply(this.snapshotEpoch, 1, 0, value.clone()));
    }

    @Override
    public CompletableFuture<StardustClient.ScanReply> scan(
        final String table,
        final byte[] start,
        final byte[] end,
        final int limit,
        final long snapshotEpoch,
        final long minAppliedEpoch)
    {
        checkSnapshot(snapshotEpoch);
        scans.add(new ScanRequest(start.clone(), end.clone(), limit, snapshotEpoch));
        final int maxRows = Math.min(Math.max(1, Math.min(limit, SERVER_MAX_ROWS)), maxRowsPerReply);
        final NavigableMap<byte[], byte[]> range = end.length == 0 ? rows.tailMap(start, true) :
            rows.subMap(start, true, end, false);
        final List<KeyValue> out = new ArrayList<>();
        boolean more = false;
        for (final Map.Entry<byte[], byte[]> e : range.entrySet())
        {
            if (out.size() == maxRows)
            {
                more = true;
                break;
            }
            out.add(new KeyValue(e.getKey().clone(), e.getValue().clone(), 1, 0));
        }
        return CompletableFuture.completedFuture(new StardustClient.ScanReply(this.snapshotEpoch, more, out));
    }

    @Override
    public CompletableFuture<CommitInfo> commit(final byte[] frame, final long correlationId, final long txnId)
    {
        commits.add(frame.clone());
        return CompletableFuture.completedFuture(new CommitInfo(txnId, snapshotEpoch + 1, 0, false));
    }

    @Override
    public void observeEpoch(final long epoch)
    {
        sessionEpoch = Math.max(sessionEpoch, epoch);
    }

    @Override
    public long sessionEpoch()
    {
        return sessionEpoch;
    }

    @Override
    public long newTxnId()
    {
        return ids++;
    }

    @Override
    public long newCorrelationId()
    {
        return ids++;
    }

    @Override
    public int maxTransactionBytes()
    {
        return 1024 * 1024;
    }

    private void checkSnapshot(final long requested)
    {
        if (requested != -1 && requested != snapshotEpoch)
        {
            throw new AssertionError("read at epoch " + requested + ", but the snapshot pinned is " + snapshotEpoch);
        }
    }
}
