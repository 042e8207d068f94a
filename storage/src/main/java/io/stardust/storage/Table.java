package io.stardust.storage;

import net.openhft.chronicle.hash.impl.VanillaChronicleHash;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapAbsentEntry;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Queue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * One table: the latest version of every row in a Chronicle Map file, plus an in-memory ordered index of its keys
 * (rebuilt from the file on open) for range scans. Tombstones stay in both so that range validation sees deletes.
 * <p>
 * A table has no map until its first row, and then a map just big enough ({@link MapLayout#segmentsFor}); the
 * sequencing thread moves it to a bigger map, between epochs, before it could fill ({@link #ensureCapacity}).
 * Readers on any thread read the current map inside a {@link TableMap#enter()}; a replaced map is closed and its file
 * deleted once no reader is inside ({@link #sweep()}). Writers (the apply phase of an epoch, the restore) read and
 * write the current map directly: the map never changes while they run.
 */
final class Table implements AutoCloseable
{
    private final int id;
    private final String name;
    private final File directory;
    private final ConcurrentSkipListSet<byte[]> keys = new ConcurrentSkipListSet<>(KeyBytes.ORDER);
    /** Entries in the map (rows and tombstones). */
    private final LongAdder entries = new LongAdder();
    /** Key and encoded row bytes of the entries. */
    private final LongAdder rowBytes = new LongAdder();
    /** Set by a write, cleared by the sequencing thread when it checks the capacity after an epoch. */
    private final AtomicBoolean written = new AtomicBoolean();
    /** Where the table goes on its first write since the last capacity check. */
    private final Queue<Table> writtenTables;
    /** Replaced maps not closed yet; the sequencing thread only. */
    private final List<TableMap> retired = new ArrayList<>();
    private final long minFreeDisk;
    private volatile TableMap map;
    private volatile boolean closed;
    private int generation;

    /**
     * Open the table's newest map file in {@code directory}, if any (deleting older ones), or start without a map.
     *
     * @param id            table id.
     * @param name          table name.
     * @param directory     directory of the table files.
     * @param writtenTables receives the table on its first write since {@link #takeWritten()}.
     * @param minFreeDisk   disk space writes must leave free, bytes; 0 for no check.
     */
    Table(final int id, final String name, final File directory, final Queue<Table> writtenTables,
        final long minFreeDisk)
    {
        this.minFreeDisk = minFreeDisk;
        this.id = id;
        this.name = name;
        this.directory = directory;
        this.writtenTables = writtenTables;
        final File newest = TableFiles.newest(directory, id, name);
        generation = newest == null ? 0 : TableFiles.generation(newest, id, name);
        if (newest != null)
        {
            final TableMap opened = TableMap.createOrOpen(newest, name, 1, 0);
            map = opened;
            for (final Map.Entry<byte[], byte[]> e : opened.rows().entrySet())
            {
                keys.add(e.getKey());
                entries.increment();
                rowBytes.add(e.getKey().length + e.getValue().length);
            }
            if (!hasStandardLayout(opened.rows()))
            {
                // A file of another layout may not hold the largest rows: move it to the standard one.
                grow(MapLayout.segmentsFor(2 * entries.sum(), 2 * entryBytes(0, 0), 0), 2 * entries.sum(), 0);
            }
        }
    }

    int id()
    {
        return id;
    }

    String name()
    {
        return name;
    }

    /** @return the current map, or null while the table has no rows. */
    TableMap map()
    {
        return map;
    }

    /** @return generation of the current map file: 1 for the first map, one more for each bigger one (0: none). */
    int generation()
    {
        return generation;
    }

    /**
     * The stored row of a key; any thread.
     *
     * @param key key bytes.
     * @return the encoded row, or null.
     */
    byte[] getRaw(final byte[] key)
    {
        while (true)
        {
            final TableMap m = map;
            if (m == null)
            {
                checkOpen();
                return null;
            }
            if (m.enter())
            {
                try
                {
                    return m.rows().get(key);
                }
                finally
                {
                    m.exit();
                }
            }
            // Replaced between reading the field and entering: the field holds the new map by now.
            Thread.onSpinWait();
        }
    }

    /**
     * The stored row of a key, for writers: the apply phase of an epoch or a restore, when the map cannot change.
     *
     * @param key key bytes.
     * @return the encoded row, or null.
     */
    byte[] getForWrite(final byte[] key)
    {
        final TableMap m = map;
        return m == null ? null : m.rows().get(key);
    }

    /**
     * Store a row; writers only (see {@link #getForWrite}), each key from one thread.
     *
     * @param key        key bytes.
     * @param encodedRow the row.
     * @param previous   the key's stored row before this put, or null when it has none: only then does the ordered
     *                   index change (adding an existing key to the skip list costs a full search on every write).
     */
    void putRaw(final byte[] key, final byte[] encodedRow, final byte[] previous)
    {
        TableMap m = map;
        if (m == null)
        {
            m = firstMap();
        }
        if (previous == null)
        {
            // Index first: a scan that finds the key before its row exists treats it as absent.
            keys.add(key);
            entries.increment();
            rowBytes.add(key.length + encodedRow.length);
        }
        else
        {
            rowBytes.add(encodedRow.length - previous.length);
        }
        if (!written.get() && written.compareAndSet(false, true))
        {
            writtenTables.add(this);
        }
        m.rows().put(key, encodedRow);
    }

    NavigableSet<byte[]> keyRange(final byte[] start, final byte[] endExclusive)
    {
        final byte[] from = start == null ? Row.EMPTY : start;
        if (endExclusive == null || endExclusive.length == 0)
        {
            return keys.tailSet(from, true);
        }
        // A range whose start sorts after its end holds no key (the skip list would throw instead).
        return KeyBytes.ORDER.compare(from, endExclusive) > 0 ?
            Collections.emptyNavigableSet() : keys.subSet(from, true, endExclusive, false);
    }

    /**
     * Hand every stored row to {@code consumer}; any thread (the map stays open meanwhile).
     *
     * @param consumer receives key and encoded row.
     */
    void forEachRow(final BiConsumer<byte[], byte[]> consumer)
    {
        while (true)
        {
            final TableMap m = map;
            if (m == null)
            {
                checkOpen();
                return;
            }
            if (m.enter())
            {
                try
                {
                    m.rows().forEach(consumer);
                    return;
                }
                finally
                {
                    m.exit();
                }
            }
            Thread.onSpinWait();
        }
    }

    /** @return entries in the table, tombstones included (exact between epochs). */
    long size()
    {
        return entries.sum();
    }

    /**
     * @return true once when a row was written since the last call (sequencing thread, between epochs).
     */
    boolean takeWritten()
    {
        return written.getAndSet(false);
    }

    /**
     * Make sure the next epoch's writes fit: after this, {@code writes} puts of rows within the storage limits can
     * never find the map full, whatever their keys and sizes. Moves the table to a bigger map when its first tiers
     * would be past their planned fill, when it leans on many extra tiers, or when fewer extra tiers are free than
     * {@code writes} (each put takes at most one, see {@link MapLayout}). The sequencing thread only, between epochs.
     *
     * @param writes     upper bound of puts before the next call.
     * @param writeBytes upper bound of their key and value bytes.
     * @param checkDisk  true to refuse writes that could leave less than the floor of free disk
     *                   (a move to a bigger map always checks).
     */
    void ensureCapacity(final long writes, final long writeBytes, final boolean checkDisk)
    {
        checkOpen();
        sweep();
        final long needEntries = entries.sum() + writes;
        final long needBytes = entryBytes(writes, writeBytes);
        if (checkDisk && writes > 0)
        {
            // Besides their entries, writes touch pages of hash lookups and free lists: a guess of 128 bytes each.
            checkDisk(needBytes - entryBytes(0, 0) + writes * 128, "write " + writes + " rows to table '" + name + "'");
        }
        final TableMap m = map;
        if (m == null)
        {
            if (writes > 0)
            {
                map = TableMap.createOrOpen(nextFile(), name,
                    MapLayout.segmentsFor(2 * needEntries, 2 * needBytes, writes), 2 * needEntries);
            }
            return;
        }
        final long segments = m.segments();
        final boolean pastFill = needEntries > segments * m.entriesPerSegment() ||
            needBytes > segments * (MapLayout.TIER_BYTES / 2);
        final long extraTiers = m.extraTiers();
        // Tiers chained to full segments cost a memory mapping per bulk and a longer search; spread them out, unless
        // the map is already far bigger than its rows need (keys whose hashes crowd into a few segments).
        final boolean crowded = extraTiers > 2 + segments / 4 &&
            segments < 4 * MapLayout.segmentsFor(needEntries, needBytes, writes);
        if (pastFill || crowded || m.freeTiers() < writes)
        {
            final long wanted = Math.max(2 * segments, MapLayout.segmentsFor(2 * needEntries, 2 * needBytes, writes));
            if (segments < MapLayout.MAX_SEGMENTS)
            {
                grow((int)Math.min(MapLayout.MAX_SEGMENTS, wanted), 2 * needEntries, writes);
            }
            else if (m.freeTiers() < writes)
            {
                throw new IllegalStateException("table '" + name + "' cannot take " + writes + " writes: its map has " +
                    MapLayout.MAX_SEGMENTS + " segments, the most there are, and " + m.freeTiers() + " free tiers");
            }
        }
    }

    /**
     * Close and delete replaced maps no reader is inside any more; the sequencing thread only.
     *
     * @return true when replaced maps remain open.
     */
    boolean sweep()
    {
        retired.removeIf((m) -> m.closeIfUnused(true));
        return !retired.isEmpty();
    }

    @Override
    public void close()
    {
        closeMaps(false);
    }

    /** Close the table and delete its files. */
    void closeAndDelete()
    {
        closeMaps(true);
    }

    private void closeMaps(final boolean delete)
    {
        closed = true;
        final TableMap current = map;
        map = null;
        if (current != null)
        {
            current.retire();
            retired.add(current);
        }
        final long deadline = System.nanoTime() + 5_000_000_000L;
        for (final TableMap m : retired)
        {
            // Readers stay inside for one get or one pass over a table: wait for them rather than crash them.
            while (!m.closeIfUnused(delete || m != current))
            {
                if (System.nanoTime() > deadline)
                {
                    // Leave it mapped: unmapping memory a reader is in would crash the JVM.
                    System.err.println("table '" + name + "': a reader is still inside " + m.file() +
                        " after 5 s; left open");
                    break;
                }
                Thread.yield();
            }
        }
        retired.clear();
    }

    /**
     * Copy the rows into a new map of {@code segments} segments planned for {@code plannedEntries} entries (doubling
     * the segments until {@code writes} extra tiers stay free), publish it, and retire the old one.
     */
    private void grow(final int segments, final long plannedEntries, final long writes)
    {
        final TableMap old = map;
        int target = segments;
        while (true)
        {
            final File file = nextFile();
            checkDisk(2 * entryBytes(0, 0), "move table '" + name + "' to a bigger map");
            final TableMap next = TableMap.createOrOpen(TableFiles.filling(file), name, target, plannedEntries);
            final long[] countAndBytes = new long[2];
            try
            {
                final ChronicleMap<byte[], byte[]> into = next.rows();
                // Entry to entry, as stored: no key or row is copied onto the heap on the way.
                old.rows().forEachEntry((e) ->
                {
                    try (ExternalMapQueryContext<byte[], byte[], ?> q = into.queryContext(e.key()))
                    {
                        q.updateLock().lock();
                        final MapAbsentEntry<byte[], byte[]> absent = q.absentEntry();
                        if (absent == null)
                        {
                            throw new IllegalStateException("key met twice while copying table '" + name + "'");
                        }
                        absent.doInsert(e.value());
                    }
                    countAndBytes[0]++;
                    countAndBytes[1] += e.key().size() + e.value().size();
                });
            }
            catch (final RuntimeException | Error ex)
            {
                next.closeAndDelete();
                throw ex;
            }
            if (next.freeTiers() < writes)
            {
                // The copy itself took many extra tiers (keys crowding into few segments): go bigger.
                next.closeAndDelete();
                if (target == MapLayout.MAX_SEGMENTS)
                {
                    throw new IllegalStateException("table '" + name + "' cannot take " + writes + " writes: a map of " +
                        target + " segments, the most there are, keeps too few free tiers");
                }
                target *= 2;
                continue;
            }
            next.renameTo(file);
            entries.add(countAndBytes[0] - entries.sum());
            rowBytes.add(countAndBytes[1] - rowBytes.sum());
            map = next;
            old.retire();
            retired.add(old);
            sweep();
            return;
        }
    }

    private TableMap firstMap()
    {
        synchronized (this)
        {
            // Written without ensureCapacity (a caller outside the scheduler): start with the smallest map.
            TableMap m = map;
            if (m == null)
            {
                checkOpen();
                m = TableMap.createOrOpen(nextFile(), name, 1, MapLayout.SEGMENT_ENTRIES);
                map = m;
            }
            return m;
        }
    }

    /** @return upper bound of the bytes the entries take in a map after {@code writes} more puts. */
    private long entryBytes(final long writes, final long writeBytes)
    {
        // Stored rows carry their header already; each written row adds one, and each entry Chronicle's overhead.
        return rowBytes.sum() + entries.sum() * MapLayout.ENTRY_OVERHEAD_BYTES +
            writeBytes + writes * (MapLayout.ROW_HEADER_BYTES + MapLayout.ENTRY_OVERHEAD_BYTES);
    }

    private static boolean hasStandardLayout(final ChronicleMap<byte[], byte[]> rows)
    {
        final VanillaChronicleHash<?, ?, ?, ?> hash = (VanillaChronicleHash<?, ?, ?, ?>)rows;
        return hash.chunkSize == MapLayout.CHUNK_BYTES && hash.actualChunksPerSegmentTier == MapLayout.TIER_CHUNKS &&
            hash.maxChunksPerEntry == MapLayout.TIER_CHUNKS && rows.maxBloatFactor() >= MapLayout.MAX_BLOAT;
    }

    /**
     * Refuse, before anything is written, work that could fill the disk: files are sparse, and a write that finds
     * the disk full faults in the middle of an epoch instead of failing cleanly.
     *
     * @param bytes what the work may add to the files.
     * @param what  the work, for the message.
     */
    private void checkDisk(final long bytes, final String what)
    {
        if (minFreeDisk <= 0)
        {
            return;
        }
        final long usable = directory.getUsableSpace();
        if (usable < bytes + minFreeDisk)
        {
            throw new StorageFullException("cannot " + what + ": it may take " + bytes + " bytes, and " +
                directory + " has " + usable + " bytes free (storage keeps " + minFreeDisk +
                " free)");
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("table '" + name + "' is closed");
        }
    }

    private File nextFile()
    {
        generation++;
        return TableFiles.file(directory, id, name, generation);
    }
}
