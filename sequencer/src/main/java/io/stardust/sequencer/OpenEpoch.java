package io.stardust.sequencer;

import io.stardust.scheduler.TxnRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * The epoch being filled, and the one owner of every reason to close it: its batch window ends by log time (the first
 * message at or past the deadline closes it before that message is sequenced, so under load an epoch ends without
 * waiting for its timer's round trip through the log), its timer fires (when no later message came), it reaches its
 * size bound, or a control record arrives (control records always sit between epochs). All of these come from the
 * log, so every replica cuts the same epochs.
 */
final class OpenEpoch
{
    /** Where a reply to a transaction of the epoch goes. */
    record PendingReply(long sessionId, long correlationId, long txnId)
    {
    }

    /** Schedules the cluster timer that closes an epoch whose window ends with no later message. */
    @FunctionalInterface
    interface Timers
    {
        /**
         * @param epoch    the epoch (the timer's correlation id).
         * @param deadline cluster time at which it fires.
         */
        void schedule(long epoch, long deadline);
    }

    final List<TxnRecord> txns = new ArrayList<>();
    final List<PendingReply> replies = new ArrayList<>();
    /** Resends of transactions that are in this epoch, answered when it closes. */
    final List<PendingReply> retries = new ArrayList<>();
    int bytes;
    /** Cluster time at which the window ends; Long.MAX_VALUE while empty. */
    long deadline = Long.MAX_VALUE;
    /** Cluster time of its first transaction; for telemetry only. */
    long openedAt;

    boolean isEmpty()
    {
        return txns.isEmpty();
    }

    /** @return true when a message stamped {@code timestamp} must close the epoch before it is sequenced. */
    boolean endsBefore(final long timestamp)
    {
        return timestamp >= deadline;
    }

    /** @return true when the timer of {@code epoch} closes this epoch (a timer of an epoch closed early is stale). */
    boolean endsOnTimer(final long timerEpoch, final long openEpoch)
    {
        return timerEpoch == openEpoch && !txns.isEmpty();
    }

    /**
     * Add a transaction; the first one starts the window.
     *
     * @return true when the epoch reached its size bound and must close now.
     */
    boolean add(
        final TxnRecord txn,
        final PendingReply reply,
        final int length,
        final long epoch,
        final long now,
        final long windowInClusterUnits,
        final ReplicatedSettings settings,
        final Timers timers)
    {
        txns.add(txn);
        replies.add(reply);
        bytes += length;
        if (txns.size() == 1)
        {
            openedAt = now;
            deadline = now + Math.max(1, windowInClusterUnits);
            timers.schedule(epoch, deadline);
        }
        return txns.size() >= settings.epochMaxTransactions() || bytes >= settings.epochMaxBytes();
    }

    /** @return the index of a transaction in this epoch, or -1 (a scan: only resends ask). */
    int indexOf(final long txnId)
    {
        for (int i = 0, n = txns.size(); i < n; i++)
        {
            if (txns.get(i).txnId() == txnId)
            {
                return i;
            }
        }
        return -1;
    }

    void clear()
    {
        txns.clear();
        replies.clear();
        retries.clear();
        bytes = 0;
        deadline = Long.MAX_VALUE;
    }
}
