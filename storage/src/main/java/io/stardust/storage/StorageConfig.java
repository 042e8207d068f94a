package io.stardust.storage;

import java.io.File;

/**
 * Settings of a {@link Storage}: where its files live and how much history it keeps for snapshot reads.
 * <p>
 * Nothing is sized up front: a table starts without a map file and moves to bigger ones as it grows
 * ({@link Storage#ensureCapacity(int, long, long)}).
 */
public final class StorageConfig
{
    /** Default disk space writes must leave free. */
    public static final long DEFAULT_MIN_FREE_DISK_BYTES = 64L << 20;
    /** Default number of epochs of history kept for snapshot reads (at most). */
    public static final int DEFAULT_RETAINED_EPOCHS = 2_000;
    /** Default bound on the older row versions kept for snapshot reads: about 15 MB of heap. */
    public static final int DEFAULT_RETAINED_UNDO_ROWS = 100_000;

    private File directory;
    private int retainedEpochs = DEFAULT_RETAINED_EPOCHS;
    private int retainedUndoRows = DEFAULT_RETAINED_UNDO_ROWS;
    private long minFreeDiskBytes = DEFAULT_MIN_FREE_DISK_BYTES;

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
     * Free disk that storage keeps: an epoch's writes, or a move to a bigger map, that could leave less is refused
     * before anything is written ({@link StorageFullException}), since the files are sparse and a write that finds
     * the disk full would fault half way through an epoch.
     *
     * @param bytes the floor; 0 turns the check off.
     * @return this.
     */
    public StorageConfig minFreeDiskBytes(final long bytes)
    {
        this.minFreeDiskBytes = bytes;
        return this;
    }

    public long minFreeDiskBytes()
    {
        return minFreeDiskBytes;
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
        if (minFreeDiskBytes < 0)
        {
            throw new IllegalArgumentException("minFreeDiskBytes must not be negative, was " + minFreeDiskBytes);
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
