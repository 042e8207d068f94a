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
 * Records that a client can send and that must be refused whole before they join an epoch, driven through a real
 * {@link StardustService} on a {@link FakeCluster}: each gets an error naming the problem, nothing is applied, and the
 * next good commit still commits.
 */
class RecordCheckTest
{
    @TempDir
    File dir;

    private Storage storage;
    private FakeCluster cluster;
    private StardustService service;
    private FakeCluster.Session client;
    private final List<String> fatal = new ArrayList<>();
    private long correlation = 100;

    @BeforeEach
    void start()
    {
        start(new SequencerConfig());
    }

    private void start(final SequencerConfig config)
    {
        storage = new Storage(new StorageConfig().directory(dir));
        cluster = new FakeCluster();
        service = new StardustService(0, "dc1", config, storage, 1)
            .fatalHandler((reason, code) -> fatal.add(code + ": " + reason));
        service.onStart(cluster, null);
        service.onRoleChange(Cluster.Role.LEADER);
        client = cluster.session(7);
        assertEquals("created table 'kv' at catalog version 1", ack(send(createTable("kv", 11))));
        assertTrue(commit(put("kv", "seed", "v")), "a good commit commits");
    }

    @AfterEach
    void stop()
    {
        storage.close();
    }

    @Test
    void shouldRefuseAValueOverTheLimitAndTakeOneAtIt()
    {
        final int limit = service.settings().maxValueBytes();
        for (final int size : new int[] {limit + 1, 1000 * 1024})
        {
            final byte[] big = new byte[size];
            final String error = error(send(commitFrame(1, 0, w -> w.put("kv", "big".getBytes(), big))));
            assertTrue(error.startsWith("TXN_TOO_LARGE"), error);
            assertTrue(error.contains("value of " + size + " bytes exceeds the limit of " + limit), error);
        }
        assertUnchangedAndServing();
        assertTrue(commit(w -> w.put("kv", "at-limit".getBytes(), new byte[limit])), "a value at the limit commits");
        assertEquals(limit + 9, storage.latestEncoded(0, "at-limit".getBytes()).length, "stored whole");
    }

    @Test
    void shouldRefuseARangeWhoseStartSortsAfterItsEnd()
    {
        final String error = error(send(commitFrame(service.storage().appliedEpoch(), 0, w ->
        {
            w.range("kv", "m".getBytes(), "c".getBytes());
            w.put("kv", "x".getBytes(), "1".getBytes());
        })));
        assertTrue(error.startsWith("INVALID_ARGUMENT") && error.contains("sorts after its end"), error);
        assertUnchangedAndServing();
    }

    @Test
    void shouldRefuseAReadVersionNewerThanTheSnapshot()
    {
        final long applied = service.storage().appliedEpoch();
        final String error = error(send(commitFrame(0, 0, w ->
        {
            w.read("kv", "seed".getBytes(), applied, 0);
            w.put("kv", "x".getBytes(), "1".getBytes());
        })));
        assertTrue(error.contains("read 0 version epoch " + applied + " is not possible at snapshot epoch 0"), error);
        assertUnchangedAndServing();
    }

    @Test
    void shouldRefuseAnAbsentVersionWithAnIndex()
    {
        final String error = error(send(commitFrame(service.storage().appliedEpoch(), 0, w ->
        {
            w.read("kv", "seed".getBytes(), 0, 5);
            w.put("kv", "x".getBytes(), "1".getBytes());
        })));
        assertTrue(error.contains("absent is (0, 0)"), error);
        assertUnchangedAndServing();
    }

    @Test
    void shouldRefuseAKeyWrittenTwiceOrReadTwice()
    {
        final String written = error(send(commitFrame(0, 0, w ->
        {
            w.put("kv", "x".getBytes(), "1".getBytes());
            w.put("kv", "x".getBytes(), "2".getBytes());
        })));
        assertTrue(written.contains("is written twice"), written);
        final String read = error(send(commitFrame(0, 0, w ->
        {
            w.read("kv", "x".getBytes(), 0, 0);
            w.read("kv", "x".getBytes(), 0, 0);
            w.put("kv", "y".getBytes(), "1".getBytes());
        })));
        assertTrue(read.contains("is read twice"), read);
        assertUnchangedAndServing();
    }

    @Test
    void shouldRefuseASnapshotEpochNotAppliedAndACatalogVersionNotSeen()
    {
        final String epoch = error(send(commitFrame(99, 0, w -> w.put("kv", "x".getBytes(), "1".getBytes()))));
        assertTrue(epoch.contains("snapshot epoch 99 is not an applied epoch"), epoch);
        final String catalog = error(send(commitFrame(0, 5, w -> w.put("kv", "x".getBytes(), "1".getBytes()))));
        assertTrue(catalog.contains("catalog version 5 is not one the cluster has had"), catalog);
        assertUnchangedAndServing();
    }

