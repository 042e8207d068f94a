package io.stardust.sequencer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EpochTelemetryTest
{
    @Test
    void shouldCountEpochsAndWeighLatencyByTransactions()
    {
        final EpochTelemetry t = new EpochTelemetry();
        assertEquals(-1, t.latencyMicros(50), "nothing applied yet");
        final long start = System.nanoTime();
        // 99 transactions waited 1 ms, one epoch of 1 transaction waited 100 ms.
        t.onEpoch(99, 0, start, start + 200_000, 1_000_000);
        t.onEpoch(1, 0, start, start + 300_000, 100_000_000);
        assertEquals(2, t.epochs());
        assertEquals(1, t.lastEpochTxns());
        assertEquals(500_000, t.applyNanos());
        final long p50 = t.latencyMicros(50);
        final long p99 = t.latencyMicros(99);
        final long p100 = t.latencyMicros(100);
        assertTrue(p50 >= 1_000 && p50 < 1_190, "p50 " + p50 + " us, within a bucket above 1,000");
        assertTrue(p99 >= 1_000 && p99 < 1_190, "the 99th of 100 is still one of the 99: " + p99);
        assertTrue(p100 >= 100_000 && p100 < 119_000, "max " + p100);
    }

    @Test
    void shouldForgetLatenciesOlderThanTwoWindows()
    {
        final EpochTelemetry t = new EpochTelemetry();
        final long start = System.nanoTime();
        t.onEpoch(1, 0, start, start + 1, 50_000_000);
        t.onEpoch(1, 0, start, start + EpochTelemetry.WINDOW_NS + 1, 1_000_000);
        assertTrue(t.latencyMicros(100) >= 50_000, "the previous window still counts");
        t.onEpoch(1, 0, start, start + 2 * EpochTelemetry.WINDOW_NS + 2, 1_000_000);
        assertTrue(t.latencyMicros(100) < 1_190, "two windows on, the 50 ms epoch is gone: " + t.latencyMicros(100));
    }

    @Test
    void shouldBucketWithinNineteenPercentAbove()
    {
        for (long micros = 1; micros < 10_000_000; micros = micros * 3 / 2 + 1)
        {
            final long top = EpochTelemetry.upperBound(EpochTelemetry.bucket(micros));
            assertTrue(top >= micros && top <= micros * 1.19 + 1, micros + " -> " + top);
        }
    }
}
