package io.stardust.storage;

import java.io.File;

/**
 * Settings of a {@link Storage}: where its files live and how much history it keeps for snapshot reads.
 * <p>
 * The sizing settings of earlier versions ({@link #entriesPerTable}, {@link #averageKeyBytes},
 * {@link #averageValueBytes}, {@link #maxBloatFactor}) are accepted and ignored: a table starts without a map file
 * and moves to bigger ones as it grows ({@link Storage#ensureCapacity(int, long, long)}).
 */
public final class StorageConfig
{
    /** Former default expected rows per table; ignored. */
    public static final long DEFAULT_ENTRIES_PER_TABLE = 1_000_000;
    /** Former default average key size in bytes; ignored. */
    public static final int DEFAULT_AVERAGE_KEY_BYTES = 32;
    /** Former default average value size in bytes; ignored. */
    public static final int DEFAULT_AVERAGE_VALUE_BYTES = 128;
    /** Default number of epochs of history kept for snapshot reads (at most). */
    public static final int DEFAULT_RETAINED_EPOCHS = 2_000;
    /** Default bound on the older row versions kept for snapshot reads: about 15 MB of heap. */
    public static final int DEFAULT_RETAINED_UNDO_ROWS = 100_000;

    private File directory;
    private long entriesPerTable = DEFAULT_ENTRIES_PER_TABLE;
    private int averageKeyBytes = DEFAULT_AVERAGE_KEY_BYTES;
    private int averageValueBytes = DEFAULT_AVERAGE_VALUE_BYTES;
    private double maxBloatFactor = 10.0;
    private int retainedEpochs = DEFAULT_RETAINED_EPOCHS;
    private int retainedUndoRows = DEFAULT_RETAINED_UNDO_ROWS;

    public StorageConfig directory(final File directory)
    {
        this.directory = directory;
        return this;
    }

    public File directory()
    {
        return directory;
    }

    /**
     * Ignored: tables size themselves as they grow. Kept so that existing callers compile.
     *
     * @param entriesPerTable ignored, but still validated.
     * @return this.
     * @deprecated tables start small and grow; nothing to size.
     */
    @Deprecated
    public StorageConfig entriesPerTable(final long entriesPerTable)
    {
        this.entriesPerTable = entriesPerTable;
        return this;
    }

    /**
     * @return the value set, which nothing uses.
     * @deprecated see {@link #entriesPerTable(long)}.
     */
    @Deprecated
    public long entriesPerTable()
    {
        return entriesPerTable;
    }

    /**
     * Ignored: tables size themselves as they grow. Kept so that existing callers compile.
     *
     * @param averageKeyBytes ignored, but still validated.
     * @return this.
     * @deprecated tables start small and grow; nothing to size.
     */
    @Deprecated
    public StorageConfig averageKeyBytes(final int averageKeyBytes)
    {
        this.averageKeyBytes = averageKeyBytes;
        return this;
    }

    /**
     * @return the value set, which nothing uses.
     * @deprecated see {@link #averageKeyBytes(int)}.
     */
    @Deprecated
    public int averageKeyBytes()
    {
        return averageKeyBytes;
    }

    /**
     * Ignored: tables size themselves as they grow. Kept so that existing callers compile.
     *
     * @param averageValueBytes ignored, but still validated.
     * @return this.
     * @deprecated tables start small and grow; nothing to size.
     */
    @Deprecated
    public StorageConfig averageValueBytes(final int averageValueBytes)
    {
        this.averageValueBytes = averageValueBytes;
        return this;
    }

    /**
     * @return the value set, which nothing uses.
     * @deprecated see {@link #averageValueBytes(int)}.
     */
    @Deprecated
    public int averageValueBytes()
    {
        return averageValueBytes;
    }

    /**
     * Ignored: tables size themselves as they grow. Kept so that existing callers compile.
     *
     * @param maxBloatFactor ignored, but still validated.
     * @return this.
     * @deprecated tables start small and grow; nothing to size.
     */
    @Deprecated
    public StorageConfig maxBloatFactor(final double maxBloatFactor)
    {
        this.maxBloatFactor = maxBloatFactor;
        return this;
    }

    /**
     * @return the value set, which nothing uses.
     * @deprecated see {@link #maxBloatFactor(double)}.
     */
    @Deprecated
    public double maxBloatFactor()
    {
        return maxBloatFactor;
    }

    /**
     * How many applied epochs of history snapshot reads may go back. Older snapshots get
     * {@link SnapshotTooOldException}.
     *
     * @param retainedEpochs at least 1.
     * @return this.
     */
    public StorageConfig retainedEpochs(final int retainedEpochs)
    {
        this.retainedEpochs = retainedEpochs;
        return this;
    }

    public int retainedEpochs()
    {
        return retainedEpochs;
    }

    /**
     * Bound on the history kept for snapshot reads, in older row versions: when the retained epochs hold more, the
     * oldest are dropped (the latest applied epoch always stays). This bounds the heap that history takes under a
     * heavy write load, where {@link #retainedEpochs} would keep many seconds of writes; under a light load the
     * epoch bound governs.
     *
     * @param retainedUndoRows at least 1.
     * @return this.
     */
    public StorageConfig retainedUndoRows(final int retainedUndoRows)
    {
        this.retainedUndoRows = retainedUndoRows;
        return this;
    }

    public int retainedUndoRows()
    {
        return retainedUndoRows;
    }

    /**
     * Check the settings.
     *
     * @return this.
     * @throws IllegalArgumentException naming the bad setting.
     */
    public StorageConfig validate()
    {
        if (directory == null)
        {
            throw new IllegalArgumentException("storage directory is not set");
        }
        if (entriesPerTable < 1_000)
        {
            throw new IllegalArgumentException("entriesPerTable must be at least 1000, was " + entriesPerTable);
        }
        if (averageKeyBytes < 1 || averageValueBytes < 1)
        {
            throw new IllegalArgumentException("average key and value sizes must be positive");
        }
        if (maxBloatFactor < 1.0 || maxBloatFactor > 1000.0)
        {
            throw new IllegalArgumentException("maxBloatFactor must be in [1, 1000], was " + maxBloatFactor);
        }
        if (retainedEpochs < 1)
        {
            throw new IllegalArgumentException("retainedEpochs must be at least 1, was " + retainedEpochs);
        }
        if (retainedUndoRows < 1)
        {
            throw new IllegalArgumentException("retainedUndoRows must be at least 1, was " + retainedUndoRows);
        }
        return this;
    }
}
