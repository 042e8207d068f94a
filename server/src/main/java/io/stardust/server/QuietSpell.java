package io.stardust.server;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Deep idle: after a quiet spell with no application work on a member (no record in its log, no request to its read
 * endpoint) for {@link #AFTER_NS}, its agent threads may park up to {@code deepParkNs} instead of the idle-park
 * knob's value. The first request after the spell brings the knob's value back at once on the thread that sees it;
 * the other threads take it up when they next wake, within one deep park.
 *
 * <p>What it trades, measured on 2026-11-30 (README, "Power that follows load"): an idle 3-member cluster at 0.23
 * cores with 4 ms parks and 0.11 with 20 ms, while a quiet cluster's commit takes about 40 ms with 4 ms parks and
 * about 115 ms with 20 ms. With deep idle only the first requests after 5 quiet seconds pay the longer parks.
 *
 * <p>The member's agents all read {@link #parkNs()}; only this class and the knob write it.
 */
final class QuietSpell
{
    /** How long without application work before the deep park. */
    static final long AFTER_NS = TimeUnit.SECONDS.toNanos(5);

    private final AtomicLong parkNs;
    private final long deepParkNs;
    private volatile long knobNs;
    private volatile long lastActivityNs = System.nanoTime();
    private volatile boolean deep;

    /**
     * @param parkNs     the longest park every agent thread of the member reads; set to {@code knobNs} here.
     * @param knobNs     the idle-park knob's value to start with.
     * @param deepParkNs the park after a quiet spell; 0 (or no more than the knob) for no deep idle.
     */
    QuietSpell(final AtomicLong parkNs, final long knobNs, final long deepParkNs)
    {
        this.knobNs = knobNs;
        this.deepParkNs = deepParkNs;
        this.parkNs = parkNs;
        parkNs.set(knobNs);
    }

    /** @return the longest park every agent thread of the member reads. */
    AtomicLong parkNs()
    {
        return parkNs;
    }

    /** @param ns the idle-park knob's new value; it applies at once unless the member is in a quiet spell. */
    synchronized void knob(final long ns)
    {
        knobNs = ns;
        if (!deep)
        {
            parkNs.set(ns);
        }
    }

    /** @return the idle-park knob's value (not the deep park). */
    long knobNs()
    {
        return knobNs;
    }

    /** @return whether the member is in a quiet spell, its agents on the deep park. */
    boolean deep()
    {
        return deep;
    }

    /** Application work was seen: cheap while not deep (one volatile write and one read). */
    void activity()
    {
        lastActivityNs = System.nanoTime();
        if (deep)
        {
            synchronized (this)
            {
                if (deep)
                {
                    deep = false;
                    parkNs.set(knobNs);
                }
            }
        }
    }

    /**
     * Start the deep park when the spell has lasted long enough. Run it every second or so.
     *
     * @param nowNs {@link System#nanoTime()}.
     */
    synchronized void check(final long nowNs)
    {
        final long seen = lastActivityNs;
        if (deep || deepParkNs <= knobNs || nowNs - seen < AFTER_NS)
        {
            return;
        }
        deep = true;
        parkNs.set(deepParkNs);
        // An activity() between the read above and the write of deep may not have seen deep set: undo.
        if (lastActivityNs != seen)
        {
            deep = false;
            parkNs.set(knobNs);
        }
    }
}