    @Test
    void shouldRefuseADeleteCarryingAValueAndTrailingBytes()
    {
        final String delete = error(send(commitFrame(0, 0, w -> w.delete("kv", "seed".getBytes(), "v".getBytes()))));
        assertTrue(delete.contains("a delete's value must be empty"), delete);
        final byte[] frame = commitFrame(0, 0, w -> w.put("kv", "x".getBytes(), "1".getBytes()));
        final String trailing = error(send(java.util.Arrays.copyOf(frame, frame.length + 3)));
        assertTrue(trailing.startsWith("MALFORMED_MESSAGE") && trailing.contains("frame holds"), trailing);
        assertUnchangedAndServing();
    }

    @Test
    void shouldAnswerAControlRequestSentAgainWithItsFirstAnswerAndApplyItOnce()
    {
        final String first = ack(send(createTable("t2", 555)));
        final long version = service.catalog().version();
        assertEquals(first, ack(send(createTable("t2", 555))), "the same request id gets the same answer");
        assertEquals(version, service.catalog().version(), "and is applied once");
        final String again = error(send(createTable("t2", 556)));
        assertTrue(again.startsWith("TABLE_EXISTS"), "a new request for an existing name still fails: " + again);
    }

    @Test
    void shouldAnswerARetryFromItsOwnEpochWhenTheDedupWindowRotatesInsideIt()
    {
        storage.close();
        fatal.clear();
        start(new SequencerConfig().dedupWindowTransactions(1).initialEpochMaxTransactions(100));
        // Settings come from the log: the leader's own first record, appended when it first saw the log.
        assertEquals(1, cluster.serviceOffers.size());
        service.onSessionMessage(null, cluster.time, new UnsafeBuffer(cluster.serviceOffers.get(0)), 0,
            cluster.serviceOffers.get(0).length, null);
        assertEquals(1, service.settings().dedupWindowTransactions());
        send(commitFrame(1, 0, 501, false, w -> w.put("kv", "a".getBytes(), "1".getBytes())));
        send(commitFrame(1, 0, 502, false, w -> w.put("kv", "b".getBytes(), "1".getBytes())));
        send(commitFrame(1, 0, 501, true, w -> w.put("kv", "a".getBytes(), "1".getBytes())));
        send(commitFrame(1, 0, 503, false, w -> w.put("kv", "c".getBytes(), "1".getBytes())));
        client.received.clear();
        service.onTimerEvent(service.storage().appliedEpoch() + 1, cluster.time);
        assertTrue(fatal.isEmpty(), fatal.toString());
        int answersFor501 = 0;
        for (final byte[] reply : client.received)
        {
            answersFor501 += countCommitted(reply, 501);
        }
        assertEquals(2, answersFor501, "the commit and its retry are both answered, committed");
    }

    @Test
    void shouldTakeItsFirstSettingsFromTheLeadersRecordOnceAndRefuseThemFromAClient()
    {
        assertEquals(ReplicatedSettings.DEFAULTS, service.settings());
        final String refused = error(send(settingsFrame(true, 123_456)));
        assertTrue(refused.contains("initial ClusterSettings come only from the leader's service"), refused);

        storage.close();
        start(new SequencerConfig().initialBatchWindowMicros(3_000));
        assertEquals(1, cluster.serviceOffers.size(), "the leader appended its settings when it first saw the log");
        final byte[] seed = cluster.serviceOffers.get(0);
        service.onSessionMessage(null, cluster.time, new UnsafeBuffer(seed), 0, seed.length, null);
        assertEquals(3_000, service.settings().batchWindowMicros());
        cluster.time += 1_000_000_000L;
        send(commitFrame(0, 0, w -> w.put("kv", "z".getBytes(), "1".getBytes())));
        service.onTimerEvent(service.storage().appliedEpoch() + 1, cluster.time);
        assertEquals(1, cluster.serviceOffers.size(), "a replica offers its settings once");
        // A second leader's seed, arriving later, is ignored.
        final byte[] other = settingsFrame(true, 9_000);
        service.onSessionMessage(null, cluster.time, new UnsafeBuffer(other), 0, other.length, null);
        assertEquals(3_000, service.settings().batchWindowMicros());
        // An operator's change applies.
        assertTrue(ack(send(settingsFrame(false, 7_000))).startsWith("settings: batch window 7000 us"));
        assertEquals(7_000, service.settings().batchWindowMicros());
    }

