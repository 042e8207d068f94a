package io.stardust.sequencer;

import io.aeron.Publication;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.stardust.protocol.codecs.AbortReason;
import io.stardust.protocol.codecs.CommitOutcome;
import io.stardust.protocol.codecs.CommitResultEncoder;
import io.stardust.protocol.codecs.ControlAckEncoder;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.protocol.codecs.ErrorResponseEncoder;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.OneShotResultEncoder;
import io.stardust.scheduler.OneShotEffect;
import io.stardust.scheduler.Outcome;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything the service sends to clients: commit results (one at once, or gathered per session and epoch by a
 * {@link CommitResultBatcher}), control acks and errors. Only the leader's offers leave the member (Aeron mocks a
 * follower's), so callers skip encoding on followers where it costs. Holds no replicated state.
 */
final class Replies
{
    private static final int MAX_OFFER_ATTEMPTS = 1_000;

    /** Where a commit's outcome goes: at once, or into the epoch's batch. */
    @FunctionalInterface
    interface ResultSink
    {
        void result(long sessionId, long correlationId, long txnId, CommitOutcome outcome, AbortReason reason,
            long epoch, int index, String conflictTable, byte[] conflictKey);
    }

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final CommitResultEncoder commitResultEncoder = new CommitResultEncoder();
    private final OneShotResultEncoder oneShotEncoder = new OneShotResultEncoder();
    private final ControlAckEncoder controlAckEncoder = new ControlAckEncoder();
    private final ErrorResponseEncoder errorEncoder = new ErrorResponseEncoder();
    private final ExpandableDirectByteBuffer sendBuffer = new ExpandableDirectByteBuffer(4096);
    private final CommitResultBatcher batcher = new CommitResultBatcher(this::sendToSession);
    private final org.agrona.collections.Long2ObjectHashMap<OneShotBatch> oneShotBatches =
        new org.agrona.collections.Long2ObjectHashMap<>();
    private final List<OneShotBatch> spareOneShotBatches = new ArrayList<>();
    private Cluster cluster;

    /** A commit decided at once (a resend of a decided transaction, a schema-changed abort). */
    final ResultSink immediate = this::commitResult;
    /** A commit decided when its epoch closed: gathered until {@link #flush()}. */
    final ResultSink batched = batcher::add;

    void cluster(final Cluster cluster)
    {
        this.cluster = cluster;
    }

    /** Send the results gathered for this epoch. */
    void flush()
    {
        batcher.flush();
        if (!oneShotBatches.isEmpty())
        {
            for (final OneShotBatch batch : oneShotBatches.values())
            {
                if (batch.count > 0)
                {
                    sendToSession(batch.sessionId, batch.buffer, batch.finish());
                }
                spareOneShotBatches.add(batch);
            }
            oneShotBatches.clear();
        }
    }

    /** One session's one-shot results of an epoch, each a whole {@code OneShotResult}, in one envelope. */
    private static final class OneShotBatch
    {
        private static final int NUM_IN_GROUP_OFFSET = MessageHeaderEncoder.ENCODED_LENGTH +
            io.stardust.protocol.codecs.OneShotResultsEncoder.BLOCK_LENGTH +
            io.stardust.protocol.codecs.GroupSizeEncodingEncoder.numInGroupEncodingOffset();

        private final org.agrona.ExpandableArrayBuffer buffer = new org.agrona.ExpandableArrayBuffer(4096);
        private final io.stardust.protocol.codecs.OneShotResultsEncoder encoder =
            new io.stardust.protocol.codecs.OneShotResultsEncoder();
        private io.stardust.protocol.codecs.OneShotResultsEncoder.ResultsEncoder results;
        private long sessionId;
        private int count;

        void start(final long sessionId)
        {
            this.sessionId = sessionId;
            count = 0;
            encoder.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder());
            // The count is fixed at the real number of entries when the message is finished.
            results = encoder.resultsCount(CommitResultBatcher.MAX_RESULTS);
        }

