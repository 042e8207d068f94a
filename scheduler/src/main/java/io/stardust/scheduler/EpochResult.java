package io.stardust.scheduler;

/**
 * The result of running one epoch: an outcome per transaction (by index) and the state digest after it.
 *
 * @param epoch     epoch number.
 * @param outcomes  outcome of transaction {@code i} at index {@code i}.
 * @param committed number committed.
 * @param digest    chained digest of every state change up to and including this epoch.
 */
public record EpochResult(long epoch, Outcome[] outcomes, int committed, long digest)
{
    public int aborted()
    {
        return outcomes.length - committed;
    }
}
