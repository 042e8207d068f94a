package io.stardust.client;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * What a one-shot transaction did at its log position. A false condition is an outcome, not an error: it comes back
 * here with {@link #committed()} false and the op that failed.
 *
 * @param txnId        the transaction's id.
 * @param committed    whether every condition held (and its writes were applied).
 * @param epoch        the epoch it was sequenced into.
 * @param index        its position in the epoch; its writes carry version (epoch, index).
 * @param failedOp     the index of the op whose condition was false, or -1.
 * @param values       per op (committed only): the key's value once the op ran (for {@code get} and the checks, the
 *                     value seen); a null entry for an absent key. Empty when aborted or not known.
 * @param resultsKnown false when this answers a resend decided so long ago that the values were not kept, or were
 *                     over 4 KiB: the outcome stands, the values are not here.
 * @param abortReason  empty when committed, else why it aborted: {@code CONDITION_FAILED} (an op's condition, or a
 *                     procedure's own abort), {@code PROCEDURE_FAILED} (the procedure threw) or
 *                     {@code STEP_BUDGET_EXCEEDED}.
 * @param message      a procedure call's abort in its words or its exception's; empty otherwise.
 */
public record OneShotResult(long txnId, boolean committed, long epoch, int index, int failedOp, List<byte[]> values,
    boolean resultsKnown, String abortReason, String message)
{
    /**
     * @param op an op's index.
     * @return the counter the op left (or saw), as {@code add} keeps it: 0 when absent.
     * @throws IllegalStateException when the values are not here, or the value is not a counter.
     */
    public long counter(final int op)
    {
        if (!committed || !resultsKnown)
        {
            throw new IllegalStateException(committed ? "the values of transaction " + txnId + " were not kept; " +
                "read the key" : "transaction " + txnId + " did not commit: " + (failedOp >= 0 ? "op " + failedOp +
                "'s condition was false" : abortReason + (message.isEmpty() ? "" : ": " + message)));
        }
        final byte[] value = values.get(op);
        if (value == null)
        {
            return 0;
        }
        if (value.length != Long.BYTES)
        {
            throw new IllegalStateException("op " + op + " left a value of " + value.length + " bytes, not a counter");
        }
        return ByteBuffer.wrap(value).getLong();
    }
}
