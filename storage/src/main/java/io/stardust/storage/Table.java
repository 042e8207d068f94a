package io.stardust.storage;

import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.hash.serialization.impl.ByteArraySizedReader;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * One table: the latest version of every row in a persisted Chronicle Map file, plus an in-memory ordered index
 * of its keys (rebuilt from the file on open) for range scans. Tombstones stay in both so that range validation
 * sees deletes.
 */
final class Table implements AutoCloseable
{
    private final int id;
    private final String name;
    private final File file;
    private final ChronicleMap<byte[], byte[]> rows;
    private final ConcurrentSkipListSet<byte[]> keys = new ConcurrentSkipListSet<>(KeyBytes.ORDER);

    Table(final int id, final String name, final File file, final StorageConfig config)
    {
        this.id = id;
        this.name = name;
        this.file = file;
        try
        {
            rows = ChronicleMapBuilder.of(byte[].class, byte[].class)
                .name("stardust-" + name)
                .entries(config.entriesPerTable())
                .averageKeySize(config.averageKeyBytes())
                .averageValueSize(config.averageValueBytes() + 9)
                .maxBloatFactor(config.maxBloatFactor())
                .keyReaderAndDataAccess(ByteArraySizedReader.INSTANCE, new ByteArrayAccess())
                .valueReaderAndDataAccess(ByteArraySizedReader.INSTANCE, new ByteArrayAccess())
                // Writers never need the old value back; returning it would deserialize a copy on every put.
                .putReturnsNull(true)
                .removeReturnsNull(true)
                .createPersistedTo(file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open table '" + name + "' file " + file + ": " + ex.getMessage(), ex);
        }
        for (final byte[] key : rows.keySet())
        {
            keys.add(key);
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

    File file()
    {
        return file;
    }

    byte[] getRaw(final byte[] key)
    {
        return rows.get(key);
    }

    /**
     * @param key        key bytes.
     * @param encodedRow the row.
     * @param isNew      true when the key has no row yet: only then does the ordered index change (adding an
     *                   existing key to the skip list costs a full search on every write).
     */
    void putRaw(final byte[] key, final byte[] encodedRow, final boolean isNew)
    {
        if (isNew)
        {
            // Index first: a scan that finds the key before its row exists treats it as absent.
            keys.add(key);
        }
        rows.put(key, encodedRow);
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

    ChronicleMap<byte[], byte[]> rows()
    {
        return rows;
    }

    long size()
    {
        return rows.longSize();
    }

    @Override
    public void close()
    {
        rows.close();
    }
}
