package io.stardust.sequencer;

import io.stardust.storage.Storage;

import java.io.File;
import java.nio.file.Files;

/**
 * Writes the rows of a snapshot, as of its epoch, to a {@link RowCheckpoint} file on a thread of its own while the
 * service goes on applying epochs (storage keeps every newer row version until it is done). One at a time.
 */
final class CheckpointWriter
{
    private final int memberId;
    private final Storage storage;
    private volatile Thread writer;
    private volatile long lastRows;
    private volatile long lastNanos;

    CheckpointWriter(final int memberId, final Storage storage)
    {
        this.memberId = memberId;
        this.storage = storage;
    }

    /**
     * Pin {@code epoch} in storage and start writing its rows. Call on the service thread.
     *
     * @param file     where the rows go.
     * @param epoch    the snapshot's last applied epoch.
     * @param tableIds every table.
     */
    void start(final File file, final long epoch, final int[] tableIds)
    {
        storage.pin(epoch);
        final Thread thread = new Thread(() ->
        {
            final long startNs = System.nanoTime();
            try
            {
                Files.createDirectories(file.getParentFile().toPath());
                lastRows = RowCheckpoint.write(storage, tableIds, epoch, file);
                lastNanos = System.nanoTime() - startNs;
                RowCheckpoint.prune(file.getParentFile());
            }
            catch (final Exception ex)
            {
                // The snapshot names a file that is not there: a restart falls back to the snapshot before it.
                System.err.println("member " + memberId + ": could not write row checkpoint " + file + ": " + ex);
            }
            finally
            {
                storage.unpin();
            }
        }, "stardust-checkpoint-" + memberId);
        thread.setDaemon(true);
        writer = thread;
        thread.start();
    }

    /** Wait until the checkpoint being written (if any) is done. */
    void await()
    {
        final Thread thread = writer;
        if (thread != null)
        {
            try
            {
                thread.join();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    long lastRows()
    {
        return lastRows;
    }

    long lastNanos()
    {
        return lastNanos;
    }
}
