package io.stardust.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * An optimistic transaction. Reads are served at one snapshot of one replica (pinned by the first read) and
 * recorded with their versions; writes are buffered; {@link #commit()} sends one commit record that every replica
 * validates at its log position. Not thread-safe: use a transaction from one thread at a time.
 */
public final class Transaction
{
    private final Backend client;
    private final long minAppliedEpoch;
    private final Map<TableKey, long[]> reads = new LinkedHashMap<>();
    private final List<byte[][]> ranges = new ArrayList<>();
    private final List<String> rangeTables = new ArrayList<>();
    private final Map<TableKey, byte[]> writes = new LinkedHashMap<>();
    private CompletableFuture<Long> snapshot;
    private boolean finished;

    /** A (table, key) usable as a map key. */
    record TableKey(String table, byte[] key)
    {
        @Override
        public boolean equals(final Object o)
        {
            return o instanceof TableKey other && other.table.equals(table) && Arrays.equals(other.key, key);
        }

        @Override
        public int hashCode()
        {
            return 31 * table.hashCode() + Arrays.hashCode(key);
        }
    }

    /**
     * What a transaction needs from its client: {@link StardustClient} provides it over Aeron; unit tests stand in
     * for it without a cluster. Futures may complete on any thread (the client's conductor, or the caller's).
     */
    interface Backend
    {
        /** A point read at {@code snapshotEpoch} (-1: the member's latest applied epoch). */
        CompletableFuture<StardustClient.ReadReply> read(
            String table, byte[] key, long snapshotEpoch, long minAppliedEpoch);

        /** One scan request: at most {@code limit} live rows of {@code [start, end)} at {@code snapshotEpoch}. */
        CompletableFuture<StardustClient.ScanReply> scan(
            String table, byte[] start, byte[] end, int limit, long snapshotEpoch, long minAppliedEpoch);

        /** Send an encoded commit record. */
        CompletableFuture<CommitInfo> commit(byte[] frame, long correlationId, long txnId);

        /** Advance the session epoch to {@code epoch} if it is newer. */
        void observeEpoch(long epoch);

        /** @return the newest epoch the session has seen. */
        long sessionEpoch();

        /** @return a new non-zero transaction id. */
        long newTxnId();

        /** @return a new correlation id. */
        long newCorrelationId();

        /** @return the largest encoded transaction accepted, in bytes. */
        int maxTransactionBytes();

        /** @return the relation name of a table of the session's database. */
        default String qualify(final String table)
        {
            return table;
        }
    }

    /** Marks a buffered delete in {@link #writes}. */
    private static final byte[] DELETED = new byte[0];

    /** Most rows one scan request asks for: a member answers no more (ReadEndpoint.MAX_SCAN_ROWS). */
    static final int MAX_ROWS_PER_REQUEST = 10_000;

    Transaction(final Backend client, final long minAppliedEpoch)
    {
        this.client = client;
        this.minAppliedEpoch = minAppliedEpoch;
    }

    /**
     * Read a key (blocking).
     *
     * @param table table name.
     * @param key   key bytes.
     * @return the value, or null when there is no row.
     */
    public byte[] get(final String table, final byte[] key)
    {
        return StardustClient.await(getAsync(table, key));
    }

    /**
     * Read a UTF-8 key and value (blocking).
     *
     * @param table table name.
     * @param key   key text.
     * @return the value as text, or null.
     */
    public String get(final String table, final String key)
    {
        final byte[] value = get(table, key.getBytes(StandardCharsets.UTF_8));
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    /**
     * Read a key.
     *
     * @param table table name.
     * @param key   key bytes.
     * @return the value, or null when there is no row.
     */
    public CompletableFuture<byte[]> getAsync(final String name, final byte[] key)
    {
        checkOpen();
        final String table = client.qualify(name);
        final TableKey tk = new TableKey(table, key.clone());
        final byte[] buffered = writes.get(tk);
        if (buffered != null)
        {
            return CompletableFuture.completedFuture(buffered == DELETED ? null : buffered);
        }
        return atSnapshot((epoch) -> client.read(table, tk.key(), epoch, minAppliedEpoch)).thenApply((reply) ->
        {
            synchronized (this)
            {
                reads.putIfAbsent(tk, new long[] {reply.versionEpoch(), reply.versionIndex()});
            }
            return reply.value();
        });
    }

    /**
     * Scan {@code [start, end)} as this transaction sees it (blocking): its snapshot overlaid with its own buffered
     * puts and deletes. Returns, in key order (unsigned lexicographic, as the server orders keys), the first
     * {@code limit} live rows of the range, or all of them when there are fewer:
     * <ul>
     *   <li>a key this transaction put is returned with the value it put, whether or not the snapshot has it (a key
     *   it inserted carries version 0/0, a key it overwrote the snapshot's version);</li>
     *   <li>a key this transaction deleted is left out and does not count against {@code limit};</li>
     *   <li>fewer than {@code limit} rows means that no live row of the range follows them; exactly {@code limit}
     *   rows says nothing about what follows (scan on from the successor of the last key, or use
     *   {@link #scanPage} to be told).</li>
     * </ul>
     * Every request is served at the transaction's snapshot, and as many are sent as the answer needs (a member
     * answers at most 10000 rows, and fewer when they are large), so any positive {@code limit} is honoured.
     * <p>
     * What the result depends on is recorded, and validated when a read-write transaction commits: the whole range
     * when fewer than {@code limit} rows came back, else {@code [start, successor of the last key returned)}. If any
     * key there was written (inserted, updated or deleted) by another transaction after the snapshot, or by an
     * earlier transaction of the commit's epoch, the commit aborts with {@code PHANTOM}: no phantoms. Scanned rows
     * need no read-set entries. A range that is empty by its bounds ({@code end} not null and not above
     * {@code start}) returns no rows and records nothing.
     *
     * @param table table name.
     * @param start inclusive start; null or empty for the first key.
     * @param end   exclusive end; null or empty for no bound.
     * @param limit most rows; at least 1.
     * @return the rows, in key order.
     */
    public List<KeyValue> scan(final String table, final byte[] start, final byte[] end, final int limit)
    {
        return scan(table, start, end, limit, false).rows();
    }

    /**
     * As {@link #scan}, and say whether more live rows of the range follow the ones returned. To tell, the scan
     * reads one live row past the last one returned, so what is validated at commit reaches through that row: the
     * whole range when {@link ScanPage#more()} is false, else {@code [start, successor of the first key not
     * returned)}.
     *
     * @param table table name.
     * @param start inclusive start; null or empty for the first key.
     * @param end   exclusive end; null or empty for no bound.
     * @param limit most rows; at least 1.
     * @return the rows, in key order, and whether more follow.
     */
    public ScanPage scanPage(final String table, final byte[] start, final byte[] end, final int limit)
    {
        return scan(table, start, end, limit, true);
    }

    private ScanPage scan(
        final String name, final byte[] start, final byte[] end, final int limit, final boolean tellMore)
    {
        checkOpen();
        final String table = client.qualify(name);
        if (limit < 1)
        {
            throw new IllegalArgumentException("scan limit " + limit + " is not positive");
        }
        final byte[] from = start == null ? new byte[0] : start.clone();
        final byte[] to = end == null ? new byte[0] : end.clone();
        if (to.length > 0 && Arrays.compareUnsigned(from, to) >= 0)
        {
            return new ScanPage(List.of(), false);
        }
        final NavigableMap<byte[], byte[]> own = ownWrites(table, from, to);
        // Live rows wanted: limit, and one more to tell whether more follow.
        final long wanted = tellMore ? limit + 1L : limit;
        final List<KeyValue> view = new ArrayList<>();
        byte[] cursor = from;
        while (true)
        {
            // Ask for what is still wanted plus one per own delete ahead: a snapshot row this transaction deleted is
            // answered by the member but left out here.
            int deletesAhead = 0;
            for (final byte[] value : own.tailMap(cursor, true).values())
            {
                deletesAhead += value == DELETED ? 1 : 0;
            }
            final int ask = (int)Math.min(MAX_ROWS_PER_REQUEST, wanted - view.size() + deletesAhead);
            final byte[] pageStart = cursor;
            final StardustClient.ScanReply reply = StardustClient.await(
                atSnapshot((epoch) -> client.scan(table, pageStart, to, ask, epoch, minAppliedEpoch)));
            final List<KeyValue> rows = reply.rows();
            if (reply.more() && rows.isEmpty())
            {
                throw new StardustException("a scan of " + table + " was answered with no rows and more to come");
            }
            // The reply gives every snapshot row of [cursor, readTo): up to its last row when cut short, else all.
            final byte[] readTo = reply.more() ? successor(rows.get(rows.size() - 1).key()) : to;
            overlay(rows, readTo.length == 0 ? own.tailMap(cursor, true) : own.subMap(cursor, true, readTo, false),
                view, wanted);
            if (view.size() == wanted || !reply.more())
            {
                break;
            }
            cursor = readTo;
        }
        // The result depends on every key up to the last live row it relied on; on the whole range when the range
        // ran out first.
        final byte[] validatedEnd = view.size() == wanted ? successor(view.get(view.size() - 1).key()) : to;
        synchronized (this)
        {
            rangeTables.add(table);
            ranges.add(new byte[][] {from, validatedEnd});
        }
        final boolean more = view.size() > limit;
        return new ScanPage(more ? new ArrayList<>(view.subList(0, limit)) : view, more);
    }

    /** This transaction's buffered writes to {@code table} within {@code [from, to)}, in key order. */
    private synchronized NavigableMap<byte[], byte[]> ownWrites(final String table, final byte[] from, final byte[] to)
    {
        final NavigableMap<byte[], byte[]> own = new TreeMap<>(Arrays::compareUnsigned);
        for (final Map.Entry<TableKey, byte[]> e : writes.entrySet())
        {
            final byte[] key = e.getKey().key();
            if (e.getKey().table().equals(table) && Arrays.compareUnsigned(key, from) >= 0 &&
                (to.length == 0 || Arrays.compareUnsigned(key, to) < 0))
            {
                own.put(key, e.getValue());
            }
        }
        return own;
    }

    /**
     * Merge snapshot rows with own writes of the same key interval, both in key order, into {@code view} until it
     * holds {@code wanted} rows.
     */
    private static void overlay(
        final List<KeyValue> rows, final NavigableMap<byte[], byte[]> own, final List<KeyValue> view, final long wanted)
    {
        final Iterator<Map.Entry<byte[], byte[]>> writes = own.entrySet().iterator();
        Map.Entry<byte[], byte[]> write = writes.hasNext() ? writes.next() : null;
        int i = 0;
        while (view.size() < wanted && (i < rows.size() || write != null))
        {
            final KeyValue row = i < rows.size() ? rows.get(i) : null;
            final int order = row == null ? 1 : write == null ? -1 : Arrays.compareUnsigned(row.key(), write.getKey());
            if (order < 0)
            {
                view.add(row);
                i++;
                continue;
            }
            if (write.getValue() != DELETED)
            {
                view.add(order == 0 ?
                    new KeyValue(row.key(), write.getValue().clone(), row.versionEpoch(), row.versionIndex()) :
                    new KeyValue(write.getKey().clone(), write.getValue().clone(), 0, 0));
            }
            if (order == 0)
            {
                i++;
            }
            write = writes.hasNext() ? writes.next() : null;
        }
    }

    /** @return the least key greater than {@code key}. */
    private static byte[] successor(final byte[] key)
    {
        return Arrays.copyOf(key, key.length + 1);
    }

    /**
     * Buffer a put; applied only if the transaction commits.
     *
     * @param table table name.
     * @param key   key bytes (not empty).
     * @param value value bytes.
     * @return this.
     */
    public Transaction put(final String table, final byte[] key, final byte[] value)
    {
        checkOpen();
        if (key.length == 0)
        {
            throw new IllegalArgumentException("empty key");
        }
        synchronized (this)
        {
            writes.put(new TableKey(client.qualify(table), key.clone()),
                value.length == 0 ? new byte[0] : value.clone());
        }
        return this;
    }

    /**
     * Buffer a put of UTF-8 text.
     *
     * @param table table name.
     * @param key   key text.
     * @param value value text.
     * @return this.
     */
    public Transaction put(final String table, final String key, final String value)
    {
        return put(table, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Buffer a delete.
     *
     * @param table table name.
     * @param key   key bytes.
     * @return this.
     */
    public Transaction delete(final String table, final byte[] key)
    {
        checkOpen();
        synchronized (this)
        {
            writes.put(new TableKey(client.qualify(table), key.clone()), DELETED);
        }
        return this;
    }

    /**
     * Commit. Read-only transactions complete at once; others go through the log.
     *
     * @return completes with the commit position, or fails with {@link ConflictException},
     * {@link RejectedException} or {@link StardustTimeoutException}.
     */
    public CompletableFuture<CommitInfo> commit()
    {
        checkOpen();
        finished = true;
        final long txnId = client.newTxnId();
        if (writes.isEmpty())
        {
            final long epoch = snapshot == null ? client.sessionEpoch() : snapshot.getNow(0L);
            return CompletableFuture.completedFuture(new CommitInfo(txnId, epoch, -1, true));
        }
        final long correlationId = client.newCorrelationId();
        final byte[] frame;
        try
        {
            frame = encode(correlationId, txnId);
        }
        catch (final RejectedException ex)
        {
            return CompletableFuture.failedFuture(ex);
        }
        return client.commit(frame, correlationId, txnId);
    }

    /**
     * Commit and wait.
     *
     * @return the commit position.
     */
    public CommitInfo commitSync()
    {
        return StardustClient.await(commit());
    }

    /** @return true once committed (or commit was attempted). */
    public boolean isFinished()
    {
        return finished;
    }

    synchronized byte[] encode(final long correlationId, final long txnId)
    {
        final List<CommitRecord.Read> readList = new ArrayList<>(reads.size());
        for (final Map.Entry<TableKey, long[]> e : reads.entrySet())
        {
            readList.add(new CommitRecord.Read(e.getKey().table(), e.getKey().key(),
                io.stardust.protocol.Versions.pack(e.getValue()[0], (int)e.getValue()[1])));
        }
        final List<CommitRecord.Range> rangeList = new ArrayList<>(ranges.size());
        for (int i = 0; i < ranges.size(); i++)
        {
            rangeList.add(new CommitRecord.Range(rangeTables.get(i), ranges.get(i)[0], ranges.get(i)[1]));
        }
        final List<CommitRecord.Write> writeList = new ArrayList<>(writes.size());
        for (final Map.Entry<TableKey, byte[]> e : writes.entrySet())
        {
            writeList.add(new CommitRecord.Write(e.getKey().table(), e.getKey().key(),
                e.getValue() == DELETED ? null : e.getValue()));
        }
        return new CommitRecord(0, snapshot == null ? 0 : snapshot.getNow(0L), readList, rangeList, writeList)
            .encode(correlationId, txnId, client.maxTransactionBytes());
    }

    /**
     * Run a read at the transaction's snapshot. The first read pins the snapshot; reads issued before its answer
     * wait for it, so every read of the transaction sees the same snapshot.
     * <p>
     * The future returned for the first read completes only after the snapshot is pinned (and the session epoch
     * advanced): whoever sees the read's result, and then writes and commits, commits with that snapshot epoch.
     * Returning the read's own future instead let a caller woken by it commit before the pinning callback ran,
     * with snapshot epoch 0.
     */
    private synchronized <T> CompletableFuture<T> atSnapshot(
        final java.util.function.LongFunction<CompletableFuture<T>> read)
    {
        if (snapshot == null)
        {
            final CompletableFuture<Long> pinned = new CompletableFuture<>();
            snapshot = pinned;
            final CompletableFuture<T> first = read.apply(-1);
            return first.whenComplete((reply, error) ->
            {
                if (error != null)
                {
                    synchronized (this)
                    {
                        // Nothing pinned: a later read may try again.
                        snapshot = null;
                    }
                    pinned.completeExceptionally(error);
                }
                else
                {
                    final long epoch = ((StardustClient.Snapshotted)reply).snapshotEpoch();
                    client.observeEpoch(epoch);
                    pinned.complete(epoch);
                }
            });
        }
        return snapshot.thenCompose(read::apply);
    }

    private void checkOpen()
    {
        if (finished)
        {
            throw new IllegalStateException("transaction already committed");
        }
    }

    static Throwable unwrap(final Throwable t)
    {
        Throwable e = t;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null)
        {
            e = e.getCause();
        }
        return e;
    }
}
