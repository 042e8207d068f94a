package io.stardust.protocol;

import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.locks.LockSupport;

/**
 * How Stardust's agent threads wait when they have nothing to do. After work: a few spins, a few yields, then
 * short parks ({@code busyParkNs}) so that a thread in a busy pipeline answers within tens of microseconds; once
 * nothing has happened for {@code quietAfterNs}, long parks ({@code quietParkNs}) so that an idle cluster costs
 * almost no CPU. Agrona's backoff strategy instead doubles its park on every idle call and reaches its maximum
 * within milliseconds, which adds that maximum to every hop of a commit's path between epochs.
 * Never busy spins for long: Stardust shares small machines.
 */
public final class AdaptiveIdleStrategy implements IdleStrategy
{
    private static final int SPINS = 10;
    private static final int YIELDS = 5;

    private final long busyParkNs;
    private final long quietParkNs;
    private final long quietAfterNs;
    private int idleCalls;
    private long idleSinceNs;

    /**
     * @param busyParkNs   park while recently busy.
     * @param quietParkNs  park once quiet.
     * @param quietAfterNs idle time after which the thread counts as quiet.
     */
    public AdaptiveIdleStrategy(final long busyParkNs, final long quietParkNs, final long quietAfterNs)
    {
        if (busyParkNs <= 0 || quietParkNs < busyParkNs || quietAfterNs < 0)
        {
            throw new IllegalArgumentException("need 0 < busyPark <= quietPark and quietAfter >= 0");
        }
        this.busyParkNs = busyParkNs;
        this.quietParkNs = quietParkNs;
        this.quietAfterNs = quietAfterNs;
    }

    /**
     * The default: 50 us parks while busy, 4 ms parks after 20 ms of quiet.
     *
     * @param quietParkNs park once quiet.
     * @return a new strategy (one per thread).
     */
    public static AdaptiveIdleStrategy withQuietPark(final long quietParkNs)
    {
        return new AdaptiveIdleStrategy(Math.min(50_000, quietParkNs), quietParkNs, 20_000_000);
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }

    @Override
    public void idle()
    {
        final int calls = idleCalls++;
        if (calls < SPINS)
        {
            Thread.onSpinWait();
        }
        else if (calls < SPINS + YIELDS)
        {
            Thread.yield();
        }
        else
        {
            final long now = System.nanoTime();
            if (calls == SPINS + YIELDS)
            {
                idleSinceNs = now;
            }
            LockSupport.parkNanos(now - idleSinceNs >= quietAfterNs ? quietParkNs : busyParkNs);
        }
    }

    @Override
    public void reset()
    {
        idleCalls = 0;
    }

    @Override
    public String alias()
    {
        return "adaptive";
    }
}
