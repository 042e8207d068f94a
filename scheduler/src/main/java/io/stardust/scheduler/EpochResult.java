package io.stardust.scheduler;

/**
 * The result of running one epoch: an outcome per transaction (by index) and the state digest after it.
 *
 * @param epoch     epoch number.
 * @param outcomes  outcome of transaction {@code i} at index {@code i}.
 * @param committed number committed.
 * @param digest    chained digest of every state change up to and including this epoch.
 * @param effects   per transaction, what a one-shot did (null for a validated one); null when the epoch had none.
 */
public record EpochResult(long epoch, Outcome[] outcomes, int committed, long digest, OneShotEffect[] effects)
{
    /** An epoch of validated transactions only. */
    public EpochResult(final long epoch, final Outcome[] outcomes, final int committed, final long digest)
    {
        this(epoch, outcomes, committed, digest, null);
    }

    /**
     * @param index a transaction's index.
     * @return what it did, or null for a validated transaction.
     */
    public OneShotEffect effect(final int index)
    {
        return effects == null ? null : effects[index];
    }

    public int aborted()
    {
        return outcomes.length - committed;
    }
}
