package io.stardust.sequencer;

import io.stardust.protocol.codecs.BooleanType;
import io.stardust.protocol.codecs.CommitOutcome;
import io.stardust.protocol.codecs.CommitRequestEncoder;
import io.stardust.protocol.codecs.MessageHeaderDecoder;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.OneShotResultDecoder;
import io.stardust.protocol.codecs.OpKind;
import io.stardust.protocol.codecs.WriteOp;
import io.stardust.storage.Storage;
import io.stardust.storage.StorageConfig;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One-shot records through a real {@link StardustService}: each is checked in full before it joins an epoch, runs at
 * its log position, and is answered with what each op left; a resend gets the first answer, not a second run.
 */
class OneShotRecordTest extends ServiceHarness
{
    private record Op(int kind, String table, byte[] key, byte[] value, long delta, long min, long max)
    {
        static Op add(final String key, final long delta)
        {
            return new Op(OpKind.ADD.value(), "kv", key.getBytes(UTF_8), new byte[0], delta, Long.MIN_VALUE,
                Long.MAX_VALUE);
        }
    }

    /** A decoded answer: committed, the failed op, the values (as counters where 8 bytes), whether known. */
    private record Answer(boolean committed, int failedOp, List<byte[]> values, boolean known)
    {
        long counter(final int op)
        {
            return ByteBuffer.wrap(values.get(op)).getLong();
        }
    }

    private long txnIds = 50_000;

    byte[] oneShotFrame(final long txnId, final boolean resend, final boolean withWrite, final Op... ops)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(1 << 12);
        final CommitRequestEncoder e = new CommitRequestEncoder().wrapAndApplyHeader(buffer, 0,
            new MessageHeaderEncoder())
            .correlationId(++correlation).txnId(txnId).catalogVersion(0).snapshotEpoch(0)
            .resend(resend ? BooleanType.TRUE : BooleanType.FALSE);
        e.readsCount(0);
        e.rangesCount(0);
        final CommitRequestEncoder.WritesEncoder w = e.writesCount(withWrite ? 1 : 0);
        if (withWrite)
        {
            w.next().op(WriteOp.PUT).table("kv").putKey(new byte[] {1}, 0, 1).putValue(new byte[] {1}, 0, 1);
        }
        final CommitRequestEncoder.OpsEncoder o = e.opsCount(ops.length);
        for (final Op op : ops)
        {
            final int entry = e.limit();
            o.next();
            buffer.putByte(entry, (byte)op.kind()); // raw, so that an unknown kind can be sent
            o.delta(op.delta()).min(op.min()).max(op.max()).table(op.table()).putKey(op.key(), 0, op.key().length)
                .putValue(op.value(), 0, op.value().length);
        }
        return java.util.Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    private Answer run(final long txnId, final Op... ops)
    {
        client.received.clear();
        send(oneShotFrame(txnId, false, false, ops));
        service.onTimerEvent(service.storage().appliedEpoch() + 1, cluster.time);
        return answer(client.received);
    }

