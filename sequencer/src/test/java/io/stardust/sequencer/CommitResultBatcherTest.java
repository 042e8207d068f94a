package io.stardust.sequencer;

import io.stardust.protocol.codecs.AbortReason;
import io.stardust.protocol.codecs.CommitOutcome;
import io.stardust.protocol.codecs.CommitResultsDecoder;
import io.stardust.protocol.codecs.MessageHeaderDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommitResultBatcherTest
{
    private record Sent(long sessionId, byte[] message)
    {
    }

    private record Entry(long sessionId, long correlationId, long txnId, CommitOutcome outcome, AbortReason reason,
        long epoch, int index, String table, byte[] key)
    {
    }

    private final List<Sent> sent = new ArrayList<>();
    private final CommitResultBatcher batcher = new CommitResultBatcher((sessionId, buffer, length) ->
    {
        final byte[] copy = new byte[length];
        buffer.getBytes(0, copy);
        sent.add(new Sent(sessionId, copy));
    });

    @Test
    void shouldSendOneMessagePerSessionWithEveryResultInOrder()
    {
        batcher.add(7, 1, 101, CommitOutcome.COMMITTED, AbortReason.NONE, 5, 0, null, null);
        batcher.add(8, 2, 102, CommitOutcome.ABORTED, AbortReason.STALE_READ, 5, 1, "kv", new byte[] {1, 2, 3});
        batcher.add(7, 3, 103, CommitOutcome.ABORTED, AbortReason.READ_AFTER_WRITE_IN_EPOCH, 5, 2, "t2", new byte[] {9});
        batcher.add(7, 4, 104, CommitOutcome.COMMITTED, AbortReason.NONE, 4, 7, null, null);
        assertTrue(sent.isEmpty(), "nothing leaves before the flush");
        batcher.flush();

        assertEquals(2, sent.size());
        assertEquals(7, sent.get(0).sessionId());
        final List<Entry> first = decode(sent.get(0));
        assertEquals(3, first.size());
        assertEntry(first.get(0), 1, 101, CommitOutcome.COMMITTED, AbortReason.NONE, 5, 0, "", new byte[0]);
        assertEntry(first.get(1), 3, 103, CommitOutcome.ABORTED, AbortReason.READ_AFTER_WRITE_IN_EPOCH, 5, 2, "t2",
            new byte[] {9});
        assertEntry(first.get(2), 4, 104, CommitOutcome.COMMITTED, AbortReason.NONE, 4, 7, "", new byte[0]);
        assertEquals(8, sent.get(1).sessionId());
        final List<Entry> second = decode(sent.get(1));
        assertEquals(1, second.size());
        assertEntry(second.get(0), 2, 102, CommitOutcome.ABORTED, AbortReason.STALE_READ, 5, 1, "kv",
            new byte[] {1, 2, 3});

        sent.clear();
        batcher.flush();
        assertTrue(sent.isEmpty(), "a flush with nothing added sends nothing");
    }

    @Test
    void shouldSplitAtTheEntryAndByteBounds()
    {
        final int total = CommitResultBatcher.MAX_RESULTS * 2 + 10;
        for (int i = 0; i < total; i++)
        {
            batcher.add(1, i, 1000 + i, CommitOutcome.COMMITTED, AbortReason.NONE, 9, i, null, null);
        }
        batcher.flush();
        assertEquals(3, sent.size());
        assertEquals(CommitResultBatcher.MAX_RESULTS, decode(sent.get(0)).size());
        assertEquals(CommitResultBatcher.MAX_RESULTS, decode(sent.get(1)).size());
        assertEquals(10, decode(sent.get(2)).size());
        long expected = 0;
        for (final Sent s : sent)
        {
            for (final Entry e : decode(s))
            {
                assertEquals(expected, e.correlationId());
                assertEquals(1000 + expected, e.txnId());
                expected++;
            }
        }
        assertEquals(total, expected);

        sent.clear();
        final byte[] bigKey = new byte[4000];
        for (int i = 0; i < 10; i++)
        {
            batcher.add(2, i, i, CommitOutcome.ABORTED, AbortReason.STALE_READ, 9, i, "kv", bigKey);
        }
        batcher.flush();
        int entries = 0;
        for (final Sent s : sent)
        {
            assertTrue(s.message().length < CommitResultBatcher.MAX_MESSAGE_BYTES + bigKey.length + 100,
                "message of " + s.message().length + " bytes");
            entries += decode(s).size();
        }
        assertEquals(10, entries);
        assertTrue(sent.size() >= 2, "10 entries of 4 KB need at least 2 messages of about 32 KB, got " + sent.size());
    }

    private static void assertEntry(
        final Entry e,
        final long correlationId,
        final long txnId,
        final CommitOutcome outcome,
        final AbortReason reason,
        final long epoch,
        final int index,
        final String table,
        final byte[] key)
    {
        assertEquals(correlationId, e.correlationId());
        assertEquals(txnId, e.txnId());
        assertEquals(outcome, e.outcome());
        assertEquals(reason, e.reason());
        assertEquals(epoch, e.epoch());
        assertEquals(index, e.index());
        assertEquals(table, e.table());
        assertArrayEquals(key, e.key());
    }

    private static List<Entry> decode(final Sent s)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(s.message());
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        assertEquals(CommitResultsDecoder.TEMPLATE_ID, header.templateId());
        final CommitResultsDecoder decoder = new CommitResultsDecoder().wrapAndApplyHeader(buffer, 0, header);
        final List<Entry> entries = new ArrayList<>();
        for (final CommitResultsDecoder.ResultsDecoder r : decoder.results())
        {
            final long correlationId = r.correlationId();
            final long txnId = r.txnId();
            final CommitOutcome outcome = r.outcome();
            final AbortReason reason = r.reason();
            final long epoch = r.epoch();
            final int index = r.index();
            final String table = r.conflictTable();
            final byte[] key = new byte[r.conflictKeyLength()];
            r.getConflictKey(key, 0, key.length);
            entries.add(new Entry(s.sessionId(), correlationId, txnId, outcome, reason, epoch, index, table, key));
        }
        assertEquals(s.message().length, decoder.encodedLength() + MessageHeaderDecoder.ENCODED_LENGTH,
            "the message ends where its last entry ends");
        return entries;
    }
}