        int finish()
        {
            buffer.putShort(NUM_IN_GROUP_OFFSET, (short)count, java.nio.ByteOrder.LITTLE_ENDIAN);
            return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        }
    }

    /** Add an encoded OneShotResult to its session's envelope; send the envelope once it is full. */
    private void batchOneShot(final long sessionId, final int length)
    {
        OneShotBatch batch = oneShotBatches.get(sessionId);
        if (batch == null)
        {
            batch = spareOneShotBatches.isEmpty() ? new OneShotBatch() :
                spareOneShotBatches.remove(spareOneShotBatches.size() - 1);
            batch.start(sessionId);
            oneShotBatches.put(sessionId, batch);
        }
        batch.results.next().putReply(sendBuffer, 0, length);
        batch.count++;
        if (batch.count == CommitResultBatcher.MAX_RESULTS ||
            batch.encoder.encodedLength() >= CommitResultBatcher.MAX_MESSAGE_BYTES)
        {
            sendToSession(sessionId, batch.buffer, batch.finish());
            batch.start(sessionId);
        }
    }

    /**
     * @param conflictTableName the name of a table id, for an abort's conflict.
     */
    void outcome(
        final ResultSink sink,
        final long sessionId,
        final long correlationId,
        final long txnId,
        final long epoch,
        final int index,
        final Outcome outcome,
        final java.util.function.IntFunction<String> conflictTableName)
    {
        if (outcome.committed())
        {
            sink.result(sessionId, correlationId, txnId, CommitOutcome.COMMITTED, AbortReason.NONE, epoch, index,
                null, null);
        }
        else
        {
            sink.result(sessionId, correlationId, txnId, CommitOutcome.ABORTED,
                AbortReason.valueOf(outcome.reason().name()), epoch, index,
                conflictTableName.apply(outcome.conflictTable()), outcome.conflictKey());
        }
    }

    /**
     * The outcome of a one-shot transaction with what each op saw or left, sent at once (one-shot results are not
     * batched: each carries values).
     *
     * @param effect       what it did; its results are null when aborted, or when too large to have been kept.
     * @param resultsKnown false when answering a resend whose results were not kept.
     */
    void oneShotResult(
        final long sessionId,
        final long correlationId,
        final long txnId,
        final long epoch,
        final int index,
        final Outcome outcome,
        final OneShotEffect effect,
        final boolean resultsKnown,
        final java.util.function.IntFunction<String> conflictTableName,
        final boolean batch)
    {
        final ClientSession session = cluster.getClientSession(sessionId);
        if (session == null)
        {
            return;
        }
        oneShotEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .txnId(txnId)
            .outcome(outcome.committed() ? CommitOutcome.COMMITTED : CommitOutcome.ABORTED)
            .reason(AbortReason.valueOf(outcome.reason().name()))
            .epoch(epoch)
            .index(index)
            .failedOp(effect.failedOp())
            .resultsKnown(resultsKnown ? io.stardust.protocol.codecs.BooleanType.TRUE :
                io.stardust.protocol.codecs.BooleanType.FALSE);
        final byte[][] results = outcome.committed() && resultsKnown ? effect.results() : null;
        final OneShotResultEncoder.ResultsEncoder r = oneShotEncoder.resultsCount(results == null ? 0 : results.length);
        if (results != null)
        {
            for (final byte[] value : results)
            {
                r.next().present(value == null ? io.stardust.protocol.codecs.BooleanType.FALSE :
                    io.stardust.protocol.codecs.BooleanType.TRUE);
                r.putValue(value == null ? EMPTY : value, 0, value == null ? 0 : value.length);
            }
        }
        oneShotEncoder.conflictTable(outcome.committed() || outcome.conflictTable() < 0 ? "" :
            conflictTableName.apply(outcome.conflictTable()));
        final byte[] key = outcome.committed() || outcome.conflictKey() == null ? EMPTY : outcome.conflictKey();
        oneShotEncoder.putConflictKey(key, 0, key.length);
        oneShotEncoder.message(outcome.committed() ? "" : effect.message());
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + oneShotEncoder.encodedLength();
        if (batch)
        {
            batchOneShot(sessionId, length);
        }
        else
        {
            offer(session, sendBuffer, length);
        }
    }

    private static final byte[] EMPTY = new byte[0];

    void commitResult(
        final long sessionId,
        final long correlationId,
        final long txnId,
        final CommitOutcome outcome,
        final AbortReason reason,
        final long epoch,
        final int index,
        final String conflictTable,
        final byte[] conflictKey)
    {
        final ClientSession session = cluster.getClientSession(sessionId);
        if (session == null)
        {
            return;
        }
        commitResultEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .txnId(txnId)
            .outcome(outcome)
            .reason(reason)
            .epoch(epoch)
            .index(index)
            .conflictTable(conflictTable == null ? "" : conflictTable);
        if (conflictKey == null)
        {
            commitResultEncoder.putConflictKey(sendBuffer, 0, 0);
        }
        else
        {
            commitResultEncoder.putConflictKey(conflictKey, 0, conflictKey.length);
        }
        offer(session, sendBuffer, MessageHeaderEncoder.ENCODED_LENGTH + commitResultEncoder.encodedLength());
    }

    void controlAck(final ClientSession session, final long correlationId, final ControlRequests.Ack ack)
    {
        if (session == null)
        {
            return;
        }
        controlAckEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .effectiveEpoch(ack.effectiveEpoch())
            .catalogVersion(ack.catalogVersion())
            .batchWindowMicros(ack.batchWindowMicros())
            .detail(ack.detail());
        offer(session, sendBuffer, MessageHeaderEncoder.ENCODED_LENGTH + controlAckEncoder.encodedLength());
    }

    void error(final ClientSession session, final long correlationId, final ErrorCode code, final String message)
    {
        error(session, correlationId, code, 0, message);
    }

    void error(final ClientSession session, final long correlationId, final ErrorCode code,
        final long retryAfterMicros, final String message)
    {
        if (session == null)
        {
            return;
        }
        errorEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .code(code)
            .retryAfterMicros(retryAfterMicros)
            .message(message);
        offer(session, sendBuffer, MessageHeaderEncoder.ENCODED_LENGTH + errorEncoder.encodedLength());
    }

    private void sendToSession(final long sessionId, final DirectBuffer buffer, final int length)
    {
        final ClientSession session = cluster.getClientSession(sessionId);
        if (session != null)
        {
            offer(session, buffer, length);
        }
    }

    private void offer(final ClientSession session, final DirectBuffer buffer, final int length)
    {
        for (int attempt = 0; attempt < MAX_OFFER_ATTEMPTS; attempt++)
        {
            final long result = session.offer(buffer, 0, length);
            if (result > 0 || session.isClosing())
            {
                return;
            }
            if (result == Publication.NOT_CONNECTED || result == Publication.CLOSED ||
                result == Publication.MAX_POSITION_EXCEEDED)
            {
                return;
            }
            cluster.idleStrategy().idle();
        }
        // The client stopped reading; it will time out and may retry. The decision stands in the log.
    }
}
