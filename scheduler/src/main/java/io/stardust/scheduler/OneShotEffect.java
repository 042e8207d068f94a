package io.stardust.scheduler;

/**
 * What one one-shot transaction did at its log position.
 *
 * @param failedOp the index of the op whose condition was false, or -1 when it committed.
 * @param results  per op, the key's value once the op ran (for GET and the checks, the value seen); null for an
 *                 absent key. Null when the transaction aborted.
 * @param writes   the writes it leaves, one per key in the order its ops first wrote them; empty when it aborted.
 */
public record OneShotEffect(int failedOp, byte[][] results, TxnRecord.Write[] writes)
{
    private static final TxnRecord.Write[] NO_WRITES = new TxnRecord.Write[0];

    /**
     * @return an effect that leaves no writes: an aborted one-shot's, or a decision remembered without them.
     */
    public static OneShotEffect withoutWrites(final int failedOp, final byte[][] results)
    {
        return new OneShotEffect(failedOp, results, NO_WRITES);
    }

    /** @return true when every condition held. */
    public boolean committed()
    {
        return failedOp < 0;
    }
}
