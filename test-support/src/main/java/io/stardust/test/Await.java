package io.stardust.test;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting for a condition with a deadline, instead of sleeping for a guessed time.
 */
public final class Await
{
    private Await()
    {
    }

    /**
     * Poll {@code condition} every millisecond until it holds.
     *
     * @param what      described in the failure.
     * @param timeout   how long to wait.
     * @param condition the condition.
     * @throws AssertionError when the condition did not hold in time.
     */
    public static void until(final String what, final Duration timeout, final BooleanSupplier condition)
    {
        until(() -> what, timeout, condition);
    }

    /**
     * As {@link #until(String, Duration, BooleanSupplier)}, with a description computed at failure (to show the
     * state that did not match).
     *
     * @param what      described in the failure.
     * @param timeout   how long to wait.
     * @param condition the condition.
     */
    public static void until(final Supplier<String> what, final Duration timeout, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what.get());
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
