package io.stardust.storage;

import net.openhft.chronicle.hash.impl.VanillaChronicleHash;
import net.openhft.chronicle.map.ChronicleMap;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One Chronicle Map file of a table, with a count of the readers inside it so that it is never closed under one.
 * <p>
 * A reader {@link #enter()}s, reads and {@link #exit()}s. When a table moves to a bigger map, the writer publishes
 * the new map, then {@link #retire()}s this one, and closes it only when {@link #closeIfUnused(boolean)} finds no
 * reader inside. A reader raises the count before it checks the retired flag and the writer raises the flag before it
 * checks the count (all sequentially consistent), so either the writer sees the reader and keeps the map open, or the
 * reader sees the flag and goes to the new map without touching this one. Closing a Chronicle Map under a reader
 * would unmap memory the reader is about to touch and crash the JVM.
 */
final class TableMap
{
    private final ChronicleMap<byte[], byte[]> rows;
    private File file;
    private final int segments;
    private final long entriesPerSegment;
    private final AtomicInteger readers = new AtomicInteger();
    private volatile boolean retired;
    private boolean closed;

    private TableMap(final ChronicleMap<byte[], byte[]> rows, final File file)
    {
        this.rows = rows;
        this.file = file;
        this.segments = rows.segments();
        // Chronicle sizes a tier's hash lookup at twice the entries planned per segment.
        this.entriesPerSegment = ((VanillaChronicleHash<?, ?, ?, ?>)rows).tierHashLookupCapacity / 2;
    }

    /**
     * @param file     the map file; opened when it exists.
     * @param name     table name.
     * @param segments segments of a new map.
     * @param entries  entries a new map plans room for ({@link MapLayout#entriesPerSegment}).
     * @return the map.
     */
    static TableMap createOrOpen(final File file, final String name, final int segments, final long entries)
    {
        try
        {
            return new TableMap(
                MapLayout.createOrOpen(file, name, segments, MapLayout.entriesPerSegment(segments, entries)), file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open table '" + name + "' file " + file + ": " + ex.getMessage(), ex);
        }
    }

    /** @return the Chronicle map; readers on threads other than the writer's must be inside {@link #enter()}. */
    ChronicleMap<byte[], byte[]> rows()
    {
        return rows;
    }

    File file()
    {
        return file;
    }

    /**
     * Rename the file (it stays mapped); the writer's thread, before the map is published.
     *
     * @param target the new name.
     */
    void renameTo(final File target)
    {
        try
        {
            Files.move(file.toPath(), target.toPath(), StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot rename table file " + file + " to " + target + ": " +
                ex.getMessage(), ex);
        }
        file = target;
    }

    int segments()
    {
        return segments;
    }

    /** @return entries planned per segment; Chronicle lets a segment tier hold 1.6 times as many. */
    long entriesPerSegment()
    {
        return entriesPerSegment;
    }

    /** @return extra tiers Chronicle can still chain to full segments before the map is full. */
    long freeTiers()
    {
        return rows.remainingAutoResizes();
    }

    /** @return extra tiers in use. */
    long extraTiers()
    {
        return (long)(MapLayout.MAX_BLOAT * segments) - rows.remainingAutoResizes();
    }

    /**
     * @return true when the map was entered; false when it is retired: read the table's current map instead.
     */
    boolean enter()
    {
        readers.incrementAndGet();
        if (retired)
        {
            readers.decrementAndGet();
            return false;
        }
        return true;
    }

    void exit()
    {
        readers.decrementAndGet();
    }

    /** No reader may enter from now on; call after the replacement is published. */
    void retire()
    {
        retired = true;
    }

    /** @return true once closed. */
    boolean closed()
    {
        return closed;
    }

    /**
     * Close a retired map that no reader is inside; the writer's thread only.
     *
     * @param deleteFile true to delete the file once closed.
     * @return true when the map is closed (now or before).
     */
    boolean closeIfUnused(final boolean deleteFile)
    {
        if (!closed && retired && readers.get() == 0)
        {
            closed = true;
            rows.close();
            if (deleteFile)
            {
                delete();
            }
        }
        return closed;
    }

    /** Close and delete a map no reader has ever seen (a replacement given up before it was published). */
    void closeAndDelete()
    {
        if (!closed)
        {
            closed = true;
            rows.close();
            delete();
        }
    }

    private void delete()
    {
        try
        {
            Files.deleteIfExists(file.toPath());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete table file " + file + ": " + ex.getMessage(), ex);
        }
    }
}
