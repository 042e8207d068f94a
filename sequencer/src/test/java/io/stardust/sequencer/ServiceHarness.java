package io.stardust.sequencer;

import io.aeron.cluster.service.Cluster;
import io.stardust.protocol.codecs.BooleanType;
import io.stardust.protocol.codecs.ClusterSettingsEncoder;
import io.stardust.protocol.codecs.CommitOutcome;
import io.stardust.protocol.codecs.CommitRequestEncoder;
import io.stardust.protocol.codecs.CommitResultDecoder;
import io.stardust.protocol.codecs.CommitResultsDecoder;
import io.stardust.protocol.codecs.ControlAckDecoder;
import io.stardust.protocol.codecs.CreateTableEncoder;
import io.stardust.protocol.codecs.Durability;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.protocol.codecs.ErrorResponseDecoder;
import io.stardust.protocol.codecs.MessageHeaderDecoder;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.WriteOp;
import io.stardust.storage.Storage;
import io.stardust.storage.StorageConfig;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real {@link StardustService} on a {@link FakeCluster} with one client session and a key-value table {@code kv}:
 * frames in, replies out, for tests that drive the service record by record.
 */
abstract class ServiceHarness
{
    @TempDir
    File dir;

    Storage storage;
    FakeCluster cluster;
    StardustService service;
    FakeCluster.Session client;
    final List<String> fatal = new ArrayList<>();
    long correlation = 100;

    @BeforeEach
    void start()
    {
        start(new SequencerConfig());
    }

    void start(final SequencerConfig config)
    {
        storage = new Storage(new StorageConfig().directory(dir));
        cluster = new FakeCluster();
        service = new StardustService(0, "dc1", config, storage, 1)
            .fatalHandler((reason, code) -> fatal.add(code + ": " + reason));
        service.onStart(cluster, null);
        service.onRoleChange(Cluster.Role.LEADER);
        client = cluster.session(7);
        assertEquals("created key-value table kv at catalog version 1", ack(send(createTable("kv", 11))));
        assertTrue(commit(put("kv", "seed", "v")), "a good commit commits");
    }

    @AfterEach
    void stop()
    {
        storage.close();
    }

    void assertUnchangedAndServing()
    {
        assertNull(storage.latestEncoded(0, "x".getBytes()), "nothing of a refused record was applied");
        assertTrue(fatal.isEmpty(), fatal.toString());
        assertTrue(commit(put("kv", "after", "v")), "the next good commit commits");
    }

    // ----- frames -----

    interface Ops
    {
        void read(String table, byte[] key, long epoch, int index);

        void range(String table, byte[] start, byte[] end);

        void put(String table, byte[] key, byte[] value);

        void delete(String table, byte[] key, byte[] value);
    }

    interface Body
    {
        void accept(Ops ops);
    }

