package io.stardust.scheduler;

import io.stardust.protocol.Versions;
import io.stardust.storage.Hashing;
import io.stardust.storage.KeyBytes;
import io.stardust.storage.Storage;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Runs a closed epoch deterministically with read-then-validate and an Aria-style reservation scheme.
 * <ol>
 *   <li><b>Reserve.</b> Every transaction reserves each key it writes; a key's reservation is the lowest index that
 *   writes it. A minimum is order independent, so any number of threads gives the same reservations.</li>
 *   <li><b>Validate.</b> Transaction {@code i} commits when, for each point read in order, the key's version at the
 *   start of the epoch equals the version it read ({@link AbortReason#STALE_READ} otherwise) and no earlier
 *   transaction of the epoch reserved the key ({@link AbortReason#READ_AFTER_WRITE_IN_EPOCH}); and when no key in a
 *   scanned range was written after the scan's snapshot or is reserved by an earlier transaction
 *   ({@link AbortReason#PHANTOM}). As in Aria, an earlier writer counts even if it aborts itself: this keeps
 *   validation free of dependencies between transactions, at the price of some avoidable aborts.</li>
 *   <li><b>One-shots.</b> A transaction with ops ({@link TxnRecord#isOneShot()}) is not validated: it runs at its
 *   index against the state every earlier committed transaction of the epoch left ({@link OneShots}), and aborts only
 *   when one of its conditions is false. The keys its ops may write are reserved in the first phase.</li>
 *   <li><b>Apply.</b> Writes of committed transactions are applied with version {@code (epoch, i)}, partitioned by
 *   key hash so that each key is written by one thread, in index order (the last writer wins).</li>
 *   <li><b>Digest.</b> Each transaction's outcome and writes hash to a value; the epoch digest chains the previous
 *   digest with those values in index order.</li>
 * </ol>
 * Nothing in the decision depends on thread timing, so the outcomes and digest are the same for any worker count.
 * {@link #execute} must be called from one thread at a time (the sequencer's service thread).
 * <p>
 * Before applying, the scheduler checks every committed write against the storage's row limits and makes room in
 * each table written ({@link Storage#ensureCapacity}), so that the parallel apply phase never finds a map full. When
 * anything fails once the epoch's records were accepted, the storage is marked failed ({@link Storage#fail}) before
 * the exception leaves {@link #execute}: its rows may be half an epoch, and no read may be served from them.
 */
public final class Scheduler implements AutoCloseable
{
    /** Most worker threads accepted. */
    public static final int MAX_WORKERS = 64;

    private final Storage storage;
    private final AtomicInteger threadIds = new AtomicInteger();
    private volatile int requestedWorkers;
    private int workers;
    private ExecutorService pool;
    private volatile long lastDigest = Hashing.SEED;
    private volatile long lastEpoch;
    private volatile Procedures procedures = new Procedures(Scheduler.class.getClassLoader());
    private volatile RowOps rowOps = RowOps.NONE;
    private volatile OneShotExecution oneShotExecution = OneShotExecution.GROUPS;

    /**
     * @param storage the replica's storage.
     * @param workers worker threads, 1..{@link #MAX_WORKERS}.
     */
    public Scheduler(final Storage storage, final int workers)
    {
        this.storage = storage;
        workers(workers);
    }

    /**
     * Change the number of worker threads from the next epoch on. A local knob: it changes speed, never outcomes.
     *
     * @param workers 1..{@link #MAX_WORKERS}.
     */
    public void workers(final int workers)
    {
        if (workers < 1 || workers > MAX_WORKERS)
        {
            throw new IllegalArgumentException("scheduler workers must be in [1, " + MAX_WORKERS + "], was " + workers);
        }
        requestedWorkers = workers;
    }

    /** @return worker threads in use (or requested, before the next epoch). */
    public int workers()
    {
        return requestedWorkers;
    }

    /**
     * @param procedures the procedure versions calls may name (the service keeps them as the log registers them).
     * @return this.
     */
    public Scheduler procedures(final Procedures procedures)
    {
        this.procedures = procedures;
        return this;
    }

    /**
     * @param rowOps how UPDATE_ROW ops update SQL rows (the sequencer's, over its catalog).
     * @return this.
     */
    public Scheduler rowOps(final RowOps rowOps)
    {
        this.rowOps = rowOps;
        return this;
    }

    /**
     * @param mode how one-shots run: a local knob that changes speed, never outcomes.
     * @return this.
     */
    public Scheduler oneShotExecution(final OneShotExecution mode)
    {
        this.oneShotExecution = mode;
        return this;
    }

    /** @return the procedure versions calls may name. */
    public Procedures procedures()
    {
        return procedures;
    }

    /** @return digest after the last executed epoch. */
    public long lastDigest()
    {
        return lastDigest;
    }

    /** @return the last executed epoch. */
    public long lastEpoch()
    {
        return lastEpoch;
    }

    /**
     * Restore the digest chain, for example from a snapshot.
     *
     * @param epoch  last epoch covered by the digest.
     * @param digest digest value.
     */
    public void restore(final long epoch, final long digest)
    {
        this.lastEpoch = epoch;
        this.lastDigest = digest;
    }

    /**
     * Validate and apply one epoch.
     *
     * @param epoch epoch number, greater than the last one.
     * @param txns  transactions in log order; index {@code i} is the position in this list.
     * @return outcomes and the digest.
     * @throws IllegalStateException    when {@code epoch} is not after the last one (nothing is touched).
     * @throws IllegalArgumentException when the epoch holds too many transactions (nothing is touched).
     * @throws RuntimeException         anything that fails validating, making room or applying, after the storage was
     *                                  marked failed with its description; that includes a committed write past
     *                                  {@link Storage#checkRow}, refused before anything is written.
     */
    public EpochResult execute(final long epoch, final List<TxnRecord> txns)
    {
        if (epoch <= lastEpoch)
        {
            throw new IllegalStateException("epoch " + epoch + " is not after the last executed epoch " + lastEpoch);
        }
        if (txns.size() > Versions.MAX_EPOCH_TRANSACTIONS)
        {
            throw new IllegalArgumentException("epoch " + epoch + " holds " + txns.size() + " transactions; at most " +
                Versions.MAX_EPOCH_TRANSACTIONS);
        }
        adjustPool();
        try
        {
            return run(epoch, txns);
        }
        catch (final RuntimeException | Error ex)
        {
            storage.fail("epoch " + epoch + " failed: " + ex);
            throw ex;
        }
    }

    private EpochResult run(final long epoch, final List<TxnRecord> txns)
    {
        final int n = txns.size();
        final TxnRecord[] records = txns.toArray(new TxnRecord[0]);
        final Map<KeyBytes, Integer> reservations = new ConcurrentHashMap<>(Math.max(16, n * 2));
        final Outcome[] outcomes = new Outcome[n];
        final long[] txnHashes = new long[n];
        // Rows read during validation, by key: the state at the start of the epoch, reused when applying.
        final Map<KeyBytes, byte[]> rowsAtStart = new ConcurrentHashMap<>(Math.max(16, n * 2));

        // Phase 1: reservations, of validated transactions' writes and of every key a one-shot may write.
        parallel((w) ->
        {
            for (int i = w; i < n; i += workers)
            {
                for (final TxnRecord.Write write : records[i].writes())
                {
                    reservations.merge(new KeyBytes(write.tableId(), write.key()), i, Math::min);
                }
                for (final TxnRecord.Op op : records[i].ops())
                {
                    if (op.writes())
                    {
                        reservations.merge(new KeyBytes(op.tableId(), op.key()), i, Math::min);
                    }
                }
            }
        });

        // Range validation needs reservations in key order; build them only when some transaction scanned.
        final TreeMap<KeyBytes, Integer> orderedReservations = hasRanges(records) ? new TreeMap<>(reservations) : null;

        // Phase 2: validation against the state at the start of the epoch.
        parallel((w) ->
        {
            for (int i = w; i < n; i += workers)
            {
                if (!records[i].isOneShot())
                {
                    outcomes[i] = validate(i, records[i], reservations, orderedReservations, rowsAtStart);
                }
            }
        });

        // Phase 2b: one-shots run at their positions, after the validated decisions they may depend on.
        final OneShotEffect[] effects = OneShots.any(records) ?
            OneShots.run(storage, procedures, rowOps, records, outcomes, workers, this::parallel,
                oneShotExecution) : null;
        final TxnRecord.Write[][] writesOf = new TxnRecord.Write[n][];
        for (int i = 0; i < n; i++)
        {
            writesOf[i] = effects != null && effects[i] != null ? effects[i].writes() : records[i].writes();
        }

        // Phase 3: apply committed writes by key partition, and hash each transaction's effect; first make room in
        // the tables, so that no write finds a map full.
        final int writes = makeRoom(records, writesOf, outcomes);
        storage.beginEpoch(epoch, writes);
        parallel((w) ->
        {
            for (int i = 0; i < n; i++)
            {
                final boolean mine = i % workers == w;
                final boolean committed = outcomes[i].committed();
                long h = mine ? Hashing.hash(Hashing.hash(Hashing.SEED, i), outcomes[i].reason().ordinal()) : 0;
                for (final TxnRecord.Write write : writesOf[i])
                {
                    if (committed && partition(write) % workers == w)
                    {
                        storage.write(write.tableId(), write.key(), Versions.pack(epoch, i), write.delete(),
                            write.value(), rowsAtStart.get(new KeyBytes(write.tableId(), write.key())));
                    }
                    if (mine && committed)
                    {
                        h = Hashing.hash(h, write.tableId());
                        h = Hashing.hash(h, write.key());
                        h = Hashing.hash(h, write.delete() ? 1 : 0);
                        h = Hashing.hash(h, write.delete() ? EMPTY : write.value());
                    }
                }
                if (mine)
                {
                    txnHashes[i] = h;
                }
            }
        });
        storage.finishEpoch(epoch);

        long digest = Hashing.hash(lastDigest, epoch);
        int committed = 0;
        for (int i = 0; i < n; i++)
        {
            digest = Hashing.hash(digest, txnHashes[i]);
            committed += outcomes[i].committed() ? 1 : 0;
        }
        lastDigest = digest;
        lastEpoch = epoch;
        return new EpochResult(epoch, outcomes, committed, digest, effects);
    }

    private static final byte[] EMPTY = new byte[0];

    /**
     * Check the committed writes against the storage's row limits and make room for them in each table.
     *
     * @return the number of committed writes.
     */
    private int makeRoom(final TxnRecord[] records, final TxnRecord.Write[][] writesOf, final Outcome[] outcomes)
    {
        // Per table written: {table id, writes, key and value bytes}.
        final Map<Integer, long[]> byTable = new HashMap<>();
        long[] last = null;
        int writes = 0;
        for (int i = 0; i < records.length; i++)
        {
            if (!outcomes[i].committed())
            {
                continue;
            }
            for (final TxnRecord.Write write : writesOf[i])
            {
                final int valueBytes = write.delete() ? 0 : write.value().length;
                final String problem = Storage.checkRow(write.key().length, valueBytes);
                if (problem != null)
                {
                    throw new IllegalArgumentException("transaction " + records[i].txnId() + " (index " + i +
                        ") writes a row storage cannot hold to table " + write.tableId() + ": " + problem);
                }
                if (last == null || last[0] != write.tableId())
                {
                    last = byTable.computeIfAbsent(write.tableId(), (id) -> new long[] {id, 0, 0});
                }
                last[1]++;
                last[2] += write.key().length + valueBytes;
                writes++;
            }
        }
        for (final long[] table : byTable.values())
        {
            storage.ensureCapacity((int)table[0], table[1], table[2]);
        }
        return writes;
    }

    private Outcome validate(
        final int index,
        final TxnRecord txn,
        final Map<KeyBytes, Integer> reservations,
        final TreeMap<KeyBytes, Integer> orderedReservations,
        final Map<KeyBytes, byte[]> rowsAtStart)
    {
        for (final TxnRecord.Read read : txn.reads())
        {
            final KeyBytes key = new KeyBytes(read.tableId(), read.key());
            final byte[] row = storage.latestEncoded(read.tableId(), read.key());
            rowsAtStart.put(key, row == null ? Storage.NO_ROW_AT_START : row);
            if (Storage.versionOf(row) != read.version())
            {
                return new Outcome(AbortReason.STALE_READ, read.tableId(), read.key());
            }
            final Integer writer = reservations.get(key);
            if (writer != null && writer < index)
            {
                return new Outcome(AbortReason.READ_AFTER_WRITE_IN_EPOCH, read.tableId(), read.key());
            }
        }
        for (final TxnRecord.Range range : txn.ranges())
        {
            if (range.end().length > 0 && KeyBytes.ORDER.compare(range.start(), range.end()) > 0)
            {
                // A start past the end holds no key (the sequencer refuses such ranges; this keeps replicas up).
                continue;
            }
            final byte[] changed = storage.firstKeyWrittenAfter(
                range.tableId(), range.start(), range.end(), txn.snapshotEpoch());
            if (changed != null)
            {
                return new Outcome(AbortReason.PHANTOM, range.tableId(), changed);
            }
            final KeyBytes from = new KeyBytes(range.tableId(), range.start());
            final Map<KeyBytes, Integer> inRange = range.end().length == 0 ?
                orderedReservations.subMap(from, true, new KeyBytes(range.tableId() + 1, EMPTY), false) :
                orderedReservations.subMap(from, true, new KeyBytes(range.tableId(), range.end()), false);
            for (final Map.Entry<KeyBytes, Integer> e : inRange.entrySet())
            {
                if (e.getValue() < index)
                {
                    return new Outcome(AbortReason.PHANTOM, range.tableId(), e.getKey().key());
                }
            }
        }
        return Outcome.COMMITTED;
    }

    private static boolean hasRanges(final TxnRecord[] records)
    {
        for (final TxnRecord record : records)
        {
            if (record.ranges().length > 0)
            {
                return true;
            }
        }
        return false;
    }

    private static int partition(final TxnRecord.Write write)
    {
        return new KeyBytes(write.tableId(), write.key()).hashCode() & 0x7FFF_FFFF;
    }

    private void adjustPool()
    {
        final int wanted = requestedWorkers;
        if (wanted != workers)
        {
            if (pool != null)
            {
                pool.shutdown();
                pool = null;
            }
            workers = wanted;
            if (workers > 1)
            {
                pool = Executors.newFixedThreadPool(workers - 1, (r) ->
                {
                    final Thread t = new Thread(r, "stardust-scheduler-" + threadIds.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
            }
        }
    }

    private void parallel(final IntConsumer task)
    {
        if (workers == 1)
        {
            task.accept(0);
            return;
        }
        @SuppressWarnings("unchecked")
        final Future<?>[] futures = new Future<?>[workers - 1];
        for (int w = 1; w < workers; w++)
        {
            final int worker = w;
            futures[w - 1] = pool.submit(() -> task.accept(worker));
        }
        Throwable failure = null;
        try
        {
            task.accept(0);
        }
        catch (final RuntimeException | Error ex)
        {
            // Wait for the other workers all the same: none may still be writing once the epoch has failed.
            failure = ex;
        }
        for (final Future<?> future : futures)
        {
            try
            {
                future.get();
            }
            catch (final ExecutionException ex)
            {
                if (failure == null)
                {
                    failure = new IllegalStateException("scheduler worker failed", ex.getCause());
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running an epoch", ex);
            }
        }
        if (failure instanceof RuntimeException ex)
        {
            throw ex;
        }
        if (failure instanceof Error error)
        {
            throw error;
        }
    }

    @Override
    public void close()
    {
        if (pool != null)
        {
            pool.shutdownNow();
            pool = null;
        }
    }
}
