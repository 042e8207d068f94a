package io.stardust.sequencer;

import io.stardust.protocol.codecs.AbortReason;
import io.stardust.protocol.codecs.CommitOutcome;
import io.stardust.protocol.codecs.CommitResultsEncoder;
import io.stardust.protocol.codecs.GroupSizeEncodingEncoder;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Gathers the commit results of one epoch by client session, so that the leader sends each session one
 * {@code CommitResults} message (or a few, when they would grow past {@link #MAX_RESULTS} entries or about
 * {@link #MAX_MESSAGE_BYTES} bytes) instead of one message per transaction. Entries keep log order within a session.
 * <p>
 * Only the leader's egress uses it; it holds no replicated state. Single-threaded: the service thread.
 */
final class CommitResultBatcher
{
    /** Entries per message at most. */
    static final int MAX_RESULTS = 512;
    /** A message is sent once it holds this many bytes; one more entry may pass it by one conflict key. */
    static final int MAX_MESSAGE_BYTES = 32 * 1024;

    private static final int NUM_IN_GROUP_OFFSET = MessageHeaderEncoder.ENCODED_LENGTH +
        CommitResultsEncoder.BLOCK_LENGTH + GroupSizeEncodingEncoder.numInGroupEncodingOffset();

    /** Where a finished message goes. */
    interface Sender
    {
        /**
         * @param sessionId client session.
         * @param buffer    the message, header included, from offset 0.
         * @param length    its length.
         */
        void send(long sessionId, DirectBuffer buffer, int length);
    }

    private static final class Batch
    {
        private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(4096);
        private final MessageHeaderEncoder header = new MessageHeaderEncoder();
        private final CommitResultsEncoder encoder = new CommitResultsEncoder();
        private CommitResultsEncoder.ResultsEncoder results;
        private long sessionId;
        private int count;

        void start(final long sessionId)
        {
            this.sessionId = sessionId;
            count = 0;
            encoder.wrapAndApplyHeader(buffer, 0, header);
            // The count is fixed at the real number of entries when the message is finished.
            results = encoder.resultsCount(MAX_RESULTS);
        }

        int finish()
        {
            buffer.putShort(NUM_IN_GROUP_OFFSET, (short)count, ByteOrder.LITTLE_ENDIAN);
            return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        }
    }

    private final Long2ObjectHashMap<Batch> bySession = new Long2ObjectHashMap<>();
    private final List<Batch> open = new ArrayList<>();
    private final List<Batch> spare = new ArrayList<>();
    private final Sender sender;

    /**
     * @param sender where finished messages go.
     */
    CommitResultBatcher(final Sender sender)
    {
        this.sender = sender;
    }

    /**
     * Add one result; may send the session's message when it is full.
     *
     * @param sessionId     client session.
     * @param correlationId from the request.
     * @param txnId         from the request.
     * @param outcome       committed or aborted.
     * @param reason        abort reason, NONE when committed.
     * @param epoch         epoch of the decision.
     * @param index         index within the epoch.
     * @param conflictTable table of the conflicting key, or null.
     * @param conflictKey   the conflicting key, or null.
     */
    void add(
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
        Batch batch = bySession.get(sessionId);
        if (batch == null)
        {
            batch = spare.isEmpty() ? new Batch() : spare.remove(spare.size() - 1);
            batch.start(sessionId);
            bySession.put(sessionId, batch);
            open.add(batch);
        }
        final CommitResultsEncoder.ResultsEncoder entry = batch.results.next()
            .correlationId(correlationId)
            .txnId(txnId)
            .outcome(outcome)
            .reason(reason)
            .epoch(epoch)
            .index(index);
        entry.conflictTable(conflictTable == null ? "" : conflictTable);
        if (conflictKey == null)
        {
            entry.putConflictKey(batch.buffer, 0, 0);
        }
        else
        {
            entry.putConflictKey(conflictKey, 0, conflictKey.length);
        }
        batch.count++;
        if (batch.count == MAX_RESULTS || batch.encoder.encodedLength() >= MAX_MESSAGE_BYTES)
        {
            sender.send(sessionId, batch.buffer, batch.finish());
            batch.start(sessionId);
        }
    }

    /** Send every session's pending results. */
    void flush()
    {
        for (int i = 0, n = open.size(); i < n; i++)
        {
            final Batch batch = open.get(i);
            if (batch.count > 0)
            {
                sender.send(batch.sessionId, batch.buffer, batch.finish());
            }
            spare.add(batch);
        }
        open.clear();
        bySession.clear();
    }
}
