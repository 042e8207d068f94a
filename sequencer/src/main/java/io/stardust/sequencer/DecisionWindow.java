package io.stardust.sequencer;

import org.agrona.collections.Long2ObjectHashMap;

import java.util.function.BiConsumer;

/**
 * Recent transaction ids with their decisions, so that a retried commit is answered with the original outcome.
 * <p>
 * Two generations of at most {@code window} ids each: decisions go into the current one; when it is full it becomes
 * the previous one and the old previous one is cleared for reuse. So at least the last {@code window} decisions and
 * at most the last {@code 2 * window} are remembered. Which ids are remembered is a function of the order of
 * {@link #put} calls alone (the log order), so it is the same on every replica. Evicting whole generations avoids the
 * per-id remove of an open-addressing map, which cost a tenth of the service thread at 80k commits/s.
 *
 * @param <V> the decision.
 */
final class DecisionWindow<V>
{
    private final int window;
    private Long2ObjectHashMap<V> current = new Long2ObjectHashMap<>();
    private Long2ObjectHashMap<V> previous = new Long2ObjectHashMap<>();

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
     * @param txnId    transaction id, not remembered yet.
     * @param decision its decision.
     */
    void put(final long txnId, final V decision)
    {
        if (current.size() >= window)
        {
            final Long2ObjectHashMap<V> reuse = previous;
            reuse.clear();
            previous = current;
            current = reuse;
        }
        current.put(txnId, decision);
    }

    /**
     * @param txnId transaction id.
     * @return its decision, or null when it is not (or no longer) remembered.
     */
    V get(final long txnId)
    {
        final V v = current.get(txnId);
        return v != null ? v : previous.get(txnId);
    }

    /** @return ids remembered now. */
    int size()
    {
        return current.size() + previous.size();
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
     * @param visitor receives id and decision.
     */
    void forEach(final BiConsumer<Long, V> visitor)
    {
        previous.forEach(visitor);
        current.forEach(visitor);
    }
}