    @Test
    void shouldRefuseCommitsOverTheAdmissionRateByLogTimeAndAdmitThemLater()
    {
        assertTrue(ack(send(admissionFrame(10, 2))).startsWith("admission of 10 transactions/s with a burst of 2"));
        assertTrue(commit(put("kv", "a1", "v")), "the bucket starts full");
        assertTrue(commit(put("kv", "a2", "v")));
        final String refused = error(send(commitFrame(service.storage().appliedEpoch(), 0,
            w -> w.put("kv", "x".getBytes(), "v".getBytes()))));
        assertTrue(refused.startsWith("OVER_BUDGET: over budget: the cluster admits 10 transactions/s (burst 2)") &&
            refused.endsWith("retry after 100 ms"), refused);
        assertEquals(100_000, lastRetryAfterMicros, "a token every 100 ms of log time");
        assertEquals(1, service.overBudgetRefusals());
        assertNull(storage.latestEncoded(0, "x".getBytes()), "a refused commit is never applied");
        cluster.time += 100_000_000L;
        assertTrue(commit(put("kv", "a3", "v")), "100 ms of log time later, one more is admitted");
        assertTrue(error(send(admissionFrame(-1, 1))).contains("admission rate must be 0 (no limit) to 10000000"));
        assertTrue(error(send(admissionFrame(5, 0))).contains("admission burst must be 1 to 1000000"));
        assertTrue(ack(send(admissionFrame(0, 0))).startsWith("no admission limit"));
        for (int i = 0; i < 5; i++)
        {
            assertTrue(commit(put("kv", "free" + i, "v")), "no limit");
        }
        assertTrue(fatal.isEmpty(), fatal.toString());
    }

    @Test
    void shouldKeepTheAdmissionBucketInTheSnapshot() throws Exception
    {
        ack(send(admissionFrame(10, 3)));
        assertTrue(commit(put("kv", "b1", "v")));
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
            assertEquals(10, restored.admissionRatePerSecond());
            assertEquals(3, restored.admission.burst());
            // Two tokens left at the same log time, then none: the restored bucket refuses the third as this one does.
            final long now = cluster.timeUnit().toNanos(cluster.time);
            assertEquals(0, restored.admission.admit(now));
            assertEquals(0, restored.admission.admit(now));
            assertTrue(restored.admission.admit(now) > 0);
        }
        finally
        {
            other.close();
        }
    }

    @Test
    void shouldStopAReplicaWhoseDurabilityDiffersFromTheCluster()
    {
        storage.close();
        start(new SequencerConfig().durability(Durability.REPLICATED));
        final byte[] fsync = settingsFrame(false, 2_000);
        send(fsync);
        assertEquals(1, fatal.size(), fatal.toString());
        assertTrue(fatal.get(0).startsWith(FatalHandler.SETTINGS_CONFLICT + ": ") &&
            fatal.get(0).contains("--durability fsync"), fatal.get(0));
        assertNotNull(service.failure());
    }

    private void assertUnchangedAndServing()
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

    private Body put(final String table, final String key, final String value)
    {
        return w -> w.put(table, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    private boolean commit(final Body body)
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

    private byte[] commitFrame(final long snapshotEpoch, final long catalogVersion, final Body body)
    {
        return commitFrame(snapshotEpoch, catalogVersion, correlation + 1_000, false, body);
    }

    private byte[] commitFrame(
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

    private byte[] createTable(final String name, final long requestId)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        final CreateTableEncoder e = new CreateTableEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(++correlation).requestId(requestId).name(name);
        return java.util.Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    private byte[] settingsFrame(final boolean initial, final long batchWindowMicros)
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

    /** Send a frame from the client; @return what came back to it for this frame. */
    private List<byte[]> send(final byte[] frame)
    {
        final int before = client.received.size();
        service.onSessionMessage(client, cluster.time, new UnsafeBuffer(frame), 0, frame.length, null);
        return new ArrayList<>(client.received.subList(before, client.received.size()));
    }

    private long lastRetryAfterMicros;

    private byte[] admissionFrame(final long rate, final int burst)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        final io.stardust.protocol.codecs.SetAdmissionEncoder e = new io.stardust.protocol.codecs.SetAdmissionEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(++correlation).requestId(correlation).ratePerSecond(rate).burst(burst);
        return java.util.Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    private String error(final List<byte[]> replies)
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

    private String ack(final List<byte[]> replies)
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
    private static int countCommitted(final byte[] reply, final long txnId)
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
