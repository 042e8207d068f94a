package io.stardust.scheduler;

import io.stardust.storage.KeyBytes;
import io.stardust.storage.Storage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Runs an epoch's one-shots under Calvin's ordered locks ({@link OneShotExecution#ORDERED_LOCKS}): each key's
 * one-shots form a chain in index order, and a one-shot becomes ready when its predecessor on every key it names has
 * run. Whatever the worker count and the order ready ones are taken in, a one-shot reads each key as its predecessor
 * on that key left it, with the committed validated writes between them merged in: the same state
 * {@link OneShots}' groups give it.
 */
final class OrderedLocks
{
    private static final byte[] ABSENT = null;
    private static final int DONE = -1;

    private OrderedLocks()
    {
    }

    /** One key's chain: its value as the last one-shot that named it left it, and the validated writes to it. */
    private static final class Chain
    {
        final List<Integer> validatedAt = new ArrayList<>();
        final List<byte[]> validatedValue = new ArrayList<>();
        byte[] value;
        int lastIndex = -1;
        int lastOneShot = -1;

        /** @return the key's value just before index {@code i}. */
        byte[] before(final int i)
        {
            // The last validated write between the last one-shot that named the key and i wins.
            for (int v = validatedAt.size() - 1; v >= 0; v--)
            {
                final int at = validatedAt.get(v);
                if (at < i)
                {
                    return at > lastIndex ? validatedValue.get(v) : value;
                }
            }
            return value;
        }
    }

    static OneShotEffect[] run(final Storage storage, final Procedures procedures, final RowOps rowOps,
        final TxnRecord[] records, final Outcome[] outcomes, final int workers, final Consumer<IntConsumer> parallel)
    {
        final int n = records.length;
        final Map<KeyBytes, Chain> chains = new HashMap<>();
        final KeyBytes[][] keysOf = new KeyBytes[n][];
        final List<List<Integer>> successors = new ArrayList<>(n);
        final AtomicInteger[] waiting = new AtomicInteger[n];
        int total = 0;
        for (int i = 0; i < n; i++)
        {
            successors.add(null);
            if (!records[i].isOneShot())
            {
                continue;
            }
            total++;
            final Set<KeyBytes> keys = new LinkedHashSet<>();
            for (final TxnRecord.Op op : records[i].ops())
            {
                keys.add(new KeyBytes(op.tableId(), op.key()));
            }
            keysOf[i] = keys.toArray(new KeyBytes[0]);
            final Set<Integer> predecessors = new LinkedHashSet<>();
            for (final KeyBytes key : keysOf[i])
            {
                final Chain chain = chains.computeIfAbsent(key, (k) -> new Chain());
                if (chain.lastOneShot >= 0)
                {
                    predecessors.add(chain.lastOneShot);
                }
                chain.lastOneShot = i;
            }
            waiting[i] = new AtomicInteger(predecessors.size());
            for (final int p : predecessors)
            {
                if (successors.get(p) == null)
                {
                    successors.set(p, new ArrayList<>());
                }
                successors.get(p).add(i);
            }
        }
        for (final Map.Entry<KeyBytes, Chain> e : chains.entrySet())
        {
            e.getValue().value = OneShots.atStart(storage, e.getKey());
        }
        for (int j = 0; j < n; j++)
        {
            if (records[j].isOneShot() || !outcomes[j].committed())
            {
                continue;
            }
            for (final TxnRecord.Write w : records[j].writes())
            {
                final Chain chain = chains.get(new KeyBytes(w.tableId(), w.key()));
                if (chain != null)
                {
                    final int last = chain.validatedAt.size() - 1;
                    if (last >= 0 && chain.validatedAt.get(last) == j)
                    {
                        chain.validatedValue.set(last, w.delete() ? ABSENT : w.value());
                    }
                    else
                    {
                        chain.validatedAt.add(j);
                        chain.validatedValue.add(w.delete() ? ABSENT : w.value());
                    }
                }
            }
        }

        final OneShotEffect[] effects = new OneShotEffect[n];
        if (total == 0)
        {
            return effects;
        }
        final LinkedBlockingQueue<Integer> ready = new LinkedBlockingQueue<>();
        for (int i = 0; i < n; i++)
        {
            if (waiting[i] != null && waiting[i].get() == 0)
            {
                ready.add(i);
            }
        }
        final AtomicInteger remaining = new AtomicInteger(total);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        parallel.accept((w) ->
        {
            while (true)
            {
                final int i;
                try
                {
                    i = ready.take();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while running one-shots", ex);
                }
                if (i == DONE)
                {
                    ready.add(DONE);
                    break;
                }
                try
                {
                    runOne(i, procedures, rowOps, records, outcomes, effects, chains, keysOf[i]);
                }
                catch (final RuntimeException | Error ex)
                {
                    failure.compareAndSet(null, ex);
                    ready.add(DONE);
                    throw ex;
                }
                if (successors.get(i) != null)
                {
                    for (final int s : successors.get(i))
                    {
                        if (waiting[s].decrementAndGet() == 0)
                        {
                            ready.add(s);
                        }
                    }
                }
                if (remaining.decrementAndGet() == 0)
                {
                    ready.add(DONE);
                }
            }
        });
        final Throwable failed = failure.get();
        if (failed instanceof Error e)
        {
            throw e;
        }
        if (failed != null)
        {
            throw (RuntimeException)failed;
        }
        return effects;
    }

    private static void runOne(final int i, final Procedures procedures, final RowOps rowOps,
        final TxnRecord[] records, final Outcome[] outcomes, final OneShotEffect[] effects,
        final Map<KeyBytes, Chain> chains, final KeyBytes[] keys)
    {
        final OneShotEffect effect = OneShots.runOneShot(procedures, rowOps, records[i],
            (key) -> chains.get(key).before(i));
        effects[i] = effect;
        final Map<KeyBytes, byte[]> written = new HashMap<>();
        if (effect.committed())
        {
            outcomes[i] = Outcome.COMMITTED;
            for (final TxnRecord.Write w : effect.writes())
            {
                written.put(new KeyBytes(w.tableId(), w.key()), w.delete() ? ABSENT : w.value());
            }
        }
        else
        {
            outcomes[i] = OneShots.aborted(records[i], effect);
        }
        for (final KeyBytes key : keys)
        {
            final Chain chain = chains.get(key);
            chain.value = written.containsKey(key) ? written.get(key) : chain.before(i);
            chain.lastIndex = i;
        }
    }
}
