package io.stardust.storage;

/**
 * A snapshot read asked for an epoch whose history this replica no longer keeps.
 */
public final class SnapshotTooOldException extends RuntimeException
{
    private final long snapshotEpoch;
    private final long oldestRetained;

    public SnapshotTooOldException(final long snapshotEpoch, final long oldestRetained)
    {
        super("snapshot epoch " + snapshotEpoch + " is too old; this replica keeps epochs from " + oldestRetained
            + " on; restart the transaction");
        this.snapshotEpoch = snapshotEpoch;
        this.oldestRetained = oldestRetained;
    }

    public long snapshotEpoch()
    {
        return snapshotEpoch;
    }

    public long oldestRetained()
    {
        return oldestRetained;
    }
}
