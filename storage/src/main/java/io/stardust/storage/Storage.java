package io.stardust.storage;

import io.stardust.protocol.Versions;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * Versioned rows of every table of one replica, with snapshot reads.
 * <p>
 * Writers: one epoch at a time, {@link #beginEpoch(long)}, then {@link #write} from any number of threads as long as
 * each key is written by one thread, then {@link #finishEpoch(long)}. Readers: any thread, at any retained snapshot
 * epoch, concurrently with the writers. Before the first write of a key in an epoch its previous row is kept in that
 * epoch's undo map, so a reader at snapshot {@code S} that meets a row newer than {@code S} follows the undo maps back
 * to the row visible at the end of {@code S}: a read never sees part of an epoch. Undo maps older than the retention
 * horizon are dropped; reads behind it fail with {@link SnapshotTooOldException}.
 * <p>
 * Capacity: a table starts without a map file and moves to bigger ones as it grows. Before an epoch writes, the
 * sequencing thread calls {@link #ensureCapacity(int, long, long)} for each table the epoch writes, so that no write
 * of the epoch can find a map full; rows must be within {@link #MAX_KEY_BYTES} and {@link #MAX_VALUE_BYTES}.
 * <p>
 * Failure: after a fault in the middle of applying an epoch the caller marks the storage {@link #fail(String)}ed; from
 * then on every read and write throws {@link ReplicaFailedException}, until {@link #reset()}.
 */
public final class Storage implements AutoCloseable
{
    /** Tells {@link #write(int, byte[], long, boolean, byte[], byte[])} that the key had no row. */
    public static final byte[] NO_ROW_AT_START = new byte[0];
    /** Longest key a table holds, in bytes: 64 KiB. */
    public static final int MAX_KEY_BYTES = 64 * 1024;
    /** Longest value a table holds, in bytes: 1 MiB (a key of {@link #MAX_KEY_BYTES} beside it still fits). */
    public static final int MAX_VALUE_BYTES = 1024 * 1024;

    private final StorageConfig config;
    private final Tables tables;
    private final History history = new History();
    private long writingEpoch;
    private volatile long appliedEpoch;
    /** Why the storage failed, or null. */
    private final AtomicReference<String> failure = new AtomicReference<>();
    /** Test-only fault: writes of an epoch that succeed before the next one throws; negative when off. */
    private long faultAfterWrites = -1;
    private final AtomicLong epochWrites = new AtomicLong();

    /**
     * Open (or create) the storage in {@link StorageConfig#directory()}. Tables are opened by {@link #createTable}.
     *
     * @param config settings, validated here.
     */
    public Storage(final StorageConfig config)
    {
        this.config = config.validate();
        this.tables = new Tables(new File(config.directory(), "tables"), config.minFreeDiskBytes());
    }

    /** @return the settings. */
    public StorageConfig config()
    {
        return config;
    }

    /**
     * Check a row against the largest key and value storage holds.
     *
     * @param keyBytes   key length.
     * @param valueBytes value length (0 for a delete).
     * @return null when a table can hold the row, else what is wrong with it.
     */
    public static String checkRow(final int keyBytes, final int valueBytes)
    {
        if (keyBytes < 0 || valueBytes < 0)
        {
            return "negative row size: key " + keyBytes + ", value " + valueBytes;
        }
        if (keyBytes > MAX_KEY_BYTES)
        {
            return "key of " + keyBytes + " bytes exceeds the storage limit of " + MAX_KEY_BYTES + " bytes";
        }
        if (valueBytes > MAX_VALUE_BYTES)
        {
            return "value of " + valueBytes + " bytes exceeds the storage limit of " + MAX_VALUE_BYTES + " bytes";
        }
        return null;
    }

    /**
     * Pay up front what Chronicle Map costs the first time a JVM creates a map (generating and compiling its code,
     * several seconds on the first table otherwise): create, use and delete a small map laid out as real tables are,
     * in a temporary directory. Call once when a member starts, before it serves.
     *
     * @throws java.io.UncheckedIOException when the temporary directory cannot be created or removed.
     */
    public static void warmUp()
    {
        Tables.warmUp();
    }

    /**
     * Mark this replica failed: a fault stopped an epoch half applied, so its rows match no epoch. From now on every
     * read and write throws {@link ReplicaFailedException} naming {@code reason}; only {@link #reset()} (rebuilding
     * from a snapshot and the log) clears it. The first reason given is kept. Any thread.
     *
     * @param reason what went wrong.
     */
    public void fail(final String reason)
    {
        failure.compareAndSet(null, reason == null ? "unknown fault" : reason);
    }

    /** @return why the storage failed, or null while it has not. */
    public String failure()
    {
        return failure.get();
    }

    /**
     * Remove every table and its file, forget all history and any {@link #fail(String) failure}: the state of an
     * empty log.
     */
    public synchronized void reset()
    {
        tables.closeAll(true);
        failure.set(null);
        faultAfterWrites = -1;
        history.reset(0);
        appliedEpoch = 0;
        writingEpoch = 0;
    }

    /**
     * Open a table: its newest file when one is left in the directory, else an empty table, which takes no file
     * until its first row. Ids are assigned by the catalog, densely from 0.
     *
     * @param tableId id from the catalog.
     * @param name    table name, used in the file name.
     */
    public void createTable(final int tableId, final String name)
    {
        checkNotFailed();
        tables.create(tableId, name);
    }

    /**
     * Drop a table (a SQL table or index that DROP removed), between epochs: its files go, and its id is never used
     * again. A reader inside it is waited for.
     *
     * @param tableId id from the catalog.
     */
    public void dropTable(final int tableId)
    {
        checkNotFailed();
        tables.drop(tableId);
    }

    /**
     * @param tableId table id.
     * @return true when the table is open.
     */
    public boolean hasTable(final int tableId)
    {
        return tables.has(tableId);
    }

    /** @return the last epoch whose writes are all applied. */
    public long appliedEpoch()
    {
        return appliedEpoch;
    }

    /** @return the oldest snapshot epoch still readable. */
    public long oldestReadableEpoch()
    {
        return history.horizon();
    }

    /**
     * The latest row of a key, for validation on the sequencing thread while no epoch is being written.
     *
     * @param tableId table id.
     * @param key     key bytes.
     * @return the row, or {@link Row#ABSENT}.
     */
    public Row latest(final int tableId, final byte[] key)
    {
        return Row.decode(latestEncoded(tableId, key));
    }

    /**
     * The latest row of a key in its stored form, for validation on the sequencing thread; hand it back to
     * {@link #write(int, byte[], long, boolean, byte[], byte[])} to spare a second lookup.
     *
     * @param tableId table id.
     * @param key     key bytes.
     * @return the encoded row, or null when the key was never written.
     */
    public byte[] latestEncoded(final int tableId, final byte[] key)
    {
        checkNotFailed();
        final byte[] raw = table(tableId).getRaw(key);
        checkNotFailed();
        return raw;
    }

    /**
     * @param encoded a row from {@link #latestEncoded(int, byte[])}, or null.
     * @return its packed version, or {@link Versions#ABSENT}.
     */
    public static long versionOf(final byte[] encoded)
    {
        return encoded == null ? Versions.ABSENT : Row.decodeVersion(encoded);
    }

    /**
     * The latest version of a key, without decoding its value.
     *
     * @param tableId table id.
     * @param key     key bytes.
     * @return the packed version, or {@link Versions#ABSENT}.
     */
    public long latestVersion(final int tableId, final byte[] key)
    {
        return versionOf(latestEncoded(tableId, key));
    }

    /**
     * Read a key as of the end of {@code snapshotEpoch}.
     *
     * @param tableId       table id.
     * @param key           key bytes.
     * @param snapshotEpoch epoch, at most {@link #appliedEpoch()}.
     * @return the row visible at the snapshot (may be a tombstone or {@link Row#ABSENT}).
     * @throws SnapshotTooOldException when the snapshot is behind the retention horizon.
     */
    public Row read(final int tableId, final byte[] key, final long snapshotEpoch)
    {
        checkNotFailed();
        checkSnapshot(snapshotEpoch);
        final Table table = table(tableId);
        final Row row = Row.decode(history.visibleAt(table, key, snapshotEpoch));
        history.checkRetained(snapshotEpoch);
        checkNotFailed();
        return row;
    }

    /**
     * Live rows of {@code [start, end)} in key order as of the end of {@code snapshotEpoch}.
     *
     * @param tableId       table id.
     * @param start         inclusive start; null or empty for the first key.
     * @param end           exclusive end; null or empty for no bound.
     * @param snapshotEpoch epoch, at most {@link #appliedEpoch()}.
     * @param limit         most rows to hand over.
     * @param consumer      receives each live row.
     * @return true when rows remained past the limit.
     */
    public boolean scan(
        final int tableId,
        final byte[] start,
        final byte[] end,
        final long snapshotEpoch,
        final int limit,
        final RowConsumer consumer)
    {
        checkNotFailed();
        checkSnapshot(snapshotEpoch);
        final Table table = table(tableId);
        final List<byte[]> keys = new ArrayList<>();
        final List<Row> rows = new ArrayList<>();
        boolean more = false;
        for (final byte[] key : table.keyRange(start, end))
        {
            final byte[] raw = history.visibleAt(table, key, snapshotEpoch);
            if (raw != null)
            {
                final Row row = Row.decode(raw);
                if (row.isLive())
                {
                    if (keys.size() == limit)
                    {
                        more = true;
                        break;
                    }
                    keys.add(key);
                    rows.add(row);
                }
            }
        }
        // Only hand rows over once the whole range was read inside the retention horizon, and not failed meanwhile.
        history.checkRetained(snapshotEpoch);
        checkNotFailed();
        for (int i = 0; i < keys.size(); i++)
        {
            consumer.accept(keys.get(i), rows.get(i));
        }
        return more;
    }

    /**
     * For range validation on the sequencing thread: the first key of {@code [start, end)} whose latest version
     * (including tombstones) is newer than {@code snapshotEpoch}.
     *
     * @param tableId       table id.
     * @param start         inclusive start.
     * @param end           exclusive end; empty for no bound.
     * @param snapshotEpoch the epoch the range was read at.
     * @return the key, or null when the range is unchanged since the snapshot.
     */
    public byte[] firstKeyWrittenAfter(final int tableId, final byte[] start, final byte[] end, final long snapshotEpoch)
    {
        checkNotFailed();
        final Table table = table(tableId);
        byte[] found = null;
        for (final byte[] key : table.keyRange(start, end))
        {
            final byte[] raw = table.getRaw(key);
            if (raw != null && Versions.epoch(Row.decodeVersion(raw)) > snapshotEpoch)
            {
                found = key;
                break;
            }
        }
        checkNotFailed();
        return found;
    }

    /**
     * Make room for the next epoch's writes to a table: call it on the sequencing thread before
     * {@link #beginEpoch(long, int)}, once for each table the epoch writes, with upper bounds of what it writes there.
     * Afterwards no write of the epoch to the table can find its map full, whatever its keys and sizes, as long as
     * each row passes {@link #checkRow(int, int)} and the epoch writes no more than said: the map keeps at least as
     * many spare tiers as the epoch has writes, and a write takes at most one. A table that would be past its map's
     * planned fill moves to a bigger map here: the rows are copied to a new file (1.3 to 2.3 s per million rows
     * measured), readers switch to it, and the old file is deleted once no reader is inside. Writes made without
     * this call work too, but without the guarantee: the capacity is then checked after each epoch.
     *
     * @param tableId    table id.
     * @param writes     most puts and deletes the next epoch makes to the table, counting every write (also repeated
     *                   writes of a key).
     * @param writeBytes most key plus value bytes those writes carry in all (deletes count their key).
     * @throws IllegalArgumentException     when the table does not exist or a bound is negative.
     * @throws IllegalStateException        during an epoch, or when the table cannot grow any more (about four billion
     *                                      rows, or half a billion writes in one epoch).
     * @throws java.io.UncheckedIOException when the writes or a bigger map could leave less than 64 MiB of disk free
     *                                      (a write to a sparse file on a full disk would fault mid-epoch), or a file
     *                                      cannot be created.
     * @throws ReplicaFailedException       when the storage failed.
     */
    public void ensureCapacity(final int tableId, final long writes, final long writeBytes)
    {
        checkNotFailed();
        if (writes < 0 || writeBytes < 0)
        {
            throw new IllegalArgumentException("negative capacity request: " + writes + " writes, " + writeBytes +
                " bytes");
        }
        if (writingEpoch != 0)
        {
            throw new IllegalStateException("cannot make room while epoch " + writingEpoch + " is being written");
        }
        tables.ensureCapacity(tableId, writes, writeBytes, true);
    }

    /**
     * Start writing an epoch. Must follow {@link #finishEpoch} of the previous one.
     *
     * @param epoch a number greater than {@link #appliedEpoch()}.
     */
    public void beginEpoch(final long epoch)
    {
        beginEpoch(epoch, 16);
    }

    /**
     * As {@link #beginEpoch(long)}, sizing the epoch's undo map for the keys it will write (growing a concurrent map
     * while writing cost a few percent of the service thread).
     *
     * @param epoch        a number greater than {@link #appliedEpoch()}.
     * @param expectedKeys about how many keys the epoch writes.
     */
    public void beginEpoch(final long epoch, final int expectedKeys)
    {
        checkNotFailed();
        if (epoch <= appliedEpoch || writingEpoch != 0)
        {
            throw new IllegalStateException(
                "cannot begin epoch " + epoch + ": applied=" + appliedEpoch + " writing=" + writingEpoch);
        }
        history.begin(epoch, expectedKeys);
        epochWrites.set(0);
        writingEpoch = epoch;
    }

    /**
     * Write one row of the current epoch. Threads may write concurrently, each key from one thread only.
     *
     * @param tableId table id.
     * @param key     key bytes.
     * @param version packed version; its epoch must be the epoch being written.
     * @param deleted true for a delete (a tombstone is kept).
     * @param value   value bytes (ignored for deletes).
     */
    public void write(final int tableId, final byte[] key, final long version, final boolean deleted, final byte[] value)
    {
        write(tableId, key, version, deleted, value, null);
    }

    /**
     * As {@link #write(int, byte[], long, boolean, byte[])}, with the key's row at the start of the epoch when the
     * caller already read it (an empty array for "no row"), to spare a lookup.
     *
     * @param tableId     table id.
     * @param key         key bytes.
     * @param version     packed version; its epoch must be the epoch being written.
     * @param deleted     true for a delete.
     * @param value       value bytes (ignored for deletes).
     * @param rowAtStart  the encoded row at the start of this epoch, {@link #NO_ROW_AT_START} when there was none,
     *                    or null when not known.
     */
    public void write(
        final int tableId,
        final byte[] key,
        final long version,
        final boolean deleted,
        final byte[] value,
        final byte[] rowAtStart)
    {
        checkNotFailed();
        final Table table = table(tableId);
        final String tooBig = checkRow(key.length, deleted ? 0 : value.length);
        if (tooBig != null)
        {
            throw new IllegalArgumentException("table " + tableId + ": " + tooBig);
        }
        if (faultAfterWrites >= 0 && epochWrites.incrementAndGet() > faultAfterWrites)
        {
            throw new IllegalStateException("injected fault: write " + epochWrites.get() + " of epoch " +
                writingEpoch + " (test hook failAfterWrites(" + faultAfterWrites + "))");
        }
        final KeyBytes undoKey = new KeyBytes(tableId, key);
        final byte[] previous;
        if (!history.writtenInEpoch(undoKey))
        {
            // First write of the key in this epoch: keep the row readers at older snapshots must still see.
            previous = rowAtStart == null ? table.getForWrite(key) : rowAtStart == NO_ROW_AT_START ? null : rowAtStart;
            history.recordFirstWrite(undoKey, previous);
        }
        else
        {
            // Written earlier in this epoch: the stored row's size keeps the table's byte count exact.
            previous = table.getForWrite(key);
        }
        table.putRaw(key, Row.encode(version, deleted, deleted ? Row.EMPTY : value), previous);
    }

    /**
     * Publish the epoch: readers at the latest snapshot now see all of its writes. Drops history behind the
     * retention horizon.
     *
     * @param epoch the epoch given to {@link #beginEpoch(long)}.
     */
    public void finishEpoch(final long epoch)
    {
        if (epoch != writingEpoch)
        {
            throw new IllegalStateException("finishing epoch " + epoch + " but writing " + writingEpoch);
        }
        checkNotFailed();
        writingEpoch = 0;
        appliedEpoch = epoch;
        history.finish(epoch, config.retainedEpochs(), config.retainedUndoRows());
        tables.afterWrites();
    }

    /**
     * Keep every row version newer than {@code epoch} until {@link #unpin()}, so another thread can read the whole
     * state as of {@code epoch} while epochs go on being applied (a checkpoint). Memory grows with the writes
     * applied meanwhile. Call on the sequencing thread, with {@code epoch} applied and not behind the horizon.
     *
     * @param epoch the epoch to keep readable.
     */
    public void pin(final long epoch)
    {
        checkNotFailed();
        checkSnapshot(epoch);
        history.pin(epoch);
    }

    /** Let the retention bounds apply again (the next epoch finished drops what they exceed). */
    public void unpin()
    {
        history.unpin();
    }

    /**
     * A key's row as stored (version, tombstone flag, value) as of the end of {@code epoch}; any thread.
     *
     * @return the encoded row (possibly a tombstone), or null when the key had no row then.
     * @throws SnapshotTooOldException when {@code epoch} is behind the horizon.
     */
    public byte[] encodedAt(final int tableId, final byte[] key, final long epoch)
    {
        checkNotFailed();
        history.checkRetained(epoch);
        final byte[] raw = history.visibleAt(table(tableId), key, epoch);
        history.checkRetained(epoch);
        checkNotFailed();
        return raw;
    }

    /** @return every key of a table in key order, including keys written after any given snapshot; any thread. */
    public Iterable<byte[]> keys(final int tableId)
    {
        checkNotFailed();
        return table(tableId).keyRange(null, null);
    }

    /** @return epochs whose undo records are held (for tests of retention). */
    int undoEpochsHeld()
    {
        return history.epochsHeld();
    }

    /**
     * Every stored row of a table (tombstones included) in its stored form, for snapshots. Call it on the sequencing
     * thread between epochs.
     *
     * @param tableId  table id.
     * @param consumer receives key and encoded row.
     */
    public void forEachEncoded(final int tableId, final BiConsumer<byte[], byte[]> consumer)
    {
        checkNotFailed();
        table(tableId).forEachRow(consumer);
        checkNotFailed();
    }

    /**
     * Put a row from a snapshot, bypassing epochs and undo history. Only between {@link #reset()} and
     * {@link #restoredTo(long)}, each key once. The table grows as rows arrive, doubling (a million rows took about
     * 4.5 s, copies included). Do not announce the rows with {@link #ensureCapacity(int, long, long)}: it takes them
     * for one epoch's writes and would keep spare tiers for as many.
     *
     * @param tableId table id.
     * @param key     key bytes.
     * @param encoded the row as {@link #forEachEncoded} gave it.
     */
    public void loadEncoded(final int tableId, final byte[] key, final byte[] encoded)
    {
        checkNotFailed();
        if (encoded.length < MapLayout.ROW_HEADER_BYTES)
        {
            throw new IllegalArgumentException("snapshot row of " + encoded.length + " bytes is shorter than a row header");
        }
        final String tooBig = checkRow(key.length, encoded.length - MapLayout.ROW_HEADER_BYTES);
        if (tooBig != null)
        {
            throw new IllegalArgumentException("snapshot row of table " + tableId + ": " + tooBig);
        }
        tables.ensureCapacity(tableId, 1, key.length + encoded.length, false);
        table(tableId).putRaw(key, encoded, null);
    }

    /**
     * Finish a restore: the loaded rows are the state at the end of {@code epoch}; older snapshots are not readable.
     *
     * @param epoch the snapshot's last applied epoch.
     */
    public void restoredTo(final long epoch)
    {
        checkNotFailed();
        tables.afterWrites();
        history.reset(epoch);
        writingEpoch = 0;
        appliedEpoch = epoch;
    }

    /**
     * Mark an epoch as applied when it wrote nothing (keeps appliedEpoch moving for read-your-writes).
     *
     * @param epoch the epoch.
     */
    public void skipEpoch(final long epoch)
    {
        beginEpoch(epoch);
        finishEpoch(epoch);
    }

    /**
     * An order-independent checksum of every row (live or tombstone) of every table: equal on two replicas exactly
     * when, with overwhelming probability, they hold the same rows. Call it on the sequencing thread.
     *
     * @return the checksum.
     */
    public long checksum()
    {
        checkNotFailed();
        final long[] sum = {0};
        for (final Table table : tables.all())
        {
            if (table != null)
            {
                table.forEachRow((key, row) ->
                {
                    long h = Hashing.hash(Hashing.SEED ^ table.id(), key);
                    h = Hashing.hash(h, row);
                    sum[0] += Hashing.mix(h);
                });
            }
        }
        checkNotFailed();
        return sum[0];
    }

    /**
     * @param tableId table id.
     * @return rows in the table, tombstones included.
     */
    public long size(final int tableId)
    {
        checkNotFailed();
        return table(tableId).size();
    }

    @Override
    public synchronized void close()
    {
        tables.closeAll(false);
    }

    /**
     * Test only: from the next epoch on, let {@code writes} writes of each epoch reach storage and throw from the one
     * after, as a fault in the middle of applying an epoch would. Package-private on purpose: no configuration or
     * command line reaches it.
     *
     * @param writes writes that succeed in each epoch; negative to switch the fault off.
     */
    void failAfterWrites(final long writes)
    {
        faultAfterWrites = writes;
    }

    /** @return the table's current map, or null (for tests). */
    TableMap tableMap(final int tableId)
    {
        return table(tableId).map();
    }

    /** @return the table, for tests. */
    Table tableForTest(final int tableId)
    {
        return table(tableId);
    }

    private void checkNotFailed()
    {
        final String reason = failure.get();
        if (reason != null)
        {
            throw new ReplicaFailedException(reason);
        }
    }

    private void checkSnapshot(final long snapshotEpoch)
    {
        if (snapshotEpoch > appliedEpoch)
        {
            throw new IllegalArgumentException(
                "snapshot epoch " + snapshotEpoch + " is not applied yet (applied " + appliedEpoch + ")");
        }
        history.checkRetained(snapshotEpoch);
    }

    private Table table(final int tableId)
    {
        return tables.get(tableId);
    }

    /** Receives rows of a scan. */
    @FunctionalInterface
    public interface RowConsumer
    {
        void accept(byte[] key, Row row);
    }
}