    private static Answer answer(final List<byte[]> replies)
    {
        for (final byte[] reply : unbatched(replies))
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(reply);
            final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
            if (header.templateId() == OneShotResultDecoder.TEMPLATE_ID)
            {
                final OneShotResultDecoder d = new OneShotResultDecoder().wrapAndApplyHeader(buffer, 0, header);
                final boolean committed = d.outcome() == CommitOutcome.COMMITTED;
                final int failedOp = d.failedOp();
                final boolean known = d.resultsKnown() == BooleanType.TRUE;
                final List<byte[]> values = new ArrayList<>();
                for (final OneShotResultDecoder.ResultsDecoder r : d.results())
                {
                    final boolean present = r.present() == BooleanType.TRUE;
                    final byte[] v = new byte[r.valueLength()];
                    r.getValue(v, 0, v.length);
                    values.add(present ? v : null);
                }
                return new Answer(committed, failedOp, values, known);
            }
        }
        throw new AssertionError("no one-shot answer among " + replies.size() + " replies");
    }

    @Test
    void shouldRunIncrementsAtTheirLogPositionsAndAnswerWithTheNewValues()
    {
        assertEquals(1, run(++txnIds, Op.add("n", 1)).counter(0));
        assertEquals(3, run(++txnIds, Op.add("n", 2)).counter(0));
        final Answer transfer = run(++txnIds, new Op(OpKind.ADD.value(), "kv", "n".getBytes(UTF_8), new byte[0], -5, 0,
            Long.MAX_VALUE), Op.add("m", 5));
        assertFalse(transfer.committed(), "3 - 5 is below the bound 0");
        assertEquals(0, transfer.failedOp());
        assertEquals(3, ByteBuffer.wrap(storage.latest(0, "n".getBytes(UTF_8)).value()).getLong());
        assertFalse(storage.latest(0, "m".getBytes(UTF_8)).isLive(), "nothing of the aborted one applied");
    }

    @Test
    void shouldAnswerAResentOneShotWithItsFirstResultsAndNotRunItTwice()
    {
        final long id = ++txnIds;
        assertEquals(1, run(id, Op.add("once", 1)).counter(0));
        client.received.clear();
        final Answer again = answer(send(oneShotFrame(id, true, false, Op.add("once", 1))));
        assertTrue(again.committed() && again.known());
        assertEquals(1, again.counter(0), "the first run's value");
        service.onTimerEvent(service.storage().appliedEpoch() + 1, cluster.time);
        assertEquals(1, ByteBuffer.wrap(storage.latest(0, "once".getBytes(UTF_8)).value()).getLong());
    }

    @Test
    void shouldRefuseMalformedOrMixedOneShotsWholeAndKeepServing()
    {
        final byte[] k = "x".getBytes(UTF_8);
        final String unknownKind = error(send(oneShotFrame(++txnIds, false, false,
            new Op(99, "kv", k, new byte[0], 0, 0, 0))));
        assertTrue(unknownKind.startsWith("MALFORMED_MESSAGE") && unknownKind.contains("unknown kind (99)"),
            unknownKind);
        final String valueOnAdd = error(send(oneShotFrame(++txnIds, false, false,
            new Op(OpKind.ADD.value(), "kv", k, new byte[] {1}, 1, Long.MIN_VALUE, Long.MAX_VALUE))));
        assertTrue(valueOnAdd.contains("only PUT, APPEND, CHECK_EQUALS and UPDATE_ROW take one"), valueOnAdd);
        final String bounds = error(send(oneShotFrame(++txnIds, false, false,
            new Op(OpKind.ADD.value(), "kv", k, new byte[0], 1, 5, 4))));
        assertTrue(bounds.contains("least result 5 above its greatest 4"), bounds);
        final String mixed = error(send(oneShotFrame(++txnIds, false, true, Op.add("x", 1))));
        assertTrue(mixed.contains("has ops only"), mixed);
        final String table = error(send(oneShotFrame(++txnIds, false, false,
            new Op(OpKind.GET.value(), "nope", k, new byte[0], 0, 0, 0))));
        assertTrue(table.startsWith("UNKNOWN_TABLE"), table);
        final String empty = error(send(oneShotFrame(++txnIds, false, false,
            new Op(OpKind.GET.value(), "kv", new byte[0], new byte[0], 0, 0, 0))));
        assertTrue(empty.contains("empty key at op 0"), empty);
        final String big = error(send(oneShotFrame(++txnIds, false, false, new Op(OpKind.PUT.value(), "kv", k,
            new byte[service.settings().maxValueBytes() + 1], 0, 0, 0))));
        assertTrue(big.startsWith("TXN_TOO_LARGE") && big.contains("op 0 value"), big);
        assertUnchangedAndServing();
        assertEquals(1, run(++txnIds, Op.add("x", 1)).counter(0), "the next one-shot runs");
    }

    @Test
    void shouldKeepOpenOneShotsAndTheirDecisionsInTheSnapshot() throws Exception
    {
        final long decided = ++txnIds;
        assertEquals(7, run(decided, Op.add("s", 7)).counter(0));
        client.received.clear();
        final long open = ++txnIds;
        send(oneShotFrame(open, false, false, Op.add("s", 1)));
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes))
        {
            ServiceSnapshot.write(out, service);
        }
        final Storage other = new Storage(new StorageConfig().directory(new File(dir, "other")));
        try
        {
            final FakeCluster otherCluster = new FakeCluster();
            final StardustService restored = new StardustService(1, "dc1", new SequencerConfig(), other, 1);
            restored.onStart(otherCluster, null);
            try (java.io.DataInputStream in = new java.io.DataInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray())))
            {
                ServiceSnapshot.read(in, restored);
            }
            // The open epoch's one-shot runs when the restored replica closes it, with its ops intact.
            restored.onTimerEvent(restored.storage().appliedEpoch() + 1, cluster.time);
            assertEquals(8, ByteBuffer.wrap(other.latest(0, "s".getBytes(UTF_8)).value()).getLong());
            assertEquals(8, ByteBuffer.wrap(restored.decidedEffect(open).results()[0]).getLong());
            assertEquals(7, ByteBuffer.wrap(restored.decidedEffect(decided).results()[0]).getLong(),
                "a decision from before the snapshot keeps its results, for a resend");
        }
        finally
        {
            other.close();
        }
    }

    @Test
    void shouldUpdateASqlRowAtItsLogPositionAndRefuseBadRowUpdates()
    {
        final io.stardust.catalog.SchemaChange create = new io.stardust.catalog.SchemaChange.CreateTable("rows",
            List.of(new io.stardust.catalog.SchemaChange.ColumnSpec("k", io.stardust.catalog.ColumnType.BIGINT, false),
                new io.stardust.catalog.SchemaChange.ColumnSpec("n", io.stardust.catalog.ColumnType.SMALLINT, false)),
            List.of("k"), false);
        ack(send(schema(create)));
        final io.stardust.catalog.TableDef table = service.catalog.table("rows");
        final byte[] key = io.stardust.catalog.Keys.primaryKey(table, new Object[] {1L, (short)0});
        final byte[] row = io.stardust.catalog.RowCodec.encode(table, new Object[] {1L, (short)5});
        assertTrue(commit((w) -> w.put("rows", key, row)));
        final int n = table.column("n").id();
        final byte[] add = io.stardust.catalog.RowUpdate.encode(List.of(new io.stardust.catalog.RowUpdate.Assignment(
            n, io.stardust.catalog.RowUpdate.Kind.ADD, 3)));

        final Answer updated = run(++txnIds, new Op(OpKind.UPDATE_ROW.value(), "rows", key, add, 0, Long.MIN_VALUE,
            Long.MAX_VALUE));
        assertTrue(updated.committed());
        assertEquals((short)8, io.stardust.catalog.RowCodec.decode(table, updated.values().get(0))[1]);
        final byte[] absentKey = io.stardust.catalog.Keys.primaryKey(table, new Object[] {2L, (short)0});
        final Answer absent = run(++txnIds, new Op(OpKind.UPDATE_ROW.value(), "rows", absentKey, add, 0,
            Long.MIN_VALUE, Long.MAX_VALUE));
        assertTrue(absent.committed());
        assertEquals(null, absent.values().get(0), "an absent row stays absent");
        assertEquals(null, storage.latestEncoded(1, absentKey));
        final byte[] tooMuch = io.stardust.catalog.RowUpdate.encode(List.of(new io.stardust.catalog.RowUpdate
            .Assignment(n, io.stardust.catalog.RowUpdate.Kind.ADD, 40_000)));
        assertFalse(run(++txnIds, new Op(OpKind.UPDATE_ROW.value(), "rows", key, tooMuch, 0, Long.MIN_VALUE,
            Long.MAX_VALUE)).committed(), "past SMALLINT's range: the condition fails");

        final String onKv = error(send(oneShotFrame(++txnIds, false, false, new Op(OpKind.UPDATE_ROW.value(), "kv",
            key, add, 0, Long.MIN_VALUE, Long.MAX_VALUE))));
        assertTrue(onKv.contains("(UPDATE_ROW) names kv, which is a key-value table"), onKv);
        final byte[] keyColumn = io.stardust.catalog.RowUpdate.encode(List.of(new io.stardust.catalog.RowUpdate
            .Assignment(table.column("k").id(), io.stardust.catalog.RowUpdate.Kind.SET, 1)));
        final String onKey = error(send(oneShotFrame(++txnIds, false, false, new Op(OpKind.UPDATE_ROW.value(),
            "rows", key, keyColumn, 0, Long.MIN_VALUE, Long.MAX_VALUE))));
        assertTrue(onKey.startsWith("INVALID_ARGUMENT") && onKey.contains("in the primary key of rows"), onKey);
        final String malformed = error(send(oneShotFrame(++txnIds, false, false, new Op(OpKind.UPDATE_ROW.value(),
            "rows", key, new byte[] {1, 1, 0}, 0, Long.MIN_VALUE, Long.MAX_VALUE))));
        assertTrue(malformed.startsWith("MALFORMED_MESSAGE: op 0 (UPDATE_ROW)"), malformed);
        final String sqlPut = error(send(oneShotFrame(++txnIds, false, false, new Op(OpKind.PUT.value(), "rows",
            key, row, 0, Long.MIN_VALUE, Long.MAX_VALUE))));
        assertTrue(sqlPut.contains("which is a SQL table; one-shot ops work on key-value tables"), sqlPut);
        assertEquals((short)8, io.stardust.catalog.RowCodec.decode(table, storage.latest(1, key).value())[1],
            "nothing of the refused records applied");
    }

    @Test
    void shouldGatherAnEpochsOneShotResultsForClientsOfVersion8AndSendThemAloneToOlderOnes()
    {
        // This session speaks version 8 (the frames' header): one envelope for the epoch's two one-shots.
        client.received.clear();
        send(oneShotFrame(++txnIds, false, false, Op.add("b1", 1)));
        send(oneShotFrame(++txnIds, false, false, Op.add("b2", 1)));
        service.onTimerEvent(service.storage().appliedEpoch() + 1, cluster.time);
        assertEquals(1, client.received.size(), "one message");
        assertEquals(io.stardust.protocol.codecs.OneShotResultsDecoder.TEMPLATE_ID,
            new MessageHeaderDecoder().wrap(new UnsafeBuffer(client.received.get(0)), 0).templateId());
        assertEquals(2, unbatched(client.received).size(), "holding both results");

        // A session whose requests speak version 7 gets each result alone, as it always did.
        final FakeCluster.Session old = cluster.session(9);
        for (final String key : List.of("o1", "o2"))
        {
            final byte[] frame = oneShotFrame(++txnIds, false, false, Op.add(key, 1));
            frame[6] = 7;
            frame[7] = 0;
            service.onSessionMessage(old, cluster.time, new UnsafeBuffer(frame), 0, frame.length, null);
        }
        service.onTimerEvent(service.storage().appliedEpoch() + 1, cluster.time);
        assertEquals(2, old.received.size(), "two messages");
        for (final byte[] reply : old.received)
        {
            assertEquals(OneShotResultDecoder.TEMPLATE_ID, new MessageHeaderDecoder().wrap(new UnsafeBuffer(reply), 0)
                .templateId());
            assertTrue(answer(List.of(reply)).committed());
        }
    }
}
