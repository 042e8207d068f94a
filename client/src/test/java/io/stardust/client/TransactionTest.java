package io.stardust.client;

import io.stardust.protocol.codecs.CommitRequestDecoder;
import io.stardust.protocol.codecs.MessageHeaderDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A transaction's reads and commit record, against {@link FakeBackend} (no cluster).
 */
class TransactionTest
{
    private static final String TABLE = "t";
    private static final long SNAPSHOT = 7;

    /** What a commit record says about reads. */
    record Sent(long snapshotEpoch, int reads, List<String[]> ranges)
    {
    }

    @Test
    void shouldPinTheSnapshotBeforeTheFirstReadIsObservable()
    {
        final FakeBackend backend = new FakeBackend(SNAPSHOT).holdReads();
        final Transaction tx = new Transaction(backend, 0);
        final AtomicLong sessionEpochSeen = new AtomicLong(-1);
        final List<CompletableFuture<CommitInfo>> committed = new ArrayList<>();

        // A caller that acts the moment the read's result is visible: puts and commits at once. The callback runs
        // on the thread that completes the read, inside that completion: no race, no sleep.
        tx.getAsync(TABLE, b("counter")).thenAccept((value) ->
        {
            sessionEpochSeen.set(backend.sessionEpoch());
            tx.put(TABLE, b("counter"), b("1"));
            committed.add(tx.commit());
        });
        backend.completeHeldRead();

        assertEquals(1, committed.size());
        final Sent sent = decode(backend.commits().get(0));
        assertEquals(SNAPSHOT, sent.snapshotEpoch(), "commit carries the snapshot its read was served at");
        assertEquals(1, sent.reads());
        assertEquals(SNAPSHOT, sessionEpochSeen.get(), "session epoch advanced before the result was visible");
    }

    private static byte[] b(final String text)
    {
        return text.getBytes(UTF_8);
    }

    private static Sent decode(final byte[] frame)
    {
        final CommitRequestDecoder d = new CommitRequestDecoder()
            .wrapAndApplyHeader(new UnsafeBuffer(frame), 0, new MessageHeaderDecoder());
        final long snapshotEpoch = d.snapshotEpoch();
        int reads = 0;
        for (final CommitRequestDecoder.ReadsDecoder read : d.reads())
        {
            read.table();
            read.skipKey();
            reads++;
        }
        final List<String[]> ranges = new ArrayList<>();
        for (final CommitRequestDecoder.RangesDecoder range : d.ranges())
        {
            final String table = range.table();
            final byte[] start = new byte[range.startKeyLength()];
            range.getStartKey(start, 0, start.length);
            final byte[] end = new byte[range.endKeyLength()];
            range.getEndKey(end, 0, end.length);
            ranges.add(new String[] {table, new String(start, UTF_8), new String(end, UTF_8)});
        }
        return new Sent(snapshotEpoch, reads, ranges);
    }
}
