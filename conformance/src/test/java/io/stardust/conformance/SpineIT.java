package io.stardust.conformance;

import io.stardust.client.CommitInfo;
import io.stardust.client.ConflictException;
import io.stardust.client.ControlResult;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.protocol.codecs.AbortReason;
import io.stardust.sequencer.EpochListener;
import io.stardust.server.StardustMember;
import io.stardust.test.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transaction spine on a real 3-member cluster: visibility, conflicts, and control records.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SpineIT
{
    private static TestCluster cluster;
    private static StardustClient client;
    private static final Map<Integer, List<long[]>> batchWindowChanges = new ConcurrentHashMap<>();

    static byte[] b(final String s)
    {
        return s.getBytes(UTF_8);
    }

    @BeforeAll
    static void start()
    {
        cluster = TestCluster.builder().members(3).start();
        for (final StardustMember m : cluster.members())
        {
            final List<long[]> changes = new ArrayList<>();
            batchWindowChanges.put(m.memberId(), changes);
            m.service().addListener(new EpochListener()
            {
                public void onEpoch(final long epoch, final List<io.stardust.scheduler.TxnRecord> txns,
                    final io.stardust.scheduler.EpochResult result)
                {
                }

                public void onBatchWindow(final long effectiveEpoch, final long micros)
                {
                    synchronized (changes)
                    {
                        changes.add(new long[] {effectiveEpoch, micros});
                    }
                }
            });
        }
        cluster.awaitLeader();
        client = cluster.newClient();
        client.createTable("kv").join();
    }

    @AfterAll
    static void stop()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void shouldMakeCommitVisibleOnAllReplicas()
    {
        final Transaction tx = client.begin();
        tx.put("kv", b("visible"), b("everywhere"));
        final CommitInfo info = tx.commitSync();
        cluster.awaitApplied(info.epoch());
        for (int member = 0; member < 3; member++)
        {
            final int id = member;
            final StardustClient reader = cluster.newClient((c) -> c.preferredMember(id));
            final Transaction read = reader.begin();
            assertArrayEquals(b("everywhere"), read.get("kv", b("visible")), "member " + id);
            // And straight from the member's storage: the row carries the commit's version.
            final StardustMember m = cluster.member(id);
            final int tableId = m.service().catalog().relation("kv").id();
            assertEquals(io.stardust.protocol.Versions.pack(info.epoch(), info.index()),
                m.storage().latestVersion(tableId, b("visible")));
        }
    }

    @Test
    void shouldAnswerAResendWithTheOriginalDecisionAndApplyItOnce() throws Exception
    {
        final long txnId = 0x5EED_0000_0001L;
        final io.stardust.client.RawReply first = client.sendRawIngress(blindPut(9001, txnId, false), 9001)
            .get(30, TimeUnit.SECONDS);
        assertEquals("COMMITTED NONE", first.message());
        final long[] duplicatesBefore = new long[3];
        long committedBefore = 0;
        for (final StardustMember m : cluster.members())
        {
            duplicatesBefore[m.memberId()] = m.service().duplicatesAnswered();
        }
        final StardustMember leader = cluster.awaitLeader();
        cluster.awaitApplied(leader.storage().appliedEpoch());
        committedBefore = leader.service().committedCount();
        final int tableId = leader.service().catalog().relation("kv").id();
        final long version = leader.storage().latestVersion(tableId, b("resent"));

        // The same transaction sent again, marked as a resend: answered from the decision, not run again.
        final io.stardust.client.RawReply again = client.sendRawIngress(blindPut(9002, txnId, true), 9002)
            .get(30, TimeUnit.SECONDS);
        assertEquals("COMMITTED NONE", again.message());
        final Transaction tx = client.begin();
        tx.put("kv", b("after-resend"), b("x"));
        cluster.awaitApplied(tx.commitSync().epoch());
        for (final StardustMember m : cluster.members())
        {
            assertEquals(duplicatesBefore[m.memberId()] + 1, m.service().duplicatesAnswered(),
                "member " + m.memberId());
            assertEquals(version, m.storage().latestVersion(tableId, b("resent")), "member " + m.memberId());
            assertEquals(committedBefore + 1, m.service().committedCount(), "only the later transaction committed");
        }
    }

    /** A CommitRequest frame putting "resent" into kv, as a client encodes it. */
    private static byte[] blindPut(final long correlationId, final long txnId, final boolean resend)
    {
        final org.agrona.ExpandableArrayBuffer buffer = new org.agrona.ExpandableArrayBuffer();
        final io.stardust.protocol.codecs.CommitRequestEncoder e = new io.stardust.protocol.codecs.CommitRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new io.stardust.protocol.codecs.MessageHeaderEncoder())
            .correlationId(correlationId).txnId(txnId).catalogVersion(0).snapshotEpoch(0)
            .resend(resend ? io.stardust.protocol.codecs.BooleanType.TRUE : io.stardust.protocol.codecs.BooleanType.FALSE);
        e.readsCount(0);
        e.rangesCount(0);
        e.writesCount(1).next().op(io.stardust.protocol.codecs.WriteOp.PUT).table("kv")
            .putKey(b("resent"), 0, 6).putValue(b("once"), 0, 4);
        return java.util.Arrays.copyOf(buffer.byteArray(),
            io.stardust.protocol.codecs.MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    @Test
    void shouldAbortStaleReadAcrossEpochsAndNameTheKey()
    {
        client.run((tx) ->
        {
            tx.put("kv", b("acct-1"), b("100"));
            return null;
        });
        final Transaction slow = client.begin();
        assertArrayEquals(b("100"), slow.get("kv", b("acct-1")));

        final Transaction fast = client.begin();
        fast.get("kv", b("acct-1"));
        fast.put("kv", b("acct-1"), b("150"));
        final CommitInfo fastInfo = fast.commitSync();

        slow.put("kv", b("acct-1"), b("90"));
        final ConflictException conflict = assertThrows(ConflictException.class, slow::commitSync);
        assertEquals(AbortReason.STALE_READ, conflict.reason());
        assertEquals("kv", conflict.table());
        assertArrayEquals(b("acct-1"), conflict.key());
        assertTrue(conflict.getMessage().contains("acct-1"), conflict.getMessage());
        assertTrue(conflict.epoch() > fastInfo.epoch(), "the later transaction was sequenced in a later epoch");

        final Transaction check = client.begin();
        assertArrayEquals(b("150"), check.get("kv", b("acct-1")), "the aborted write must not be applied");
    }

    @Test
    void shouldAbortReadAfterWriteInsideOneEpochAndNameTheKey() throws Exception
    {
        // A long window makes both transactions land in the same epoch; one client keeps their log order.
        client.setBatchWindow(300_000).get(30, TimeUnit.SECONDS);
        try
        {
            final Transaction writer = client.begin();
            writer.put("kv", b("raw-x"), b("1"));
            final Transaction reader = client.begin();
            assertNull(reader.get("kv", b("raw-x")));
            reader.put("kv", b("raw-y"), b("saw nothing"));

            final CompletableFuture<CommitInfo> first = writer.commit();
            final CompletableFuture<CommitInfo> second = reader.commit();
            final CommitInfo writerInfo = first.get(30, TimeUnit.SECONDS);
            final ExecutionException ex = assertThrows(ExecutionException.class, () -> second.get(30, TimeUnit.SECONDS));
            final ConflictException conflict = assertInstanceOf(ConflictException.class, ex.getCause());
            assertEquals(AbortReason.READ_AFTER_WRITE_IN_EPOCH, conflict.reason());
            assertArrayEquals(b("raw-x"), conflict.key());
            assertEquals(writerInfo.epoch(), conflict.epoch(), "both were sequenced into one epoch");

            cluster.awaitApplied(writerInfo.epoch());
            final Transaction check = client.begin();
            assertNull(check.get("kv", b("raw-y")));
        }
        finally
        {
            client.setBatchWindow(2_000).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldApplyBatchWindowChangeAtTheSameEpochOnEveryReplica() throws Exception
    {
        final Transaction before = client.begin();
        before.put("kv", b("bw-before"), b("1"));
        before.commitSync();

        final ControlResult ack = client.setBatchWindow(7_000).get(30, TimeUnit.SECONDS);
        assertEquals(7_000, ack.batchWindowMicros());

        final Transaction after = client.begin();
        after.put("kv", b("bw-after"), b("1"));
        final CommitInfo afterInfo = after.commitSync();
        assertTrue(afterInfo.epoch() >= ack.effectiveEpoch());
        cluster.awaitApplied(afterInfo.epoch());

        for (final StardustMember m : cluster.members())
        {
            final List<long[]> changes = batchWindowChanges.get(m.memberId());
            synchronized (changes)
            {
                final long[] last = changes.get(changes.size() - 1);
                assertEquals(ack.effectiveEpoch(), last[0], "effective epoch on member " + m.memberId());
                assertEquals(7_000, last[1]);
            }
            assertEquals(7_000, m.service().batchWindowMicros());
        }
        client.setBatchWindow(2_000).get(30, TimeUnit.SECONDS);
    }

    @Test
    void shouldAbortScanningTransactionWhenAKeyIsInsertedIntoItsRange()
    {
        client.run((tx) ->
        {
            tx.put("kv", b("scan-a"), b("1"));
            tx.put("kv", b("scan-c"), b("1"));
            return null;
        });
        final Transaction scanner = client.begin();
        final java.util.List<io.stardust.client.KeyValue> rows = scanner.scan("kv", b("scan-"), b("scan-~"), 100);
        assertEquals(2, rows.size());
        scanner.put("kv", b("scan-count"), b(Integer.toString(rows.size())));

        final Transaction inserter = client.begin();
        inserter.put("kv", b("scan-b"), b("1"));
        inserter.commitSync();

        final ConflictException conflict = assertThrows(ConflictException.class, scanner::commitSync);
        assertEquals(AbortReason.PHANTOM, conflict.reason());
        assertArrayEquals(b("scan-b"), conflict.key());
    }

    @Test
    void shouldServeReadOnlyTransactionsAtOneSnapshot()
    {
        client.run((tx) ->
        {
            tx.put("kv", b("ro-a"), b("1"));
            tx.put("kv", b("ro-b"), b("1"));
            return null;
        });
        final Transaction ro = client.begin();
        final byte[] a = ro.get("kv", b("ro-a"));
        client.run((tx) ->
        {
            tx.put("kv", b("ro-a"), b("2"));
            tx.put("kv", b("ro-b"), b("2"));
            return null;
        });
        // The second read is served at the first read's snapshot, so it cannot see half of the later update.
        final byte[] second = ro.get("kv", b("ro-b"));
        assertArrayEquals(a, second);
        assertTrue(ro.commitSync().readOnly());
    }

    @Test
    void shouldReadOwnCommittedWritesFromAnyReplica()
    {
        for (int member = 0; member < 3; member++)
        {
            final int id = member;
            final StardustClient c = cluster.newClient((config) -> config.preferredMember(id));
            for (int i = 0; i < 5; i++)
            {
                final String value = "m" + id + "-" + i;
                c.run((tx) ->
                {
                    tx.put("kv", b("ryw"), b(value));
                    return null;
                });
                // Without waiting: the read demands the epoch of the client's last commit.
                assertArrayEquals(b(value), c.begin().get("kv", b("ryw")), "member " + id);
            }
        }
    }
}
