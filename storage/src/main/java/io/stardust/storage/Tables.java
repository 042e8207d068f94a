package io.stardust.storage;

import io.stardust.protocol.Versions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;

/**
 * The open tables of a storage, by id, and the upkeep of their map files: making room before an epoch, checking the
 * capacity of the tables written after one, and closing replaced maps once no reader is inside.
 * <p>
 * The table array is copied on change and published through a volatile field, so readers on any thread look tables
 * up without a lock. Everything else is for the sequencing thread.
 */
final class Tables
{
    private final File directory;
    private volatile Table[] tables = new Table[0];
    /** Tables written since the last capacity check (filled by writers, drained by the sequencing thread). */
    private final Queue<Table> written = new ConcurrentLinkedQueue<>();
    /** Tables holding replaced maps that readers may still be inside; the sequencing thread only. */
    private final List<Table> sweeping = new ArrayList<>();
    private final long minFreeDisk;

    /**
     * @param directory where the table files live; created when missing.
     */
    Tables(final File directory, final long minFreeDisk)
    {
        this.minFreeDisk = minFreeDisk;
        this.directory = directory;
        makeDirectory();
    }

    /**
     * Open (or start) a table.
     *
     * @param tableId id from the catalog.
     * @param name    table name, used in the file name.
     */
    synchronized void create(final int tableId, final String name)
    {
        final Table[] current = tables;
        if (tableId < 0)
        {
            throw new IllegalArgumentException("negative table id " + tableId);
        }
        if (tableId < current.length && current[tableId] != null)
        {
            throw new IllegalStateException("table id " + tableId + " already open as '" + current[tableId].name() + "'");
        }
        final Table[] next = Arrays.copyOf(current, Math.max(current.length, tableId + 1));
        next[tableId] = new Table(tableId, name, directory, written, minFreeDisk);
        tables = next;
    }

    /**
     * Close a table and delete its files; its id stays unused.
     *
     * @param tableId id from the catalog.
     */
    synchronized void drop(final int tableId)
    {
        final Table table = get(tableId);
        final Table[] next = tables.clone();
        next[tableId] = null;
        tables = next;
        written.remove(table);
        sweeping.remove(table);
        table.closeAndDelete();
    }

    boolean has(final int tableId)
    {
        final Table[] current = tables;
        return tableId >= 0 && tableId < current.length && current[tableId] != null;
    }

    /**
     * @param tableId table id.
     * @return the table.
     * @throws IllegalArgumentException when there is none.
     */
    Table get(final int tableId)
    {
        final Table[] current = tables;
        if (tableId < 0 || tableId >= current.length || current[tableId] == null)
        {
            throw new IllegalArgumentException("no table with id " + tableId);
        }
        return current[tableId];
    }

    /** @return every slot of the table array (null where no table has the id). */
    Table[] all()
    {
        return tables;
    }

    /**
     * Make room in a table for the writes to come ({@link Table#ensureCapacity}).
     *
     * @param tableId    table id.
     * @param writes     upper bound of puts.
     * @param writeBytes upper bound of their key and value bytes.
     * @param checkDisk  true to refuse writes that could fill the disk.
     */
    void ensureCapacity(final int tableId, final long writes, final long writeBytes, final boolean checkDisk)
    {
        final Table table = get(tableId);
        table.ensureCapacity(writes, writeBytes, checkDisk);
        track(table);
    }

    /**
     * After writes (an epoch, a restore): check the capacity of the tables written, for writers that did not make
     * room first, and close replaced maps that readers have left.
     */
    void afterWrites()
    {
        Table table;
        while ((table = written.poll()) != null)
        {
            if (table.takeWritten() && table.map() != null)
            {
                table.ensureCapacity(0, 0, false);
                track(table);
            }
        }
        sweeping.removeIf((t) -> !t.sweep());
    }

    /**
     * Close every table.
     *
     * @param delete true to delete the files as well, and start again with an empty directory.
     */
    synchronized void closeAll(final boolean delete)
    {
        for (final Table table : tables)
        {
            if (table != null)
            {
                if (delete)
                {
                    table.closeAndDelete();
                }
                else
                {
                    table.close();
                }
            }
        }
        tables = new Table[0];
        written.clear();
        sweeping.clear();
        if (delete)
        {
            deleteTree(directory.toPath());
            makeDirectory();
        }
    }

    /**
     * Create, use and delete a small table in a temporary directory: the first map a JVM creates pays for
     * Chronicle Map generating and compiling its code.
     */
    static void warmUp()
    {
        final Path dir;
        try
        {
            dir = Files.createTempDirectory("stardust-warm-up");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create a directory to warm up storage in", ex);
        }
        try
        {
            final Table table = new Table(0, "warmup", dir.toFile(), new ConcurrentLinkedQueue<>(), 0);
            final byte[] key = {1};
            table.ensureCapacity(2, 64, false);
            table.putRaw(key, Row.encode(Versions.pack(1, 0), false, key), null);
            table.putRaw(key, Row.encode(Versions.pack(1, 1), true, Row.EMPTY), table.getForWrite(key));
            table.getRaw(key);
            table.forEachRow((k, v) -> { });
            table.closeAndDelete();
        }
        finally
        {
            deleteTree(dir);
        }
    }

    private void track(final Table table)
    {
        if (table.sweep() && !sweeping.contains(table))
        {
            sweeping.add(table);
        }
    }

    private void makeDirectory()
    {
        if (!directory.isDirectory() && !directory.mkdirs())
        {
            throw new UncheckedIOException(new IOException("cannot create storage directory " + directory));
        }
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
}
