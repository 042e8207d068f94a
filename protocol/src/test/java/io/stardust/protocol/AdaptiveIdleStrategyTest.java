package io.stardust.protocol;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AdaptiveIdleStrategyTest
{
    private static final long MS = 1_000_000L;

    @Test
    void shouldParkHalfTheRecentGapBetweenWorkWithinItsBounds()
    {
        final AdaptiveIdleStrategy s = AdaptiveIdleStrategy.gapParks(new AtomicLong(4 * MS));
        long now = System.nanoTime();
        s.workAt(now);
        // Work every millisecond: the average gap converges on 1 ms, so parks of about half that.
        for (int i = 0; i < 50; i++)
        {
            now += MS;
            s.workAt(now);
        }
        assertEquals(MS / 2, s.gapPark(now), MS / 50);
        // Work every 10 us (load): parks at the busy floor of 50 us, not shorter.
        for (int i = 0; i < 200; i++)
        {
            now += 10_000;
            s.workAt(now);
        }
        assertEquals(50_000, s.gapPark(now));
        // Heartbeats every 20 ms: parks at the quiet ceiling of 4 ms.
        for (int i = 0; i < 50; i++)
        {
            now += 20 * MS;
            s.workAt(now);
        }
        assertEquals(4 * MS, s.gapPark(now));
    }

    @Test
    void shouldParkQuietOnceNothingCameForLongAndFollowTheKnob()
    {
        final AtomicLong quiet = new AtomicLong(4 * MS);
        final AdaptiveIdleStrategy s = AdaptiveIdleStrategy.gapParks(quiet);
        long now = System.nanoTime();
        for (int i = 0; i < 100; i++)
        {
            now += 100_000;
            s.workAt(now);
        }
        assertEquals(50_000, s.gapPark(now), 1_000, "busy");
        assertEquals(4 * MS, s.gapPark(now + 41 * MS), "ten quiet parks without work: quiet");
        quiet.set(20 * MS);
        assertEquals(20 * MS, s.gapPark(now + 250 * MS), "the idle-park knob moves the ceiling");
    }
}
