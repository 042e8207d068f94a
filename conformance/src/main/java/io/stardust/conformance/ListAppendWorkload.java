package io.stardust.conformance;

import io.stardust.client.ConflictException;
import io.stardust.client.RejectedException;
import io.stardust.client.StardustClient;
import io.stardust.client.StardustException;
import io.stardust.client.Transaction;
import io.stardust.conformance.history.Mop;
import io.stardust.conformance.history.Txn;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Randomized list-append transactions from several concurrent clients, each a sequence of processes, with every
 * invocation and result recorded for {@link io.stardust.conformance.history.ListAppendChecker}.
 *
 * <p>A key's list is stored as its row's value (decimal values joined by spaces). An append reads the row through
 * the transaction and writes it back longer, so it is a read-modify-write the cluster validates like any other.
 * A key is retired after {@value #MAX_APPENDS_PER_KEY} appends and a fresh one takes its place, so lists stay short
 * and new keys keep the version orders small enough to check.
 *
 * <p>A share of the transactions run as one-shots: an append is an APPEND op of {@code " value"} and a read a GET,
 * both at the transaction's log position, in the same epochs as the validated ones. The checker sees one history,
 * so it checks that the two kinds together are serializable in log order.
 */
final class ListAppendWorkload
{
    static final String TABLE = "la";
    private static final int ACTIVE_KEYS = 8;
    private static final int MAX_APPENDS_PER_KEY = 64;

    private final List<StardustClient> clients;
    private final long seed;
    private final double oneShotShare;
    private final List<Txn> history = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger txnIds = new AtomicInteger();
    private final AtomicInteger processIds;
    private final AtomicLong values = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final long[] activeKeys = new long[ACTIVE_KEYS];
    private final Map<Long, Integer> appendsPerKey = new HashMap<>();
    private final List<Long> usedKeys = new ArrayList<>();
    private long nextKey;

    /**
     * @param clients   one per concurrent worker.
     * @param seed      drives every choice of keys and operations.
     * @param firstKey  keys start here (histories on one table use disjoint keys).
     * @param oneShotShare the share of transactions sent as one-shots, 0 to 1.
     */
    ListAppendWorkload(final List<StardustClient> clients, final long seed, final long firstKey,
        final double oneShotShare)
    {
        this.clients = clients;
        this.seed = seed;
        this.oneShotShare = oneShotShare;
        this.processIds = new AtomicInteger(clients.size());
        nextKey = firstKey;
        for (int i = 0; i < ACTIVE_KEYS; i++)
        {
            activeKeys[i] = nextKey;
            usedKeys.add(nextKey++);
        }
    }

    /** Run every worker until {@link #stop()}; returns at once. */
    List<Thread> start()
    {
        return Workers.start("list-append", clients.size(), this::work);
    }

    void stop()
    {
        running.set(false);
    }

    private void work(final int worker)
    {
        final SplittableRandom random = new SplittableRandom(seed * 31 + worker);
        final StardustClient client = clients.get(worker);
        int process = worker;
        while (running.get())
        {
            final List<Mop> mops = new ArrayList<>();
            for (int m = random.nextInt(1, 5); m > 0; m--)
            {
                final long key = pickKey(random);
                mops.add(random.nextBoolean() ? Mop.read(key) : Mop.append(key, values.incrementAndGet()));
            }
            final Txn txn = random.nextDouble() < oneShotShare ?
                runOneShot(client, txnIds.incrementAndGet(), process, mops) :
                run(client, txnIds.incrementAndGet(), process, mops);
            history.add(txn);
            if (txn.outcome() == Txn.Outcome.INFO)
            {
                // It may still take effect: later transactions of this worker are a new process.
                process = processIds.getAndIncrement();
            }
        }
    }

    private synchronized long pickKey(final SplittableRandom random)
    {
        final int slot = random.nextInt(ACTIVE_KEYS);
        final long key = activeKeys[slot];
        if (appendsPerKey.merge(key, 1, Integer::sum) >= MAX_APPENDS_PER_KEY)
        {
            activeKeys[slot] = nextKey;
            usedKeys.add(nextKey++);
        }
        return key;
    }

    /** Run one transaction and record what became of it. */
    static Txn run(final StardustClient client, final int id, final int process, final List<Mop> mops)
    {
        final long invoke = System.nanoTime();
        final List<Mop> done = new ArrayList<>(mops.size());
        try
        {
            final Transaction tx = client.begin();
            for (final Mop m : mops)
            {
                final long[] current = decode(tx.get(TABLE, key(m.key())));
                if (m.append())
                {
                    final long[] longer = java.util.Arrays.copyOf(current, current.length + 1);
                    longer[current.length] = m.value();
                    tx.put(TABLE, key(m.key()), encode(longer));
                    done.add(m);
                }
                else
                {
                    done.add(m.withRead(current));
                }
            }
            tx.commitSync();
            return new Txn(id, process, Txn.Outcome.OK, done, invoke, System.nanoTime());
        }
        catch (final RuntimeException ex)
        {
            final Throwable cause = ex instanceof CompletionException && ex.getCause() != null ? ex.getCause() : ex;
            // Reads are forgotten unless the transaction committed: only an acknowledged read is evidence.
            final List<Mop> unknown = mops.stream().map((m) -> m.append() ? m : Mop.read(m.key())).toList();
            if (!(cause instanceof StardustException))
            {
                throw ex;
            }
            // Failing before the commit was sent (a read timed out, say) applies nothing. After it was sent, only
            // a conflict or a rejection says it was not applied; anything else leaves it unknown.
            final boolean sent = done.size() == mops.size();
            final Txn.Outcome outcome = !sent || cause instanceof ConflictException ||
                cause instanceof RejectedException ? Txn.Outcome.FAIL : Txn.Outcome.INFO;
            return new Txn(id, process, outcome, unknown, invoke,
                outcome == Txn.Outcome.INFO ? Long.MAX_VALUE : System.nanoTime());
        }
    }

    /** Run one transaction as a one-shot (appends and reads at its log position) and record what became of it. */
    static Txn runOneShot(final StardustClient client, final int id, final int process, final List<Mop> mops)
    {
        final long invoke = System.nanoTime();
        final io.stardust.client.OneShot oneShot = client.oneShot();
        for (final Mop m : mops)
        {
            if (m.append())
            {
                oneShot.append(TABLE, key(m.key()), (" " + m.value()).getBytes(StandardCharsets.UTF_8));
            }
            else
            {
                oneShot.get(TABLE, key(m.key()));
            }
        }
        try
        {
            final io.stardust.client.OneShotResult r = oneShot.commitSync();
            if (!r.committed())
            {
                // Only an append past the largest value can fail its condition: nothing of it applied.
                return new Txn(id, process, Txn.Outcome.FAIL, unknownReads(mops), invoke, System.nanoTime());
            }
            final List<Mop> done = new ArrayList<>(mops.size());
            for (int i = 0; i < mops.size(); i++)
            {
                final Mop m = mops.get(i);
                // A resend answered after its values were dropped commits with its reads unknown.
                done.add(m.append() ? m : r.resultsKnown() ? m.withRead(decode(r.values().get(i))) : Mop.read(m.key()));
            }
            return new Txn(id, process, Txn.Outcome.OK, done, invoke, System.nanoTime());
        }
        catch (final RuntimeException ex)
        {
            final Throwable cause = ex instanceof CompletionException && ex.getCause() != null ? ex.getCause() : ex;
            if (!(cause instanceof StardustException))
            {
                throw ex;
            }
            // A one-shot never conflicts: only a rejection says it was not applied; anything else leaves it unknown.
            final Txn.Outcome outcome = cause instanceof RejectedException ? Txn.Outcome.FAIL : Txn.Outcome.INFO;
            return new Txn(id, process, outcome, unknownReads(mops), invoke,
                outcome == Txn.Outcome.INFO ? Long.MAX_VALUE : System.nanoTime());
        }
    }

    private static List<Mop> unknownReads(final List<Mop> mops)
    {
        return mops.stream().map((m) -> m.append() ? m : Mop.read(m.key())).toList();
    }

    /**
     * After the workers stopped and the cluster healed: one read-write transaction that reads every key used, so
     * the checker sees every version order in full and any acknowledged append that went missing. Retried on
     * conflicts (each attempt is part of the history).
     */
    void finalRead(final StardustClient client)
    {
        final List<Long> keys;
        synchronized (this)
        {
            keys = new ArrayList<>(usedKeys);
        }
        for (int attempt = 0; attempt < 20; attempt++)
        {
            final List<Mop> mops = new ArrayList<>();
            keys.forEach((k) -> mops.add(Mop.read(k)));
            mops.add(Mop.append(-1 - txnIds.get(), values.incrementAndGet()));
            final Txn txn = run(client, txnIds.incrementAndGet(), -1 - attempt, mops);
            history.add(txn);
            if (txn.outcome() == Txn.Outcome.OK)
            {
                return;
            }
        }
        throw new IllegalStateException("the final read of " + keys.size() + " keys never committed");
    }

    List<Txn> history()
    {
        synchronized (history)
        {
            return new ArrayList<>(history);
        }
    }

    static byte[] key(final long key)
    {
        return ("k" + key).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] encode(final long[] list)
    {
        final StringBuilder sb = new StringBuilder();
        for (final long v : list)
        {
            sb.append(sb.length() == 0 ? "" : " ").append(v);
        }
        // An empty list is written as a single space (an empty value would read as a row with no bytes).
        return (sb.length() == 0 ? " " : sb.toString()).getBytes(StandardCharsets.UTF_8);
    }

    static long[] decode(final byte[] value)
    {
        if (value == null)
        {
            return new long[0];
        }
        final String text = new String(value, StandardCharsets.UTF_8).trim();
        if (text.isEmpty())
        {
            return new long[0];
        }
        final String[] parts = text.split(" ");
        final long[] list = new long[parts.length];
        for (int i = 0; i < parts.length; i++)
        {
            list[i] = Long.parseLong(parts[i]);
        }
        return list;
    }
}
