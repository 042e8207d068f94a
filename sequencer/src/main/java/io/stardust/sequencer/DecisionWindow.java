package io.stardust.sequencer;

import io.stardust.protocol.Versions;
import io.stardust.scheduler.OneShotEffect;
import io.stardust.scheduler.Outcome;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.Arrays;

/**
 * Recent transaction ids with their decisions, so that a retried commit is answered with the original outcome.
 * <p>
 * Two generations of at most {@code window} ids each: decisions go into the current one; when it is full it becomes
 * the previous one and the old previous one is cleared for reuse. So at least the last {@code window} decisions and
 * at most the last {@code 2 * window} are remembered. Which ids are remembered is a function of the order of
 * {@link #put} calls alone (the log order), so it is the same on every replica.
 * <p>
 * Every commit is put, but only a resent one is looked up, so the layout favours puts: a generation spreads ids over
 * {@value #BUCKETS} append-only buckets by their low bits. A put appends to a bucket whose tail is in cache (a hash
 * table of half a million random ids missed the cache on every put and took a tenth of the service thread); a lookup
 * scans one bucket, about {@code window / 256} ids. A decision is a primitive: the packed {@code (epoch, index)},
 * with the sign bit set for an abort, whose reason and key sit in a small side map.
 */
final class DecisionWindow
{
    static final int BUCKETS = 256;
    private static final long ABORTED = Long.MIN_VALUE;

    /** The most result bytes of one one-shot transaction kept with its decision; past it, only the outcome. */
    static final int MAX_KEPT_RESULT_BYTES = 4096;

    /**
     * A remembered decision.
     *
     * @param effect a one-shot transaction's effect (results and failed op), null for a validated transaction; its
     *               results are null when they were too large to keep ({@link #MAX_KEPT_RESULT_BYTES}).
     */
    record Decision(long epoch, int index, Outcome outcome, OneShotEffect effect)
    {
    }

    /** Receives remembered decisions. */
    interface Visitor
    {
        void visit(long txnId, long epoch, int index, Outcome outcome, OneShotEffect effect);
    }

    private static final class Generation
    {
        /** Per bucket: ids and decisions interleaved, id at even positions. */
        final long[][] entries = new long[BUCKETS][];
        final int[] counts = new int[BUCKETS];
        final Long2ObjectHashMap<Outcome> aborts = new Long2ObjectHashMap<>();
        final Long2ObjectHashMap<OneShotEffect> effects = new Long2ObjectHashMap<>();
        int size;

        Generation()
        {
            Arrays.setAll(entries, (i) -> new long[32]);
        }

        void clear()
        {
            Arrays.fill(counts, 0);
            aborts.clear();
            effects.clear();
            size = 0;
        }

        void put(final long txnId, final long packed)
        {
            final int b = bucket(txnId);
            long[] e = entries[b];
            final int n = counts[b];
            if (2 * n + 2 > e.length)
            {
                e = Arrays.copyOf(e, e.length * 2);
                entries[b] = e;
            }
            e[2 * n] = txnId;
            e[2 * n + 1] = packed;
            counts[b] = n + 1;
            size++;
        }

        Decision get(final long txnId)
        {
            final int b = bucket(txnId);
            final long[] e = entries[b];
            for (int i = 2 * counts[b] - 2; i >= 0; i -= 2)
            {
                if (e[i] == txnId)
                {
                    return decision(txnId, e[i + 1]);
                }
            }
            return null;
        }

        Decision decision(final long txnId, final long packed)
        {
            final long version = packed & ~ABORTED;
            return new Decision(Versions.epoch(version), Versions.index(version),
                packed < 0 ? aborts.get(txnId) : Outcome.COMMITTED, effects.get(txnId));
        }

        void forEach(final Visitor visitor)
        {
            for (int b = 0; b < BUCKETS; b++)
            {
                final long[] e = entries[b];
                for (int i = 0, n = 2 * counts[b]; i < n; i += 2)
                {
                    final Decision d = decision(e[i], e[i + 1]);
                    visitor.visit(e[i], d.epoch(), d.index(), d.outcome(), d.effect());
                }
            }
        }

        private static int bucket(final long txnId)
        {
            // Client ids are random; mixing still spreads ids that are not.
            return (int)((txnId * 0x9E37_79B9_7F4A_7C15L) >>> 56);
        }
    }

    private final int window;
    private Generation current = new Generation();
    private Generation previous = new Generation();

    /**
     * @param window ids per generation, positive.
     */
    DecisionWindow(final int window)
    {
        if (window < 1)
        {
            throw new IllegalArgumentException("decision window must be positive, was " + window);
        }
        this.window = window;
    }

    /**
     * @param txnId   transaction id, not remembered yet.
     * @param epoch   epoch it was decided in.
     * @param index   its index in the epoch.
     * @param outcome its outcome.
     * @param effect  a one-shot transaction's effect, or null.
     */
    void put(final long txnId, final long epoch, final int index, final Outcome outcome, final OneShotEffect effect)
    {
        if (current.size >= window)
        {
            final Generation reuse = previous;
            reuse.clear();
            previous = current;
            current = reuse;
        }
        final long version = Versions.pack(epoch, index);
        if (outcome.committed())
        {
            current.put(txnId, version);
        }
        else
        {
            current.put(txnId, version | ABORTED);
            current.aborts.put(txnId, outcome);
        }
        if (effect != null)
        {
            current.effects.put(txnId, kept(effect));
        }
    }

    /** @return the effect as remembered: without its writes, and without its results when they are large. */
    static OneShotEffect kept(final OneShotEffect effect)
    {
        long bytes = 0;
        if (effect.results() != null)
        {
            for (final byte[] r : effect.results())
            {
                bytes += r == null ? 0 : r.length;
            }
        }
        return OneShotEffect.withoutWrites(effect.failedOp(), bytes > MAX_KEPT_RESULT_BYTES ? null : effect.results());
    }

    /**
     * @param txnId transaction id.
     * @return its decision, or null when it is not (or no longer) remembered.
     */
    Decision get(final long txnId)
    {
        final Decision d = current.get(txnId);
        return d != null ? d : previous.get(txnId);
    }

    /** @return ids remembered now. */
    int size()
    {
        return current.size + previous.size;
    }

    void clear()
    {
        current.clear();
        previous.clear();
    }

    /**
     * Visit the previous generation, then the current one. For snapshots: a previous generation is always full
     * ({@code window} ids), so replaying the visits into {@link #put} of an empty window of the same size rebuilds
     * the same two generations.
     *
     * @param visitor receives each decision.
     */
    void forEach(final Visitor visitor)
    {
        previous.forEach(visitor);
        current.forEach(visitor);
    }

    /**
     * @param newWindow ids per generation of the new window.
     * @return a window of that size holding the decisions this one holds, put in {@link #forEach} order (a function
     * of the log alone, so the same on every replica); a smaller window keeps the last ones put.
     */
    DecisionWindow resized(final int newWindow)
    {
        final DecisionWindow next = new DecisionWindow(newWindow);
        forEach(next::put);
        return next;
    }
}
