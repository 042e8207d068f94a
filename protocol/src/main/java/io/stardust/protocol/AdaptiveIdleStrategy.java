package io.stardust.protocol;

import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.locks.LockSupport;

/**
 * How Stardust's agent threads wait when they have nothing to do. After work: a few spins and yields, then parks
 * whose length depends on how busy the thread has been lately. A thread that did work in many duty cycles during
 * the last window parks briefly ({@code busyParkNs}), so a busy pipeline answers within tens of microseconds at
 * every hop; a thread with only a trickle of periodic duties (heartbeats, timer checks) parks long
 * ({@code quietParkNs}), so an idle cluster costs almost no CPU. Agrona's backoff strategy instead doubles its park
 * on every idle call and so adds its longest park to every hop of a commit's path between epochs.
 * Never busy spins for long: Stardust shares small machines.
 */
public final class AdaptiveIdleStrategy implements IdleStrategy
{
    private static final int SPINS = 10;
    private static final int YIELDS = 5;

    private final long busyParkNs;
    private final java.util.concurrent.atomic.AtomicLong quietParkNs;
    private final long windowNs;
    private final int busyWorkCycles;
    private int idleCalls;
    private int workCycles;
    private long windowStartNs;
    private boolean quiet;

    /**
     * @param busyParkNs     park while busy.
     * @param quietParkNs    park while quiet.
     * @param windowNs       how often busy or quiet is decided.
     * @param busyWorkCycles duty cycles with work in one window that make the thread busy for the next.
     */
    public AdaptiveIdleStrategy(
        final long busyParkNs, final long quietParkNs, final long windowNs, final int busyWorkCycles)
    {
        this(busyParkNs, new java.util.concurrent.atomic.AtomicLong(quietParkNs), windowNs, busyWorkCycles);
    }

    /**
     * @param busyParkNs     park while busy.
     * @param quietParkNs    park while quiet, shared: a member's threads all read one value, which its idle-park
     *                       knob changes at run time (never below {@code busyParkNs}).
     * @param windowNs       how often busy or quiet is decided.
     * @param busyWorkCycles duty cycles with work in one window that make the thread busy for the next.
     */
    public AdaptiveIdleStrategy(final long busyParkNs, final java.util.concurrent.atomic.AtomicLong quietParkNs,
        final long windowNs, final int busyWorkCycles)
    {
        if (busyParkNs <= 0 || quietParkNs.get() < busyParkNs || windowNs <= 0 || busyWorkCycles < 1)
        {
            throw new IllegalArgumentException(
                "need 0 < busyPark <= quietPark, a positive window and busyWorkCycles >= 1");
        }
        this.busyParkNs = busyParkNs;
        this.quietParkNs = quietParkNs;
        this.windowNs = windowNs;
        this.busyWorkCycles = busyWorkCycles;
    }

    /**
     * The default: 50 us parks while busy; {@code quietParkNs} once fewer than 3 duty cycles in 20 ms did work.
     *
     * @param quietParkNs park once quiet.
     * @return a new strategy (one per thread).
     */
    public static AdaptiveIdleStrategy withQuietPark(final long quietParkNs)
    {
        return withQuietPark(new java.util.concurrent.atomic.AtomicLong(quietParkNs));
    }

    /**
     * The default, with a quiet park that can change at run time.
     *
     * @param quietParkNs park once quiet, shared by every thread of a member.
     * @return a new strategy (one per thread).
     */
    public static AdaptiveIdleStrategy withQuietPark(final java.util.concurrent.atomic.AtomicLong quietParkNs)
    {
        // Measured on 2 cores: an idle member's agents do work in fewer than 3 duty cycles per 20 ms, agents on a
        // loaded commit path in far more. 10 or 50 here let loaded agents look quiet and cut throughput to a fifth.
        return new AdaptiveIdleStrategy(Math.min(50_000, quietParkNs.get()), quietParkNs, 20_000_000, 3);
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            workCycles++;
            idleCalls = 0;
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
            if (now - windowStartNs >= windowNs)
            {
                quiet = workCycles < busyWorkCycles;
                workCycles = 0;
                windowStartNs = now;
            }
            LockSupport.parkNanos(quiet ? Math.max(busyParkNs, quietParkNs.get()) : busyParkNs);
        }
    }

    @Override
    public void reset()
    {
        idleCalls = 0;
    }

    /** @return true when the last window had too little work to count as busy. */
    public boolean isQuiet()
    {
        return quiet;
    }

    @Override
    public String alias()
    {
        return "adaptive";
    }
}
