package io.stardust.sequencer;

import io.stardust.catalog.SchemaChange;
import io.stardust.procedure.ProcedureArgs;
import io.stardust.procedure.examples.Transfer;
import io.stardust.protocol.codecs.AbortReason;
import io.stardust.protocol.codecs.BooleanType;
import io.stardust.protocol.codecs.CommitOutcome;
import io.stardust.protocol.codecs.CommitRequestEncoder;
import io.stardust.protocol.codecs.MessageHeaderDecoder;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.OneShotResultDecoder;
import io.stardust.protocol.codecs.OpKind;
import io.stardust.scheduler.Procedures;
import io.stardust.sequencer.procs.ReadsClock;
import io.stardust.storage.Storage;
import io.stardust.storage.StorageConfig;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.ByteBuffer;
import java.util.List;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Procedure calls through a real {@link StardustService}: registered through the log and checked against the class
 * each member holds; a call is checked in full (name, version, arguments, keys) before it joins an epoch, runs at its
 * log position, and aborts only itself; a member whose class differs stops, loudly.
 */
class ProcedureRecordTest extends ServiceHarness
{
    private long txnIds = 80_000;

    private static String hash(final Class<?> type)
    {
        return Procedures.sha256(Procedures.classBytes(type.getClassLoader(), type.getName()));
    }

    private void registerTransfer()
    {
        assertTrue(ack(send(schema(new SchemaChange.RegisterProcedure("transfer", 1, Transfer.class.getName(),
            hash(Transfer.class), 1_000)))).startsWith("registered procedure transfer version 1"));
    }

    /** A call frame; {@code kinds} lets a test plant ops that are not keys. */
    private byte[] callFrame(final String procedure, final int version, final byte[] args, final int calls,
        final OpKind kind, final String... keys)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(1 << 12);
        final CommitRequestEncoder e = new CommitRequestEncoder().wrapAndApplyHeader(buffer, 0,
            new MessageHeaderEncoder())
            .correlationId(++correlation).txnId(++txnIds).catalogVersion(0).snapshotEpoch(0)
            .resend(BooleanType.FALSE);
        e.readsCount(0);
        e.rangesCount(0);
        e.writesCount(0);
        final CommitRequestEncoder.OpsEncoder o = e.opsCount(keys.length);
        for (final String key : keys)
        {
            o.next().kind(kind).delta(0).min(Long.MIN_VALUE).max(Long.MAX_VALUE).table("kv")
                .putKey(key.getBytes(UTF_8), 0, key.length()).putValue(new byte[0], 0, 0);
        }
        final CommitRequestEncoder.CallEncoder c = e.callCount(calls);
        for (int i = 0; i < calls; i++)
        {
            c.next().version(version).procedure(procedure).putArgs(args, 0, args.length);
        }
        return java.util.Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    private byte[] call(final String procedure, final int version, final List<Object> args, final String... keys)
    {
        return callFrame(procedure, version, ProcedureArgs.encode(args), 1, OpKind.KEY, keys);
    }

