package io.stardust.sequencer;

import io.stardust.protocol.Versions;
import io.stardust.scheduler.Outcome;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * Recent transaction ids with their decisions, so that a retried commit is answered with the original outcome.
 * <p>
 * Two generations of at most {@code window} ids each: decisions go into the current one; when it is full it becomes
 * the previous one and the old previous one is cleared for reuse. So at least the last {@code window} decisions and
 * at most the last {@code 2 * window} are remembered. Which ids are remembered is a function of the order of
 * {@link #put} calls alone (the log order), so it is the same on every replica. Evicting whole generations avoids the
 * per-id remove of an open-addressing map, which cost a tenth of the service thread at 80k commits/s.
 * <p>
 * A decision is held as a primitive: the packed {@code (epoch, index)}, with the sign bit set for an abort, whose
 * reason and key sit in a small side map. Half a million remembered decisions are then two long arrays rather than
 * half a million objects for the garbage collector to trace and copy.
 */
final class DecisionWindow
{
    private static final long MISSING = -1;
    private static final long ABORTED = Long.MIN_VALUE;

    /** A remembered decision. */
    record Decision(long epoch, int index, Outcome outcome)
    {
    }

    /** Receives remembered decisions. */
    interface Visitor
    {
        void visit(long txnId, long epoch, int index, Outcome outcome);
    }

    private static final class Generation
    {
        final Long2LongHashMap decisions = new Long2LongHashMap(MISSING);
        final Long2ObjectHashMap<Outcome> aborts = new Long2ObjectHashMap<>();

        void clear()
        {
            decisions.clear();
            aborts.clear();
        }

        Decision get(final long txnId)
        {
            final long packed = decisions.get(txnId);
            if (packed == MISSING)
            {
                return null;
            }
            final long version = packed & ~ABORTED;
            return new Decision(Versions.epoch(version), Versions.index(version),
                packed < 0 ? aborts.get(txnId) : Outcome.COMMITTED);
        }

        void forEach(final Visitor visitor)
        {
            final Long2LongHashMap.EntryIterator it = decisions.entrySet().iterator();
            while (it.hasNext())
            {
                it.next();
                final long txnId = it.getLongKey();
                final long packed = it.getLongValue();
                final long version = packed & ~ABORTED;
                visitor.visit(txnId, Versions.epoch(version), Versions.index(version),
                    packed < 0 ? aborts.get(txnId) : Outcome.COMMITTED);
            }
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
     */
    void put(final long txnId, final long epoch, final int index, final Outcome outcome)
    {
        if (current.decisions.size() >= window)
        {
            final Generation reuse = previous;
            reuse.clear();
            previous = current;
            current = reuse;
        }
        final long version = Versions.pack(epoch, index);
        if (outcome.committed())
        {
            current.decisions.put(txnId, version);
        }
        else
        {
            current.decisions.put(txnId, version | ABORTED);
            current.aborts.put(txnId, outcome);
        }
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
        return current.decisions.size() + previous.decisions.size();
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
}
