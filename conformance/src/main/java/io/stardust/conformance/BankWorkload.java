package io.stardust.conformance;

import io.stardust.client.OneShot;
import io.stardust.client.OneShotResult;
import io.stardust.client.StardustClient;
import io.stardust.client.StardustException;
import io.stardust.client.StardustTimeoutException;
import io.stardust.client.Transaction;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Transfers between a few accounts under contention, while other clients read every account in one transaction:
 * every snapshot read must add up to the same total and show no negative balance, and so must the final read.
 * <p>
 * Balances are counters (8 bytes, big-endian). Half the transferring workers send validated read-modify-writes, the
 * other half one-shot transfers ({@code add} with the balance checked at the log position), so epochs mix both; half
 * the reads are one-shot reads at the log position. Each one-shot transfer also counts itself in its worker's tally
 * key, in the same transaction: at the end a tally must lie between the worker's acknowledged transfers and those
 * plus the ones whose outcome it never learnt, so a one-shot applied twice (a resend run again) or lost is caught.
 */
final class BankWorkload
{
    static final String TABLE = "bank";
    static final int ACCOUNTS = 8;
    static final long INITIAL = 100;
    static final String FINAL_READ = "the final read";

    private final List<StardustClient> clients;
    private final long seed;
    private final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicLong transfers = new AtomicLong();
    final AtomicLong failedTransfers = new AtomicLong();
    final AtomicLong reads = new AtomicLong();
    final AtomicLong oneShotTransfers = new AtomicLong();
    final AtomicLong declinedTransfers = new AtomicLong();
    private final long[] acknowledged = new long[64];
    private final long[] unknown = new long[64];
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());

    BankWorkload(final List<StardustClient> clients, final long seed)
    {
        this.clients = clients;
        this.seed = seed;
    }

    /** Create the accounts (retried until it commits). */
    static void setUp(final StardustClient client)
    {
        client.run((tx) ->
        {
            for (int a = 0; a < ACCOUNTS; a++)
            {
                tx.put(TABLE, account(a), OneShot.counter(INITIAL));
            }
            return null;
        });
    }

    List<Thread> start()
    {
        return Workers.start("bank", clients.size(), this::work);
    }

    void stop()
    {
        running.set(false);
    }

    private void work(final int worker)
    {
        final SplittableRandom random = new SplittableRandom(seed * 17 + worker);
        final StardustClient client = clients.get(worker);
        while (running.get())
        {
            try
            {
                if (worker % 2 == 1 || random.nextInt(4) == 0)
                {
                    if (random.nextBoolean() ? check(client.begin(), "a snapshot read") >= 0 : oneShotRead(client))
                    {
                        reads.incrementAndGet();
                    }
                }
                else if (worker % 4 == 2)
                {
                    oneShotTransfer(client, worker, random);
                }
                else
                {
                    transfer(client, random);
                }
            }
            catch (final StardustException ex)
            {
                failedTransfers.incrementAndGet();
            }
            catch (final RuntimeException ex)
            {
                violations.add("worker " + worker + " failed: " + ex);
                return;
            }
        }
    }

    private void transfer(final StardustClient client, final SplittableRandom random)
    {
        final int from = random.nextInt(ACCOUNTS);
        final int to = (from + 1 + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
        final Transaction tx = client.begin();
        final Long a = balanceOrNull(tx, from);
        final Long b = balanceOrNull(tx, to);
        if (a == null || b == null)
        {
            // This client's snapshot predates the accounts (see check); try again later.
            return;
        }
        final long amount = Math.min(a, 1 + random.nextInt(20));
        tx.put(TABLE, account(from), OneShot.counter(a - amount));
        tx.put(TABLE, account(to), OneShot.counter(b + amount));
        tx.commitSync();
        transfers.incrementAndGet();
    }

    /** A transfer that runs at its log position: it commits, or finds the balance short; it never conflicts. */
    private void oneShotTransfer(final StardustClient client, final int worker, final SplittableRandom random)
    {
        final int from = random.nextInt(ACCOUNTS);
        final int to = (from + 1 + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
        final long amount = 1 + random.nextInt(20);
        final OneShotResult r;
        try
        {
            r = client.oneShot().add(TABLE, account(from), -amount, 0, Long.MAX_VALUE)
                .add(TABLE, account(to), amount).add(TABLE, tally(worker), 1).commitSync();
        }
        catch (final StardustTimeoutException ex)
        {
            synchronized (this)
            {
                unknown[worker]++;
            }
            throw ex;
        }
        if (r.committed())
        {
            synchronized (this)
            {
                acknowledged[worker]++;
            }
            transfers.incrementAndGet();
            oneShotTransfers.incrementAndGet();
        }
        else
        {
            declinedTransfers.incrementAndGet();
        }
    }

    /** Every account read by one one-shot, at its log position: the accounts exist there. */
    private boolean oneShotRead(final StardustClient client)
    {
        final OneShot read = client.oneShot();
        for (int a = 0; a < ACCOUNTS; a++)
        {
            read.get(TABLE, account(a));
        }
        final OneShotResult r = read.commitSync();
        if (!r.resultsKnown())
        {
            return false;
        }
        final Long[] balances = new Long[ACCOUNTS];
        for (int a = 0; a < ACCOUNTS; a++)
        {
            balances[a] = r.values().get(a) == null ? null : r.counter(a);
        }
        final String violation = violation(balances, "a one-shot read", true);
        if (violation != null)
        {
            violations.add(violation);
        }
        return true;
    }

    /**
     * Read every account in {@code tx} and record a violation if the total is off or a balance is negative.
     *
     * @return the total read, or -1 when the snapshot predates the accounts.
     */
    long check(final Transaction tx, final String what)
    {
        final Long[] balances = new Long[ACCOUNTS];
        for (int a = 0; a < ACCOUNTS; a++)
        {
            balances[a] = balanceOrNull(tx, a);
        }
        final boolean finalRead = what.equals(FINAL_READ);
        final String violation = violation(balances, what, finalRead);
        if (violation != null)
        {
            violations.add(violation);
        }
        long total = 0;
        boolean anyPresent = false;
        for (final Long b : balances)
        {
            total += b == null ? 0 : b;
            anyPresent |= b != null;
        }
        return anyPresent || finalRead ? total : -1;
    }

    /**
     * The bank's invariant, on one snapshot's balances.
     *
     * @param balances  each account's balance, null where the account was not found.
     * @param what      which read, for the message.
     * @param mustExist true for a read that must see the accounts (the final one, after setup is known done).
     * @return null when the balances are consistent, or when none exists and none has to (a read-only snapshot from
     * before another client created them: read-only transactions are serializable, not strictly so); else what is
     * wrong.
     */
    static String violation(final Long[] balances, final String what, final boolean mustExist)
    {
        long total = 0;
        int missing = 0;
        boolean negative = false;
        for (final Long b : balances)
        {
            missing += b == null ? 1 : 0;
            total += b == null ? 0 : b;
            negative |= b != null && b < 0;
        }
        if (missing == balances.length && !mustExist)
        {
            return null;
        }
        if (missing > 0)
        {
            return what + " saw " + missing + " of " + balances.length + " accounts missing: the accounts were " +
                "created in one transaction, so a snapshot has all of them or none";
        }
        if (total != (long)balances.length * INITIAL || negative)
        {
            return what + " saw balances " + java.util.Arrays.toString(balances) + ", total " + total +
                " (expected " + (long)balances.length * INITIAL + ", none negative)";
        }
        return null;
    }

    /** The final read: a read-write transaction, so it reads what is current at its place in the log. */
    void finalCheck(final StardustClient client)
    {
        client.run((tx) ->
        {
            check(tx, FINAL_READ);
            tx.put(TABLE, "final".getBytes(StandardCharsets.UTF_8), "1".getBytes(StandardCharsets.UTF_8));
            return null;
        });
        reads.incrementAndGet();
        final Transaction tx = client.begin();
        for (int w = 0; w < clients.size(); w++)
        {
            final byte[] v = tx.get(TABLE, tally(w));
            final long applied = v == null ? 0 : java.nio.ByteBuffer.wrap(v).getLong();
            final String problem = tallyProblem(w, applied, acknowledged[w], unknown[w]);
            if (problem != null)
            {
                violations.add(problem);
            }
        }
    }

    /**
     * @return null when a worker's applied one-shot transfers lie between those acknowledged and those plus the ones
     * of unknown outcome; else what is wrong.
     */
    static String tallyProblem(final int worker, final long applied, final long acknowledged, final long unknown)
    {
        if (applied < acknowledged)
        {
            return "worker " + worker + "'s tally holds " + applied + " one-shot transfers but " + acknowledged +
                " were acknowledged: acknowledged transfers were lost";
        }
        if (applied > acknowledged + unknown)
        {
            return "worker " + worker + "'s tally holds " + applied + " one-shot transfers; " + acknowledged +
                " were acknowledged and " + unknown + " had no answer: a transfer was applied twice";
        }
        return null;
    }

    static byte[] tally(final int worker)
    {
        return ("tally-" + worker).getBytes(StandardCharsets.UTF_8);
    }

    List<String> violations()
    {
        return List.copyOf(violations);
    }

    private static Long balanceOrNull(final Transaction tx, final int account)
    {
        final byte[] v = tx.get(TABLE, account(account));
        return v == null ? null : java.nio.ByteBuffer.wrap(v).getLong();
    }

    static byte[] account(final int a)
    {
        return ("acct-" + a).getBytes(StandardCharsets.UTF_8);
    }
}
