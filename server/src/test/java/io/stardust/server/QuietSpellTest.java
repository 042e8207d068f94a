package io.stardust.server;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuietSpellTest
{
    private static final long KNOB = TimeUnit.MILLISECONDS.toNanos(4);
    private static final long DEEP = TimeUnit.MILLISECONDS.toNanos(20);

    @Test
    void shouldParkDeepOnlyAfterAQuietSpellAndWakeOnTheFirstRequest()
    {
        final QuietSpell quiet = new QuietSpell(new java.util.concurrent.atomic.AtomicLong(), KNOB, DEEP);
        final long start = System.nanoTime();
        quiet.check(start + QuietSpell.AFTER_NS / 2);
        assertFalse(quiet.deep());
        assertEquals(KNOB, quiet.parkNs().get());

        quiet.check(start + QuietSpell.AFTER_NS + 1);
        assertTrue(quiet.deep());
        assertEquals(DEEP, quiet.parkNs().get());

        quiet.activity();
        assertFalse(quiet.deep());
        assertEquals(KNOB, quiet.parkNs().get(), "the first request brings the knob's park back");
        quiet.check(System.nanoTime() + QuietSpell.AFTER_NS / 2);
        assertFalse(quiet.deep(), "the spell starts again from the request");
    }

    @Test
    void shouldApplyTheKnobAtOnceOrAfterTheSpell()
    {
        final QuietSpell quiet = new QuietSpell(new java.util.concurrent.atomic.AtomicLong(), KNOB, DEEP);
        quiet.knob(TimeUnit.MILLISECONDS.toNanos(1));
        assertEquals(TimeUnit.MILLISECONDS.toNanos(1), quiet.parkNs().get());
        quiet.check(System.nanoTime() + QuietSpell.AFTER_NS + 1);
        assertEquals(DEEP, quiet.parkNs().get());
        quiet.knob(TimeUnit.MILLISECONDS.toNanos(2));
        assertEquals(DEEP, quiet.parkNs().get(), "still quiet");
        assertEquals(TimeUnit.MILLISECONDS.toNanos(2), quiet.knobNs());
        quiet.activity();
        assertEquals(TimeUnit.MILLISECONDS.toNanos(2), quiet.parkNs().get());
    }

    @Test
    void shouldNeverParkDeepWhenOffOrWhenTheKnobIsLonger()
    {
        final QuietSpell off = new QuietSpell(new java.util.concurrent.atomic.AtomicLong(), KNOB, 0);
        off.check(System.nanoTime() + QuietSpell.AFTER_NS * 2);
        assertFalse(off.deep());
        assertEquals(KNOB, off.parkNs().get());
        final QuietSpell longKnob = new QuietSpell(new java.util.concurrent.atomic.AtomicLong(), TimeUnit.MILLISECONDS.toNanos(50), DEEP);
        longKnob.check(System.nanoTime() + QuietSpell.AFTER_NS * 2);
        assertFalse(longKnob.deep());
    }
}