    /** @return "COMMITTED" or "REASON: message" of the one-shot answer among the replies. */
    private static String answer(final List<byte[]> replies)
    {
        for (final byte[] reply : unbatched(replies))
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(reply);
            final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
            if (header.templateId() == OneShotResultDecoder.TEMPLATE_ID)
            {
                final OneShotResultDecoder d = new OneShotResultDecoder().wrapAndApplyHeader(buffer, 0, header);
                final AbortReason reason = d.reason();
                final boolean committed = d.outcome() == CommitOutcome.COMMITTED;
                for (final OneShotResultDecoder.ResultsDecoder r : d.results())
                {
                    r.skipValue();
                }
                d.skipConflictTable();
                d.skipConflictKey();
                return committed ? "COMMITTED" : reason + ": " + d.message();
            }
        }
        throw new AssertionError("no one-shot answer among " + replies.size() + " replies");
    }

    private String run(final byte[] frame)
    {
        client.received.clear();
        send(frame);
        service.onTimerEvent(service.storage().appliedEpoch() + 1, cluster.time);
        return answer(client.received);
    }

    private long counter(final String key)
    {
        return ByteBuffer.wrap(storage.latest(0, key.getBytes(UTF_8)).value()).getLong();
    }

    @Test
    void shouldRunARegisteredProcedureAtItsLogPositionAndAbortOnlyOnItsOwnCondition()
    {
        registerTransfer();
        assertEquals("COMMITTED", run(oneShotAdd("alice", 50)));
        assertEquals("COMMITTED", run(call("transfer", 1, List.of(20L), "alice", "bob")));
        assertEquals("CONDITION_FAILED: balance 30 is below 40", run(call("transfer", 1, List.of(40L), "alice",
            "bob")));
        assertEquals(30, counter("alice"));
        assertEquals(20, counter("bob"));
        assertEquals(1, service.conditionFailureCount());
    }

    private byte[] oneShotAdd(final String key, final long delta)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final CommitRequestEncoder e = new CommitRequestEncoder().wrapAndApplyHeader(buffer, 0,
            new MessageHeaderEncoder())
            .correlationId(++correlation).txnId(++txnIds).catalogVersion(0).snapshotEpoch(0)
            .resend(BooleanType.FALSE);
        e.readsCount(0);
        e.rangesCount(0);
        e.writesCount(0);
        e.opsCount(1).next().kind(OpKind.ADD).delta(delta).min(Long.MIN_VALUE).max(Long.MAX_VALUE).table("kv")
            .putKey(key.getBytes(UTF_8), 0, key.length()).putValue(new byte[0], 0, 0);
        return java.util.Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    @Test
    void shouldRefuseBadCallsWholeWithAClearErrorAndKeepServing()
    {
        registerTransfer();
        final String unknown = error(send(call("nope", 1, List.of(1L), "x")));
        assertEquals("INVALID_ARGUMENT: unknown procedure 'nope': no version of it is registered", unknown);
        final String version = error(send(call("transfer", 2, List.of(1L), "x", "y")));
        assertEquals("INVALID_ARGUMENT: procedure 'transfer' has no version 2 registered (registered: [1])", version);
        final String count = error(send(call("transfer", 1, List.of(1L, 2L), "x", "y")));
        assertEquals("INVALID_ARGUMENT: procedure 'transfer' version 1 takes 1 argument(s) (LONG); the call " +
            "passed 2", count);
        final String type = error(send(call("transfer", 1, List.of("ten"), "x", "y")));
        assertEquals("INVALID_ARGUMENT: procedure 'transfer' version 1 takes (LONG); argument 0 is a STRING, not a " +
            "LONG", type);
        final String malformed = error(send(callFrame("transfer", 1, new byte[] {1, 1, 0}, 1, OpKind.KEY, "x")));
        assertTrue(malformed.startsWith("MALFORMED_MESSAGE: the call's arguments are malformed: argument 0 is cut " +
            "short"), malformed);
        final String notKey = error(send(callFrame("transfer", 1, ProcedureArgs.encode(List.of(1L)), 1, OpKind.GET,
            "x", "y")));
        assertTrue(notKey.contains("op 0 is GET; a procedure call's ops are only the keys it may touch"), notKey);
        final String keyWithoutCall = error(send(callFrame("transfer", 1, new byte[0], 0, OpKind.KEY, "x")));
        assertTrue(keyWithoutCall.contains("op 0 is KEY") && keyWithoutCall.contains("calls no procedure"),
            keyWithoutCall);
        final String twice = error(send(call("transfer", 1, List.of(1L), "x", "x")));
        assertTrue(twice.contains("key 1 of the call names the same key as an earlier one"), twice);
        final String two = error(send(callFrame("transfer", 1, ProcedureArgs.encode(List.of(1L)), 2, OpKind.KEY,
            "x")));
        assertTrue(two.contains("2 procedure calls; a transaction makes at most one"), two);
        assertUnchangedAndServing();
        assertEquals("COMMITTED", run(call("transfer", 1, List.of(0L), "x", "y")), "the next call runs");
    }

    @Test
    void shouldRefuseToRegisterAClassThatBreaksARuleOnEveryMemberAlike()
    {
        final String refused = error(send(schema(new SchemaChange.RegisterProcedure("clock", 1,
            ReadsClock.class.getName(), hash(ReadsClock.class), 1_000))));
        assertTrue(refused.startsWith("INVALID_ARGUMENT: procedure clock version 1 (" + ReadsClock.class.getName() +
            ") is refused: ") && refused.contains("java.lang.System"), refused);
        assertEquals(0, service.catalog.procedureMap().size(), "nothing registered");
        assertTrue(fatal.isEmpty(), "a rule broken is the same on every member: refused, not a stop");
        assertUnchangedAndServing();
    }

    @Test
    void shouldStopAMemberWhoseClassDiffersFromTheRegistration()
    {
        final List<byte[]> replies = send(schema(new SchemaChange.RegisterProcedure("transfer", 1,
            Transfer.class.getName(), "00".repeat(32), 1_000)));
        assertEquals(1, fatal.size(), "the member stops");
        assertTrue(fatal.get(0).startsWith(FatalHandler.PROCEDURE_MISMATCH + ": member 0: procedure transfer version" +
            " 1: class " + Transfer.class.getName() + " on this member has sha256 " + hash(Transfer.class) +
            ", but it was registered with " + "00".repeat(32)), fatal.get(0));
        assertTrue(replies.isEmpty(), "a stopped replica answers nothing");
    }

    @Test
    void shouldKeepRegisteredProceduresAndOpenCallsInTheSnapshot() throws Exception
    {
        registerTransfer();
        assertEquals("COMMITTED", run(oneShotAdd("alice", 50)));
        client.received.clear();
        send(call("transfer", 1, List.of(5L), "alice", "bob"));
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes))
        {
            ServiceSnapshot.write(out, service);
        }
        final Storage other = new Storage(new StorageConfig().directory(new File(dir, "other")));
        try
        {
            final StardustService restored = new StardustService(1, "dc1", new SequencerConfig(), other, 1);
            restored.onStart(new FakeCluster(), null);
            try (java.io.DataInputStream in = new java.io.DataInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray())))
            {
                ServiceSnapshot.read(in, restored);
            }
            restored.onTimerEvent(restored.storage().appliedEpoch() + 1, cluster.time);
            assertEquals(45, ByteBuffer.wrap(other.latest(0, "alice".getBytes(UTF_8)).value()).getLong());
            assertEquals(5, ByteBuffer.wrap(other.latest(0, "bob".getBytes(UTF_8)).value()).getLong());
            assertFalse(restored.scheduler().procedures().versions("transfer").isEmpty());
        }
        finally
        {
            other.close();
        }
    }
}