    Body put(final String table, final String key, final String value)
    {
        return w -> w.put(table, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    boolean commit(final Body body)
    {
        client.received.clear();
        send(commitFrame(service.storage().appliedEpoch(), 0, body));
        service.onTimerEvent(service.storage().appliedEpoch() + 1, cluster.time);
        for (final byte[] reply : client.received)
        {
            if (countCommitted(reply, -1) > 0)
            {
                return true;
            }
        }
        return false;
    }

    byte[] commitFrame(final long snapshotEpoch, final long catalogVersion, final Body body)
    {
        return commitFrame(snapshotEpoch, catalogVersion, correlation + 1_000, false, body);
    }

    byte[] commitFrame(
        final long snapshotEpoch, final long catalogVersion, final long txnId, final boolean resend, final Body body)
    {
        final List<Object[]> reads = new ArrayList<>();
        final List<byte[][]> ranges = new ArrayList<>();
        final List<Object[]> writes = new ArrayList<>();
        body.accept(new Ops()
        {
            public void read(final String table, final byte[] key, final long epoch, final int index)
            {
                reads.add(new Object[] {table, key, epoch, index});
            }

            public void range(final String table, final byte[] start, final byte[] end)
            {
                ranges.add(new byte[][] {table.getBytes(), start, end});
            }

            public void put(final String table, final byte[] key, final byte[] value)
            {
                writes.add(new Object[] {table, key, value, WriteOp.PUT});
            }

            public void delete(final String table, final byte[] key, final byte[] value)
            {
                writes.add(new Object[] {table, key, value, WriteOp.DELETE});
            }
        });
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(1 << 16);
        final CommitRequestEncoder e = new CommitRequestEncoder().wrapAndApplyHeader(buffer, 0,
            new MessageHeaderEncoder())
            .correlationId(++correlation).txnId(txnId).catalogVersion(catalogVersion).snapshotEpoch(snapshotEpoch)
            .resend(resend ? BooleanType.TRUE : BooleanType.FALSE);
        final CommitRequestEncoder.ReadsEncoder r = e.readsCount(reads.size());
        for (final Object[] read : reads)
        {
            final byte[] key = (byte[])read[1];
            r.next().versionEpoch((Long)read[2]).versionIndex((Integer)read[3]).table((String)read[0])
                .putKey(key, 0, key.length);
        }
        final CommitRequestEncoder.RangesEncoder g = e.rangesCount(ranges.size());
        for (final byte[][] range : ranges)
        {
            g.next().table(new String(range[0])).putStartKey(range[1], 0, range[1].length)
                .putEndKey(range[2], 0, range[2].length);
        }
        final CommitRequestEncoder.WritesEncoder w = e.writesCount(writes.size());
        for (final Object[] write : writes)
        {
            final byte[] key = (byte[])write[1];
            final byte[] value = (byte[])write[2];
            w.next().op((WriteOp)write[3]).table((String)write[0]).putKey(key, 0, key.length)
                .putValue(value, 0, value.length);
        }
        return java.util.Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    byte[] schema(final io.stardust.catalog.SchemaChange change)
    {
        return schemaBytes(io.stardust.catalog.CatalogCodec.encode(change));
    }

    byte[] schemaBytes(final byte[] change)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final io.stardust.protocol.codecs.SchemaChangeEncoder e = new io.stardust.protocol.codecs.SchemaChangeEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder()).correlationId(++correlation)
            .requestId(correlation).putChange(change, 0, change.length);
        return java.util.Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    byte[] createTable(final String name, final long requestId)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        final CreateTableEncoder e = new CreateTableEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(++correlation).requestId(requestId).name(name);
        return java.util.Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    byte[] settingsFrame(final boolean initial, final long batchWindowMicros)
    {
        final ReplicatedSettings d = ReplicatedSettings.DEFAULTS;
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        final ClusterSettingsEncoder e = new ClusterSettingsEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(++correlation).requestId(correlation).initial(initial ? BooleanType.TRUE : BooleanType.FALSE)
            .batchWindowMicros(batchWindowMicros).epochMaxTransactions(d.epochMaxTransactions())
            .epochMaxBytes(d.epochMaxBytes()).maxTransactionBytes(d.maxTransactionBytes())
            .maxTransactionOps(d.maxTransactionOps()).maxKeyBytes(d.maxKeyBytes()).maxValueBytes(d.maxValueBytes())
            .dedupWindowTransactions(d.dedupWindowTransactions()).durability(Durability.FSYNC);
        return java.util.Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    /** @return the replies with every OneShotResults envelope replaced by the OneShotResults it holds. */
    static List<byte[]> unbatched(final List<byte[]> replies)
    {
        final List<byte[]> out = new ArrayList<>();
        for (final byte[] reply : replies)
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(reply);
            final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
            if (header.templateId() != io.stardust.protocol.codecs.OneShotResultsDecoder.TEMPLATE_ID)
            {
                out.add(reply);
                continue;
            }
            final io.stardust.protocol.codecs.OneShotResultsDecoder d =
                new io.stardust.protocol.codecs.OneShotResultsDecoder().wrapAndApplyHeader(buffer, 0, header);
            for (final io.stardust.protocol.codecs.OneShotResultsDecoder.ResultsDecoder r : d.results())
            {
                final byte[] one = new byte[r.replyLength()];
                r.getReply(one, 0, one.length);
                out.add(one);
            }
        }
        return out;
    }

    /** Send a frame from the client; @return what came back to it for this frame. */
    List<byte[]> send(final byte[] frame)
    {
        final int before = client.received.size();
        service.onSessionMessage(client, cluster.time, new UnsafeBuffer(frame), 0, frame.length, null);
        return new ArrayList<>(client.received.subList(before, client.received.size()));
    }

    long lastRetryAfterMicros;

    byte[] admissionFrame(final long rate, final int burst)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        final io.stardust.protocol.codecs.SetAdmissionEncoder e = new io.stardust.protocol.codecs.SetAdmissionEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(++correlation).requestId(correlation).ratePerSecond(rate).burst(burst);
        return java.util.Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    String error(final List<byte[]> replies)
    {
        assertEquals(1, replies.size(), "one reply");
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(new UnsafeBuffer(replies.get(0)), 0);
        assertEquals(ErrorResponseDecoder.TEMPLATE_ID, header.templateId(), "an error reply");
        final ErrorResponseDecoder d = new ErrorResponseDecoder().wrapAndApplyHeader(new UnsafeBuffer(replies.get(0)),
            0, header);
        final ErrorCode code = d.code();
        lastRetryAfterMicros = d.retryAfterMicros();
        return code + ": " + d.message();
    }

    String ack(final List<byte[]> replies)
    {
        assertEquals(1, replies.size(), "one reply");
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(new UnsafeBuffer(replies.get(0)), 0);
        if (header.templateId() != ControlAckDecoder.TEMPLATE_ID)
        {
            throw new AssertionError("expected an ack, got " + error(replies));
        }
        return new ControlAckDecoder().wrapAndApplyHeader(new UnsafeBuffer(replies.get(0)), 0, header).detail();
    }

    /** @return committed results in a reply for {@code txnId} (any, when -1). */
    static int countCommitted(final byte[] reply, final long txnId)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(reply);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        int count = 0;
        if (header.templateId() == CommitResultsDecoder.TEMPLATE_ID)
        {
            for (final CommitResultsDecoder.ResultsDecoder r :
                new CommitResultsDecoder().wrapAndApplyHeader(buffer, 0, header).results())
            {
                if ((txnId == -1 || r.txnId() == txnId) && r.outcome() == CommitOutcome.COMMITTED)
                {
                    count++;
                }
                r.skipConflictTable();
                r.skipConflictKey();
            }
        }
        else if (header.templateId() == CommitResultDecoder.TEMPLATE_ID)
        {
            final CommitResultDecoder d = new CommitResultDecoder().wrapAndApplyHeader(buffer, 0, header);
            if ((txnId == -1 || d.txnId() == txnId) && d.outcome() == CommitOutcome.COMMITTED)
            {
                count++;
            }
        }
        return count;
    }
}
