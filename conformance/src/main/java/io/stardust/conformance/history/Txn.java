package io.stardust.conformance.history;

import java.util.List;

/**
 * A completed invocation in a history: which logical process ran it, what it did, what became of it and when.
 * Times are {@link System#nanoTime()} readings of one JVM.
 *
 * @param id       unique id within the history.
 * @param process  the logical process (a client session running one transaction at a time).
 * @param outcome  what the client was told.
 * @param mops     the micro-operations, reads holding what they saw (for {@link Outcome#OK} transactions).
 * @param invoke   when the client began it.
 * @param complete when the client learnt the outcome ({@link Long#MAX_VALUE} when it never did).
 */
public record Txn(int id, int process, Outcome outcome, List<Mop> mops, long invoke, long complete)
{
    /** What the client learnt of a transaction. */
    public enum Outcome
    {
        /** Committed. */
        OK,
        /** Certainly not applied (a conflict or a rejection). */
        FAIL,
        /** Unknown: a timeout or a lost connection; it may or may not have been applied. */
        INFO
    }

    /** @return true when the transaction appends (goes through the log). */
    public boolean writes()
    {
        for (final Mop m : mops)
        {
            if (m.append())
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder("T").append(id).append(" (process ").append(process).append(", ")
            .append(outcome.name().toLowerCase()).append(")");
        for (final Mop m : mops)
        {
            sb.append(' ').append(m);
        }
        return sb.toString();
    }
}
