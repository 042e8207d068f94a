package io.stardust.protocol;

import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.locks.LockSupport;

/**
 * How Stardust's agent threads wait when they have nothing to do. After work: a few spins and yields, then parks
 * whose length follows how often the thread has found work lately: half the recent gap between duty cycles with work
 * (an average over the last few), between {@code busyParkNs} and {@code quietParkNs}, and {@code quietParkNs} once
 * nothing came for ten of those. A thread that works every few microseconds parks for microseconds; one woken only by
 * heartbeats (an idle member's media driver sees one every few milliseconds) parks for milliseconds. Measured with
 * {@code bin/bench resource --curve} on 2026-11-30 against the older strategy (members with
 * {@code -Dstardust.idle.gap=none}): idle 0.20 against 0.32 cores, 0.83 against 1.25 cores at about 450 txn/s, and a
 * closed-loop peak of 8,994 against 4,611 txn/s, from the CPU that polling no longer takes.
 * <p>
 * The older strategy ({@code gap} false): parks whose length depends on how busy the thread has been lately. A thread that did work in many duty cycles during
 * the last window parks briefly ({@code busyParkNs}), so a busy pipeline answers within tens of microseconds at
 * every hop; a thread with only a trickle of periodic duties (heartbeats, timer checks) parks long
 * ({@code quietParkNs}), so an idle cluster costs almost no CPU. Agrona's backoff strategy instead doubles its park
 * on every idle call and so adds its longest park to every hop of a commit's path between epochs.
 * Never busy spins for long: Stardust shares small machines.
 */
public final class AdaptiveIdleStrategy implements IdleStrategy
{
    private static final int SPINS = 10;
    /** Park in proportion to the recent gap between work (see the class comment), or by busy and quiet windows. */
    private final boolean gap;
    /**
     * Park for this share of the recent gap between work, in percent: half of it by default
     * ({@code -Dstardust.idle.gap.share}, to measure others with {@code bin/bench resource}).
     */
    private static final long GAP_SHARE_PERCENT = Long.getLong("stardust.idle.gap.share", 50);
    private long lastWorkNs = System.nanoTime();
    private long gapNs;
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
        this(busyParkNs, new java.util.concurrent.atomic.AtomicLong(quietParkNs), windowNs, busyWorkCycles, false);
    }

    /**
     * @param busyParkNs     park while busy.
     * @param quietParkNs    park while quiet, shared: a member's threads all read one value, which its idle-park
     *                       knob changes at run time (never below {@code busyParkNs}).
     * @param windowNs       how often busy or quiet is decided.
     * @param busyWorkCycles duty cycles with work in one window that make the thread busy for the next.
     * @param gap            park in proportion to the gap between work instead (see the class comment).
     */
    public AdaptiveIdleStrategy(final long busyParkNs, final java.util.concurrent.atomic.AtomicLong quietParkNs,
        final long windowNs, final int busyWorkCycles, final boolean gap)
    {
        this.gap = gap;
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
        return new AdaptiveIdleStrategy(Math.min(50_000, quietParkNs.get()), quietParkNs, 20_000_000, 3, false);
    }

    /**
     * Parks in proportion to the gap between work, for a media driver: its work is network I/O, which comes in
     * steadily under load and as sparse heartbeats when idle.
     *
     * @param quietParkNs the longest park, shared by every thread of a member.
     * @return a new strategy (one per thread).
     */
    public static AdaptiveIdleStrategy gapParks(final java.util.concurrent.atomic.AtomicLong quietParkNs)
    {
        return new AdaptiveIdleStrategy(Math.min(50_000, quietParkNs.get()), quietParkNs, 20_000_000, 3, true);
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            workCycles++;
            idleCalls = 0;
            if (gap)
            {
                workAt(System.nanoTime());
            }
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
        else if (gap)
        {
            LockSupport.parkNanos(gapPark(System.nanoTime()));
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

    /**
     * @param now the time now (nanoTime).
     * @return how long a thread parking by gaps parks now: half the recent gap between work, within the busy and
     * quiet parks; the quiet park once nothing came for ten of those.
     */
    long gapPark(final long now)
    {
        final long quietNs = Math.max(busyParkNs, quietParkNs.get());
        return now - lastWorkNs > 10 * quietNs ? quietNs :
            Math.max(busyParkNs, Math.min(quietNs, gapNs * GAP_SHARE_PERCENT / 100));
    }

    /** Record a duty cycle with work at {@code now} (for tests; {@link #idle(int)} does it with the clock). */
    void workAt(final long now)
    {
        gapNs += ((now - lastWorkNs) - gapNs) >> 2;
        lastWorkNs = now;
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
