package io.stardust.sequencer;

import java.util.concurrent.TimeUnit;

/**
 * What a replica's epochs look like, for telemetry: counts, the size of the last epoch, time spent validating and
 * applying, the open epoch's depth, and percentiles of epoch latency. The service thread writes; any thread reads.
 *
 * <p>Epoch latency is the time from an epoch's opening, in log time, to the end of its apply on this member, in wall
 * time, counted once per transaction in it: the longest any of its transactions waited on this member from being
 * sequenced to being applied. On followers the log time is the leader's clock, so clock skew between machines adds
 * to it. None of this decides state: it only reads clocks to report.
 */
public final class EpochTelemetry
{
    /** Percentiles cover the last one to two of these windows. */
    static final long WINDOW_NS = TimeUnit.SECONDS.toNanos(10);
    private static final int BUCKETS = 128;
    private static final double BUCKETS_PER_DOUBLING = 4;

    private volatile long epochs;
    private volatile int lastEpochTxns;
    private volatile long applyNanos;
    private volatile int queueDepth;
    private final long[][] windows = new long[2][BUCKETS];
    private int current;
    private long windowStartNs = System.nanoTime();

    /**
     * Count an applied epoch (service thread).
     *
     * @param txns              transactions in it.
     * @param openedEpochNanos  when it opened, in log time (nanoseconds since 1970).
     * @param applyStartNs      {@link System#nanoTime()} when its validation started.
     * @param applyEndNs        {@link System#nanoTime()} when its apply ended.
     * @param nowEpochNanos     wall time now, nanoseconds since 1970.
     */
    void onEpoch(final int txns, final long openedEpochNanos, final long applyStartNs, final long applyEndNs,
        final long nowEpochNanos)
    {
        epochs = epochs + 1;
        lastEpochTxns = txns;
        applyNanos = applyNanos + (applyEndNs - applyStartNs);
        final long latencyMicros = Math.max(0, (nowEpochNanos - openedEpochNanos) / 1_000);
        synchronized (windows)
        {
            if (applyEndNs - windowStartNs >= WINDOW_NS)
            {
                current ^= 1;
                java.util.Arrays.fill(windows[current], 0);
                windowStartNs = applyEndNs;
            }
            windows[current][bucket(latencyMicros)] += txns;
        }
    }

    /** @param depth transactions in the open epoch now (service thread). */
    void queued(final int depth)
    {
        queueDepth = depth;
    }

    /** @return epochs applied since this member started. */
    public long epochs()
    {
        return epochs;
    }

    /** @return transactions in the last epoch applied. */
    public int lastEpochTxns()
    {
        return lastEpochTxns;
    }

    /** @return nanoseconds spent validating and applying epochs since this member started. */
    public long applyNanos()
    {
        return applyNanos;
    }

    /** @return transactions waiting in the open epoch. */
    public int queueDepth()
    {
        return queueDepth;
    }

    /**
     * @param percentile in (0, 100].
     * @return the epoch latency at that percentile over the last 10 to 20 s, in microseconds (the top of its bucket,
     * within 19% above the true value); -1 when no epoch was applied in that time.
     */
    public long latencyMicros(final double percentile)
    {
        final long[] merged = new long[BUCKETS];
        long total = 0;
        synchronized (windows)
        {
            for (final long[] window : windows)
            {
                for (int i = 0; i < BUCKETS; i++)
                {
                    merged[i] += window[i];
                    total += window[i];
                }
            }
        }
        if (total == 0)
        {
            return -1;
        }
        final long rank = (long)Math.ceil(total * percentile / 100.0);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++)
        {
            seen += merged[i];
            if (seen >= rank)
            {
                return upperBound(i);
            }
        }
        return upperBound(BUCKETS - 1);
    }

    static int bucket(final long micros)
    {
        if (micros <= 1)
        {
            return 0;
        }
        final int b = (int)Math.ceil(Math.log(micros) / Math.log(2) * BUCKETS_PER_DOUBLING);
        return Math.min(BUCKETS - 1, b);
    }

    static long upperBound(final int bucket)
    {
        return (long)Math.floor(Math.pow(2, bucket / BUCKETS_PER_DOUBLING));
    }
}
