package io.stardust.sequencer;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * The replicated admission rate: a token bucket in log time, checked where commit records are taken from the log, so
 * every replica admits and refuses the same records. A refused commit is never sequenced; its answer says how long
 * until the bucket holds a token again. Changed only by {@code SetAdmission} control records; its state is part of
 * the service snapshot.
 *
 * <p>Integer arithmetic only, in nano-tokens: a token is 10^9 of them, and a rate of R transactions a second adds R
 * nano-tokens a nanosecond.
 */
final class Admission
{
    /** Highest rate a {@code SetAdmission} may set, transactions per second. */
    static final long MAX_RATE = 10_000_000;
    /** Largest burst, transactions. */
    static final int MAX_BURST = 1_000_000;
    private static final long TOKEN = 1_000_000_000L;

    private long ratePerSecond;
    private int burst;
    private long nanoTokens;
    private long lastNs;

    /** @return transactions per second admitted; 0 for no limit. */
    long ratePerSecond()
    {
        return ratePerSecond;
    }

    /** @return the bucket's size in transactions; 0 without a limit. */
    int burst()
    {
        return burst;
    }

    /**
     * @param rate  transactions per second, 0 for no limit.
     * @param burst the bucket's size, transactions (at least 1 with a limit).
     * @return null when allowed, else what is wrong, naming the field.
     */
    static String problem(final long rate, final int burst)
    {
        if (rate < 0 || rate > MAX_RATE)
        {
            return "admission rate must be 0 (no limit) to " + MAX_RATE + " transactions/s, was " + rate;
        }
        if (rate > 0 && (burst < 1 || burst > MAX_BURST))
        {
            return "admission burst must be 1 to " + MAX_BURST + " transactions, was " + burst;
        }
        return null;
    }

    /**
     * Change the limit from log time {@code nowNs}; the bucket starts full.
     *
     * @param rate  transactions per second, 0 for no limit.
     * @param burst the bucket's size.
     * @param nowNs log time of the control record, nanoseconds.
     */
    void set(final long rate, final int burst, final long nowNs)
    {
        this.ratePerSecond = rate;
        this.burst = rate == 0 ? 0 : burst;
        this.nanoTokens = (long)this.burst * TOKEN;
        this.lastNs = nowNs;
    }

    /**
     * Take a token for one transaction stamped {@code nowNs} in log time.
     *
     * @param nowNs log time of the record, nanoseconds (never decreasing).
     * @return 0 when admitted; otherwise the microseconds until a token is there, at least 1.
     */
    long admit(final long nowNs)
    {
        if (ratePerSecond == 0)
        {
            return 0;
        }
        final long full = (long)burst * TOKEN;
        final long elapsed = Math.max(0, nowNs - lastNs);
        lastNs = Math.max(lastNs, nowNs);
        // Refill, capped at the bucket's size: cap the elapsed time first so that the product cannot overflow.
        final long refillNs = (full - nanoTokens + ratePerSecond - 1) / ratePerSecond;
        nanoTokens = elapsed >= refillNs ? full : nanoTokens + elapsed * ratePerSecond;
        if (nanoTokens >= TOKEN)
        {
            nanoTokens -= TOKEN;
            return 0;
        }
        final long waitNs = (TOKEN - nanoTokens + ratePerSecond - 1) / ratePerSecond;
        return Math.max(1, (waitNs + 999) / 1_000);
    }

    void write(final DataOutputStream out) throws IOException
    {
        out.writeLong(ratePerSecond);
        out.writeInt(burst);
        out.writeLong(nanoTokens);
        out.writeLong(lastNs);
    }

    void read(final DataInputStream in) throws IOException
    {
        ratePerSecond = in.readLong();
        burst = in.readInt();
        nanoTokens = in.readLong();
        lastNs = in.readLong();
        final String problem = problem(ratePerSecond, burst);
        if (problem != null || nanoTokens < 0 || nanoTokens > (long)burst * TOKEN)
        {
            throw new IOException("snapshot holds an impossible admission state: " +
                (problem != null ? problem : nanoTokens + " nano-tokens in a bucket of " + burst));
        }
    }

    /** @return one line for acks and logs. */
    String describe()
    {
        return ratePerSecond == 0 ? "no admission limit" :
            "admission of " + ratePerSecond + " transactions/s with a burst of " + burst;
    }
}
