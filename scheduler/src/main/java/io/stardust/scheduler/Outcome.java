package io.stardust.scheduler;

/**
 * What the scheduler decided for one transaction. For aborts, the first conflicting key in read-set order (for
 * range conflicts, the key found in the range).
 *
 * @param reason        {@link AbortReason#NONE} when committed.
 * @param conflictTable table id of the conflicting key, or -1.
 * @param conflictKey   the conflicting key, or null.
 */
public record Outcome(AbortReason reason, int conflictTable, byte[] conflictKey)
{
    /** The outcome of every committed transaction. */
    public static final Outcome COMMITTED = new Outcome(AbortReason.NONE, -1, null);

    public boolean committed()
    {
        return reason == AbortReason.NONE;
    }
}
