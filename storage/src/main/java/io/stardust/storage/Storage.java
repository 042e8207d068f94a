package io.stardust.storage;

import io.stardust.protocol.Versions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Versioned rows of every table of one replica, with snapshot reads.
 * <p>
 * Writers: one epoch at a time, {@link #beginEpoch(long)}, then {@link #write} from any number of threads as long as
 * each key is written by one thread, then {@link #finishEpoch(long)}. Readers: any thread, at any retained snapshot
 * epoch, concurrently with the writers. Before the first write of a key in an epoch its previous row is kept in that
 * epoch's undo map, so a reader at snapshot {@code S} that meets a row newer than {@code S} follows the undo maps back
 * to the row visible at the end of {@code S}: a read never sees part of an epoch. Undo maps older than the retention
 * horizon are dropped; reads behind it fail with {@link SnapshotTooOldException}.
 */
public final class Storage implements AutoCloseable
{
    private static final byte[] NO_ROW = new byte[0];
    /** Largest key storage holds (TEMPORARY until the storage rework lands). */
    public static final int MAX_KEY_BYTES = 4096;
    /** Largest value storage holds (TEMPORARY until the storage rework lands). */
    public static final int MAX_VALUE_BYTES = 64 * 1024;
    /** Tells {@link #write(int, byte[], long, boolean, byte[], byte[])} that the key had no row. */
    public static final byte[] NO_ROW_AT_START = new byte[0];

    private final StorageConfig config;
    private final File tablesDir;
    private volatile Table[] tables = new Table[0];
    private final Map<Long, ConcurrentHashMap<KeyBytes, byte[]>> undoByEpoch = new ConcurrentHashMap<>();
    private ConcurrentHashMap<KeyBytes, byte[]> currentUndo;
    private long writingEpoch;
    private volatile long appliedEpoch;
    private volatile long horizon;
    /** While a checkpoint copies the rows of this epoch, history newer than it is kept whatever the bounds. */
    private volatile long pinnedEpoch = Long.MAX_VALUE;
    /** Undo rows in the retained epochs' maps; the sequencing thread only. */
    private long undoRowsHeld;

    /**
     * Open (or create) the storage in {@link StorageConfig#directory()}. Tables are opened by {@link #createTable}.
     *
     * @param config settings, validated here.
     */
    public Storage(final StorageConfig config)
    {
        this.config = config.validate();
        this.tablesDir = new File(config.directory(), "tables");
        if (!tablesDir.isDirectory() && !tablesDir.mkdirs())
        {
            throw new UncheckedIOException(new IOException("cannot create storage directory " + tablesDir));
        }
    }

    /** TEMPORARY until the storage rework lands. @param reason why this replica stopped. */
    public void fail(final String reason)
    {
    }

    /** @return the settings. */
    public StorageConfig config()
    {
        return config;
    }

    /**
     * Remove every table and its file, and forget all history: the state of an empty log.
     */
    public synchronized void reset()
    {
        for (final Table table : tables)
        {
            if (table != null)
            {
                table.close();
            }
        }
        tables = new Table[0];
        undoByEpoch.clear();
        undoRowsHeld = 0;
        appliedEpoch = 0;
        horizon = 0;
        writingEpoch = 0;
        deleteTree(tablesDir.toPath());
        if (!tablesDir.mkdirs())
        {
            throw new UncheckedIOException(new IOException("cannot create storage directory " + tablesDir));
        }
    }

    /**
     * Open or create the file of a table. Ids are assigned by the catalog, densely from 0.
     *
     * @param tableId id from the catalog.
     * @param name    table name, used in the file name.
     */
    public synchronized void createTable(final int tableId, final String name)
    {
        final Table[] current = tables;
        if (tableId < current.length && current[tableId] != null)
        {
            throw new IllegalStateException("table id " + tableId + " already open as '" + current[tableId].name() + "'");
        }
        final Table[] next = java.util.Arrays.copyOf(current, Math.max(current.length, tableId + 1));
        next[tableId] = new Table(tableId, name, new File(tablesDir, tableId + "-" + name + ".cm"), config);
        tables = next;
    }

    /**
     * @param tableId table id.
     * @return true when the table is open.
     */
    public boolean hasTable(final int tableId)
    {
        final Table[] current = tables;
        return tableId >= 0 && tableId < current.length && current[tableId] != null;
    }

    /** @return the last epoch whose writes are all applied. */
    public long appliedEpoch()
    {
        return appliedEpoch;
    }

    /** @return the oldest snapshot epoch still readable. */
    public long oldestReadableEpoch()
    {
        return horizon;
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
        return Row.decode(table(tableId).getRaw(key));
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
        return table(tableId).getRaw(key);
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
        final byte[] raw = table(tableId).getRaw(key);
        return raw == null ? Versions.ABSENT : Row.decodeVersion(raw);
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
        checkSnapshot(snapshotEpoch);
        final Table table = table(tableId);
        final Row row = Row.decode(visibleAt(table, key, snapshotEpoch));
        checkRetained(snapshotEpoch);
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
        checkSnapshot(snapshotEpoch);
        final Table table = table(tableId);
        final List<byte[]> keys = new ArrayList<>();
        final List<Row> rows = new ArrayList<>();
        boolean more = false;
        for (final byte[] key : table.keyRange(start, end))
        {
            final byte[] raw = visibleAt(table, key, snapshotEpoch);
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
        // Only hand rows over once the whole range was read inside the retention horizon.
        checkRetained(snapshotEpoch);
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
        final Table table = table(tableId);
        for (final byte[] key : table.keyRange(start, end))
        {
            final byte[] raw = table.getRaw(key);
            if (raw != null && Versions.epoch(Row.decodeVersion(raw)) > snapshotEpoch)
            {
                return key;
            }
        }
        return null;
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
        if (epoch <= appliedEpoch || writingEpoch != 0)
        {
            throw new IllegalStateException(
                "cannot begin epoch " + epoch + ": applied=" + appliedEpoch + " writing=" + writingEpoch);
        }
        currentUndo = new ConcurrentHashMap<>(Math.max(16, expectedKeys));
        undoByEpoch.put(epoch, currentUndo);
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
        final Table table = table(tableId);
        final KeyBytes undoKey = new KeyBytes(tableId, key);
        final byte[] undone = currentUndo.get(undoKey);
        final boolean isNew;
        if (undone == null)
        {
            // First write of the key in this epoch: keep the row readers at older snapshots must still see.
            final byte[] previous = rowAtStart == null ? table.getRaw(key) :
                rowAtStart == NO_ROW_AT_START ? null : rowAtStart;
            currentUndo.put(undoKey, previous == null ? NO_ROW : previous);
            isNew = previous == null;
        }
        else
        {
            // Written earlier in this epoch, so it is in the index already.
            isNew = false;
        }
        table.putRaw(key, Row.encode(version, deleted, deleted ? Row.EMPTY : value), isNew);
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
        writingEpoch = 0;
        currentUndo = null;
        appliedEpoch = epoch;
        undoRowsHeld += undoByEpoch.get(epoch).size();
        // Drop the oldest epochs while past either bound, never the one just applied.
        final long pastEpochBound = epoch - config.retainedEpochs();
        final long pinned = pinnedEpoch;
        for (long e = horizon + 1; e < epoch && e <= pinned &&
            (e <= pastEpochBound || undoRowsHeld > config.retainedUndoRows()); e++)
        {
            // Advance the horizon before dropping the map, so a reader that re-checks it afterwards knows.
            horizon = e;
            final ConcurrentHashMap<KeyBytes, byte[]> undo = undoByEpoch.remove(e);
            undoRowsHeld -= undo == null ? 0 : undo.size();
        }
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
        checkSnapshot(epoch);
        pinnedEpoch = epoch;
    }

    /** Let the retention bounds apply again (the next epoch finished drops what they exceed). */
    public void unpin()
    {
        pinnedEpoch = Long.MAX_VALUE;
    }

    /**
     * A key's row as stored (version, tombstone flag, value) as of the end of {@code epoch}; any thread.
     *
     * @return the encoded row (possibly a tombstone), or null when the key had no row then.
     * @throws SnapshotTooOldException when {@code epoch} is behind the horizon.
     */
    public byte[] encodedAt(final int tableId, final byte[] key, final long epoch)
    {
        checkRetained(epoch);
        final byte[] raw = visibleAt(table(tableId), key, epoch);
        checkRetained(epoch);
        return raw;
    }

    /** @return every key of a table in key order, including keys written after any given snapshot; any thread. */
    public Iterable<byte[]> keys(final int tableId)
    {
        return table(tableId).keyRange(null, null);
    }

    /** @return epochs whose undo records are held (for tests of retention). */
    int undoEpochsHeld()
    {
        return undoByEpoch.size();
    }

    /**
     * Every stored row of a table (tombstones included) in its stored form, for snapshots. Call it on the sequencing
     * thread between epochs.
     *
     * @param tableId  table id.
     * @param consumer receives key and encoded row.
     */
    public void forEachEncoded(final int tableId, final java.util.function.BiConsumer<byte[], byte[]> consumer)
    {
        table(tableId).rows().forEach(consumer);
    }

    /**
     * Put a row from a snapshot, bypassing epochs and undo history. Only between {@link #reset()} and
     * {@link #restoredTo(long)}.
     *
     * @param tableId table id.
     * @param key     key bytes.
     * @param encoded the row as {@link #forEachEncoded} gave it.
     */
    public void loadEncoded(final int tableId, final byte[] key, final byte[] encoded)
    {
        if (encoded.length < 9)
        {
            throw new IllegalArgumentException("snapshot row of " + encoded.length + " bytes is shorter than a row header");
        }
        table(tableId).putRaw(key, encoded, true);
    }

    /**
     * Finish a restore: the loaded rows are the state at the end of {@code epoch}; older snapshots are not readable.
     *
     * @param epoch the snapshot's last applied epoch.
     */
    public void restoredTo(final long epoch)
    {
        undoByEpoch.clear();
        undoRowsHeld = 0;
        writingEpoch = 0;
        horizon = epoch;
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
        long sum = 0;
        for (final Table table : tables)
        {
            if (table != null)
            {
                for (final Map.Entry<byte[], byte[]> e : table.rows().entrySet())
                {
                    long h = Hashing.hash(Hashing.SEED ^ table.id(), e.getKey());
                    h = Hashing.hash(h, e.getValue());
                    sum += Hashing.mix(h);
                }
            }
        }
        return sum;
    }

    /**
     * @param tableId table id.
     * @return rows in the table, tombstones included.
     */
    public long size(final int tableId)
    {
        return table(tableId).size();
    }

    @Override
    public synchronized void close()
    {
        for (final Table table : tables)
        {
            if (table != null)
            {
                table.close();
            }
        }
        tables = new Table[0];
    }

    private byte[] visibleAt(final Table table, final byte[] key, final long snapshotEpoch)
    {
        byte[] raw = table.getRaw(key);
        KeyBytes undoKey = null;
        while (raw != null)
        {
            final long versionEpoch = Versions.epoch(Row.decodeVersion(raw));
            if (versionEpoch <= snapshotEpoch)
            {
                return raw;
            }
            final ConcurrentHashMap<KeyBytes, byte[]> undo = undoByEpoch.get(versionEpoch);
            if (undoKey == null)
            {
                undoKey = new KeyBytes(table.id(), key);
            }
            final byte[] previous = undo == null ? null : undo.get(undoKey);
            if (previous == null)
            {
                // The undo map was dropped under us: the snapshot fell behind the horizon.
                checkRetained(snapshotEpoch);
                throw new IllegalStateException("missing undo record of epoch " + versionEpoch + " for key " + undoKey);
            }
            raw = previous == NO_ROW ? null : previous;
        }
        return null;
    }

    private void checkSnapshot(final long snapshotEpoch)
    {
        if (snapshotEpoch > appliedEpoch)
        {
            throw new IllegalArgumentException(
                "snapshot epoch " + snapshotEpoch + " is not applied yet (applied " + appliedEpoch + ")");
        }
        checkRetained(snapshotEpoch);
    }

    private void checkRetained(final long snapshotEpoch)
    {
        final long h = horizon;
        if (snapshotEpoch < h)
        {
            throw new SnapshotTooOldException(snapshotEpoch, h);
        }
    }

    private Table table(final int tableId)
    {
        final Table[] current = tables;
        if (tableId < 0 || tableId >= current.length || current[tableId] == null)
        {
            throw new IllegalArgumentException("no table with id " + tableId);
        }
        return current[tableId];
    }

    private static void deleteTree(final Path root)
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            for (final Path p : paths.sorted(Comparator.reverseOrder()).toList())
            {
                Files.delete(p);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + root + ": " + ex.getMessage(), ex);
        }
    }

    /** Receives rows of a scan. */
    @FunctionalInterface
    public interface RowConsumer
    {
        void accept(byte[] key, Row row);
    }
}
