package io.stardust.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter for retrying conflicting transactions.
 *
 * @param maxAttempts attempts in all (the first included).
 * @param base        delay before the second attempt, at most.
 * @param cap         largest delay.
 */
public record RetryPolicy(int maxAttempts, Duration base, Duration cap)
{
    public RetryPolicy
    {
        if (maxAttempts < 1)
        {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        if (base.isNegative() || cap.compareTo(base) < 0)
        {
            throw new IllegalArgumentException("need 0 <= base <= cap, got base " + base + " cap " + cap);
        }
    }

    /**
     * @param attempt attempts made so far (1 after the first failure).
     * @return the largest delay before the next attempt.
     */
    public long ceilingNanos(final int attempt)
    {
        final long base = this.base.toNanos();
        final int shift = Math.min(30, Math.max(0, attempt - 1));
        final long grown = base << shift;
        return grown < 0 || grown > cap.toNanos() ? cap.toNanos() : grown;
    }

    /**
     * @param attempt attempts made so far.
     * @return a random delay in {@code [0, ceilingNanos(attempt)]}.
     */
    public long delayNanos(final int attempt)
    {
        return ThreadLocalRandom.current().nextLong(ceilingNanos(attempt) + 1);
    }
}
