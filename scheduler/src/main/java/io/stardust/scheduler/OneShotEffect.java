package io.stardust.scheduler;

/**
 * What one one-shot transaction did at its log position.
 *
 * @param failedOp the index of the op whose condition was false, or -1 (committed, or a procedure call's abort).
 * @param results  per op, the key's value once the op ran (for GET and the checks, the value seen; for a procedure
 *                 call's keys, the value the call left); null for an absent key. Null when the transaction aborted.
 * @param writes   the writes it leaves, one per key in the order its ops first wrote them; empty when it aborted.
 * @param reason   {@link AbortReason#NONE} when it committed, else why it aborted.
 * @param message  why a procedure call aborted, in its words or its exception's; empty otherwise.
 */
public record OneShotEffect(int failedOp, byte[][] results, TxnRecord.Write[] writes, AbortReason reason,
    String message)
{
    private static final TxnRecord.Write[] NO_WRITES = new TxnRecord.Write[0];
    /** Longest message kept. */
    public static final int MAX_MESSAGE_CHARS = 1_000;

    public OneShotEffect
    {
        message = message == null ? "" : message.length() > MAX_MESSAGE_CHARS ?
            message.substring(0, MAX_MESSAGE_CHARS) : message;
    }

    /** An op list's effect: aborted when {@code failedOp} is 0 or more. */
    public OneShotEffect(final int failedOp, final byte[][] results, final TxnRecord.Write[] writes)
    {
        this(failedOp, results, writes, failedOp < 0 ? AbortReason.NONE : AbortReason.CONDITION_FAILED, "");
    }

    /**
     * @return an effect that leaves no writes: an aborted op list's, or a decision remembered without them.
     */
    public static OneShotEffect withoutWrites(final int failedOp, final byte[][] results)
    {
        return new OneShotEffect(failedOp, results, NO_WRITES);
    }

    /**
     * @param failedOp the op whose condition was false, or -1.
     * @param results  the results, or null.
     * @param reason   why it aborted, or NONE.
     * @param message  what the procedure said, or empty.
     * @return an effect that leaves no writes.
     */
    public static OneShotEffect withoutWrites(final int failedOp, final byte[][] results, final AbortReason reason,
        final String message)
    {
        return new OneShotEffect(failedOp, results, NO_WRITES, reason, message);
    }

    /** @return an aborted procedure call's effect. */
    static OneShotEffect aborted(final AbortReason reason, final String message)
    {
        return new OneShotEffect(-1, null, NO_WRITES, reason, message);
    }

    /** @return true when every condition held. */
    public boolean committed()
    {
        return reason == AbortReason.NONE;
    }
}
