package io.stardust.client;

/**
 * A committed transaction: its writes carry version {@code (epoch, index)}. Read-only transactions commit at their
 * snapshot without the log: {@code readOnly} is true and {@code epoch} is the snapshot epoch.
 */
public record CommitInfo(long txnId, long epoch, int index, boolean readOnly)
{
}
