package io.stardust.sequencer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdmissionTest
{
    private static final long MS = 1_000_000L;

    @Test
    void shouldAdmitTheRateOverTimeAndNoMoreThanTheBurstAtOnce()
    {
        final Admission a = new Admission();
        a.set(1_000, 10, 0);
        int admitted = 0;
        // 10,000 attempts spread over one second of log time (one every 100 us): 10 from the full bucket plus one a
        // millisecond.
        for (int i = 0; i < 10_000; i++)
        {
            if (a.admit(i * 100_000L) == 0)
            {
                admitted++;
            }
        }
        assertTrue(admitted >= 1_000 && admitted <= 1_010, "admitted " + admitted);
        // A long quiet spell refills the bucket to its size, not beyond.
        int burst = 0;
        while (a.admit(100_000 * MS) == 0)
        {
            burst++;
        }
        assertEquals(10, burst);
    }

    @Test
    void shouldSayHowLongUntilTheNextToken()
    {
        final Admission a = new Admission();
        a.set(4, 1, 0);
        assertEquals(0, a.admit(0));
        assertEquals(250_000, a.admit(0), "a token every 250 ms");
        assertEquals(150_000, a.admit(100 * MS), "150 ms to go");
        assertEquals(0, a.admit(250 * MS));
    }

    @Test
    void shouldAdmitEverythingWithoutALimitAndRefuseImpossibleSettings()
    {
        final Admission a = new Admission();
        for (int i = 0; i < 1_000; i++)
        {
            assertEquals(0, a.admit(0));
        }
        assertNull(Admission.problem(0, 0));
        assertNull(Admission.problem(Admission.MAX_RATE, Admission.MAX_BURST));
        assertNotNull(Admission.problem(-1, 1));
        assertNotNull(Admission.problem(Admission.MAX_RATE + 1, 1));
        assertNotNull(Admission.problem(1, 0));
        assertNotNull(Admission.problem(1, Admission.MAX_BURST + 1));
    }

    @Test
    void shouldNotOverflowAtTheHighestRateAfterALongGap()
    {
        final Admission a = new Admission();
        a.set(Admission.MAX_RATE, Admission.MAX_BURST, 0);
        for (int i = 0; i < Admission.MAX_BURST; i++)
        {
            assertEquals(0, a.admit(0));
        }
        assertTrue(a.admit(0) > 0);
        assertEquals(0, a.admit(Long.MAX_VALUE / 2), "a gap of centuries refills it without overflow");
    }
}
