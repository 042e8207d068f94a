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
class RecordCheckTest extends ServiceHarness
{
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
    void shouldCloseAnEpochWhoseWindowPassedAtANudgeAndRefuseAMalformedOne()
    {
        final byte[] nudge = nudgeFrame();
        final long applied = service.storage().appliedEpoch();
        client.received.clear();
        send(commitFrame(applied, 0, put("kv", "nudged", "1")));
        assertTrue(send(nudge).isEmpty(), "a nudge inside the window is not answered and closes nothing");
        assertEquals(applied, service.storage().appliedEpoch());

        cluster.time += java.util.concurrent.TimeUnit.MICROSECONDS.toNanos(service.settings().batchWindowMicros());
        final List<byte[]> closing = send(nudge);
        assertEquals(applied + 1, service.storage().appliedEpoch(), "a nudge at the deadline closed the epoch");
        assertEquals(1, closing.size(), "the commit's result, and no answer to the nudge itself");
        assertEquals(1, countCommitted(closing.get(0), -1), "the commit was answered committed");

        final String trailing = error(send(java.util.Arrays.copyOf(nudge, nudge.length + 2)));
        assertTrue(trailing.startsWith("MALFORMED_MESSAGE") && trailing.contains("frame holds"), trailing);
        final String shortBlock = error(send(java.util.Arrays.copyOf(nudge, MessageHeaderEncoder.ENCODED_LENGTH)));
        assertTrue(shortBlock.startsWith("MALFORMED_MESSAGE"), shortBlock);
        assertUnchangedAndServing();
    }

    private static byte[] nudgeFrame()
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(32);
        final io.stardust.protocol.codecs.EpochNudgeEncoder e = new io.stardust.protocol.codecs.EpochNudgeEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder()).correlationId(0);
        return java.util.Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
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
}
