package io.stardust.sequencer;

import io.stardust.scheduler.EpochResult;
import io.stardust.scheduler.TxnRecord;

import java.util.List;

/**
 * Observes what the service decides, on the service thread, in log order: for recording a log, metrics and tests.
 * Implementations must be quick and must not change state that decides outcomes.
 */
public interface EpochListener
{
    /**
     * An epoch closed and was applied.
     *
     * @param epoch  epoch number.
     * @param txns   its transactions in index order.
     * @param result outcomes and digest.
     */
    void onEpoch(long epoch, List<TxnRecord> txns, EpochResult result);

    /**
     * A table or index was created, between epochs.
     *
     * @param tableId id.
     * @param name    name.
     */
    default void onTableCreated(final int tableId, final String name)
    {
    }

    /**
     * A table or index was dropped, between epochs: its storage relation is gone.
     *
     * @param tableId id.
     */
    default void onRelationDropped(final int tableId)
    {
    }

    /**
     * The batch window changed; the new one applies from {@code effectiveEpoch}.
     *
     * @param effectiveEpoch first epoch under the new window.
     * @param micros         the window.
     */
    default void onBatchWindow(final long effectiveEpoch, final long micros)
    {
    }
}
