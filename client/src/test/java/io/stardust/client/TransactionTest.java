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
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void shouldIncludeOwnInsertsInKeyOrderAndOnlyWithinTheRange()
    {
        final FakeBackend backend = new FakeBackend(SNAPSHOT).row(b("a"), b("1")).row(b("c"), b("3"))
            .row(b("e"), b("5")).row(b("x"), b("outside"));
        final Transaction tx = new Transaction(backend, 0);
        tx.put(TABLE, b("b"), b("2")).put(TABLE, b("d"), b("4")).put(TABLE, b("c"), b("3'"))
            .put(TABLE, b("f"), b("at the end bound")).put(TABLE, b("0"), b("before the start"))
            .put("other", b("b"), b("other table"));

        final List<KeyValue> rows = tx.scan(TABLE, b("a"), b("f"), 10);

        assertEquals(List.of("a=1", "b=2", "c=3'", "d=4", "e=5"), text(rows));
        assertEquals(0, rows.get(1).versionEpoch(), "an own insert has no version yet");
        assertEquals(1, rows.get(2).versionEpoch(), "an own overwrite keeps the snapshot's version");
    }

    @Test
    void shouldReturnOwnInsertPastTheLastSnapshotRowOfAnUnboundedRange()
    {
        final FakeBackend backend = new FakeBackend(SNAPSHOT).row(b("a"), b("1"));
        final Transaction tx = new Transaction(backend, 0);
        tx.put(TABLE, b("z"), b("26"));

        assertEquals(List.of("a=1", "z=26"), text(tx.scan(TABLE, b(""), null, 10)));
    }

    @Test
    void shouldOrderOwnInsertsAsTheServerOrdersKeysUnsigned()
    {
        final byte[] low = {0x01};
        final byte[] high = {(byte)0x80};
        final FakeBackend backend = new FakeBackend(SNAPSHOT).row(new byte[] {0x10}, b("s"));
        final Transaction tx = new Transaction(backend, 0);
        tx.put(TABLE, high, b("h")).put(TABLE, low, b("l"));

        final List<KeyValue> rows = tx.scan(TABLE, null, null, 10);

        assertEquals(3, rows.size());
        assertArrayEquals(low, rows.get(0).key());
        assertArrayEquals(new byte[] {0x10}, rows.get(1).key());
        assertArrayEquals(high, rows.get(2).key());
    }

    @Test
    void shouldReturnLimitLiveRowsWhenOwnDeletesAreInRange()
    {
        final FakeBackend backend = tenRows();
        final Transaction tx = new Transaction(backend, 0);
        tx.delete(TABLE, b("k1")).delete(TABLE, b("k2")).delete(TABLE, b("k4"));

        final List<KeyValue> rows = tx.scan(TABLE, b("k"), b("l"), 5);

        assertEquals(List.of("k0=v0", "k3=v3", "k5=v5", "k6=v6", "k7=v7"), text(rows));
    }

    @Test
    void shouldReturnLimitRowsWhenTheServerCutsRepliesShort()
    {
        final FakeBackend backend = tenRows().maxRowsPerReply(2);
        final Transaction tx = new Transaction(backend, 0);
        tx.delete(TABLE, b("k0"));

        assertEquals(List.of("k1=v1", "k2=v2", "k3=v3", "k4=v4", "k5=v5"), text(tx.scan(TABLE, b(""), null, 5)));
        assertTrue(backend.scans().size() > 1, "paged");
        assertEquals(-1, backend.scans().get(0).snapshotEpoch(), "the first page pins the snapshot");
        for (int i = 1; i < backend.scans().size(); i++)
        {
            assertEquals(SNAPSHOT, backend.scans().get(i).snapshotEpoch(), "later pages at the pinned snapshot");
        }
    }

    @Test
    void shouldReturnFewerThanLimitOnlyWhenNoLiveRowRemains()
    {
        final FakeBackend backend = tenRows();
        final Transaction tx = new Transaction(backend, 0);
        for (int i = 0; i < 10; i += 2)
        {
            tx.delete(TABLE, b("k" + i));
        }
        tx.put(TABLE, b("k95"), b("new"));

        final List<KeyValue> rows = tx.scan(TABLE, b("k"), null, 7);

        assertEquals(List.of("k1=v1", "k3=v3", "k5=v5", "k7=v7", "k9=v9", "k95=new"), text(rows));
    }

    @Test
    void shouldValidateTheWholeRangeWhenTheScanReadItAll()
    {
        final FakeBackend backend = tenRows();
        final Transaction tx = new Transaction(backend, 0);
        tx.delete(TABLE, b("k1"));
        tx.put(TABLE, b("k55"), b("new"));

        assertEquals(10, tx.scan(TABLE, b("k"), b("l"), 11).size());
        tx.commitSync();

        final Sent sent = decode(backend.commits().get(0));
        assertEquals(SNAPSHOT, sent.snapshotEpoch());
        assertEquals(1, sent.ranges().size());
        assertArrayEquals(new String[] {TABLE, "k", "l"}, sent.ranges().get(0));
    }

    @Test
    void shouldValidateThroughTheLastRowReturnedWhenTheScanStopsAtTheLimit()
    {
        final FakeBackend backend = tenRows();
        final Transaction tx = new Transaction(backend, 0);
        tx.delete(TABLE, b("k1")).delete(TABLE, b("k2"));
        tx.put(TABLE, b("k35"), b("new"));

        final List<KeyValue> rows = tx.scan(TABLE, b("k"), null, 5);
        tx.commitSync();

        assertEquals(List.of("k0=v0", "k3=v3", "k35=new", "k4=v4", "k5=v5"), text(rows));
        final Sent sent = decode(backend.commits().get(0));
        assertEquals(1, sent.ranges().size());
        // [k, successor of k5): every key the result depends on, and nothing past it.
        assertArrayEquals(new String[] {TABLE, "k", "k5\0"}, sent.ranges().get(0));
    }

    @Test
    void shouldPageBeyondTheServersCapPerRequest()
    {
        final FakeBackend backend = new FakeBackend(SNAPSHOT);
        for (int i = 0; i < 12_000; i++)
        {
            backend.row(b(String.format("k%05d", i)), b("v"));
        }
        final Transaction tx = new Transaction(backend, 0);

        final List<KeyValue> rows = tx.scan(TABLE, null, null, 11_000);

        assertEquals(11_000, rows.size());
        assertEquals("k10999", new String(rows.get(10_999).key(), UTF_8));
        assertEquals(FakeBackend.SERVER_MAX_ROWS, backend.scans().get(0).limit());
    }

    @Test
    void shouldMergeOwnWritesIntoTheRightPages()
    {
        final FakeBackend backend = tenRows().maxRowsPerReply(2);
        final Transaction tx = new Transaction(backend, 0);
        tx.put(TABLE, b("k05"), b("a")).put(TABLE, b("k95"), b("b")).delete(TABLE, b("k3"))
            .put(TABLE, b("k4"), b("c"));

        assertEquals(List.of("k0=v0", "k05=a", "k1=v1", "k2=v2", "k4=c", "k5=v5", "k6=v6", "k7=v7", "k8=v8",
            "k9=v9", "k95=b"), text(tx.scan(TABLE, b("k"), b("l"), 100)));
        assertEquals(List.of("k0=v0", "k05=a", "k1=v1", "k2=v2", "k4=c"), text(tx.scan(TABLE, b("k"), b("l"), 5)));
        tx.commitSync();

        final Sent sent = decode(backend.commits().get(0));
        assertArrayEquals(new String[] {TABLE, "k", "l"}, sent.ranges().get(0));
        assertArrayEquals(new String[] {TABLE, "k", "k4\0"}, sent.ranges().get(1));
    }

    @Test
    void shouldSayWhetherMoreLiveRowsFollowAndValidateWhatThatDependsOn()
    {
        // Exactly limit rows in the range: none follow; that depends on the whole range.
        assertPage(tenRows(), (tx) -> { }, 10, 10, false, "l");
        // A snapshot row follows: validated through it.
        assertPage(tenRows(), (tx) -> { }, 9, 9, true, "k9\0");
        // The only row past the limit is deleted by the transaction: none follow.
        assertPage(tenRows(), (tx) -> tx.delete(TABLE, b("k9")), 9, 9, false, "l");
        // The only row past the limit is the transaction's own insert: one follows.
        assertPage(tenRows(), (tx) -> tx.put(TABLE, b("k95"), b("new")), 10, 10, true, "k95\0");
    }

    @Test
    void shouldRejectANonPositiveLimit()
    {
        final Transaction tx = new Transaction(tenRows(), 0);
        assertThrows(IllegalArgumentException.class, () -> tx.scan(TABLE, null, null, 0));
        assertThrows(IllegalArgumentException.class, () -> tx.scanPage(TABLE, null, null, -1));
    }

    @Test
    void shouldNeitherAskNorValidateARangeEmptyByItsBounds()
    {
        final FakeBackend backend = tenRows();
        final Transaction tx = new Transaction(backend, 0);
        tx.put(TABLE, b("k5"), b("x"));

        assertEquals(List.of(), tx.scan(TABLE, b("k5"), b("k5"), 10));
        assertEquals(List.of(), tx.scan(TABLE, b("k6"), b("k5"), 10));
        tx.commitSync();

        assertEquals(0, backend.scans().size());
        assertEquals(0, decode(backend.commits().get(0)).ranges().size());
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

    /**
     * Scan {@code [k, l)} of {@code backend} with {@code limit} in a transaction prepared by {@code writes}, check
     * the page, commit, and check the range validated: {@code [k, validatedEnd)}.
     */
    private static void assertPage(
        final FakeBackend backend,
        final java.util.function.Consumer<Transaction> writes,
        final int limit,
        final int rows,
        final boolean more,
        final String validatedEnd)
    {
        final Transaction tx = new Transaction(backend, 0);
        writes.accept(tx);
        tx.put("other", b("x"), b("a write, so that the commit is sent"));

        final ScanPage page = tx.scanPage(TABLE, b("k"), b("l"), limit);
        tx.commitSync();

        assertEquals(rows, page.rows().size(), "rows");
        assertEquals(more, page.more(), "more");
        final Sent sent = decode(backend.commits().get(0));
        assertEquals(1, sent.ranges().size());
        assertArrayEquals(new String[] {TABLE, "k", validatedEnd}, sent.ranges().get(0));
    }

    private static FakeBackend tenRows()
    {
        final FakeBackend backend = new FakeBackend(SNAPSHOT);
        for (int i = 0; i < 10; i++)
        {
            backend.row(b("k" + i), b("v" + i));
        }
        return backend;
    }

    private static byte[] b(final String text)
    {
        return text.getBytes(UTF_8);
    }

    private static List<String> text(final List<KeyValue> rows)
    {
        final List<String> out = new ArrayList<>();
        for (final KeyValue row : rows)
        {
            out.add(new String(row.key(), UTF_8) + "=" + new String(row.value(), UTF_8));
        }
        return out;
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
