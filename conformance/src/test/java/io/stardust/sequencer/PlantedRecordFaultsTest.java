package io.stardust.sequencer;

import io.aeron.cluster.service.Cluster;
import io.stardust.client.RawReply;
import io.stardust.conformance.StructuredFuzzer;
import io.stardust.protocol.codecs.CommitOutcome;
import io.stardust.protocol.codecs.CommitResultDecoder;
import io.stardust.protocol.codecs.CommitResultsDecoder;
import io.stardust.protocol.codecs.ControlAckDecoder;
import io.stardust.protocol.codecs.CreateTableEncoder;
import io.stardust.protocol.codecs.ErrorResponseDecoder;
import io.stardust.protocol.codecs.MessageHeaderDecoder;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.storage.Storage;
import io.stardust.storage.StorageConfig;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The structured fuzzer's own test: against two replicas of the real service (1 and 2 scheduler workers, driven by
 * hand on fake clusters) it finds nothing while every check is in place, and it finds a planted fault, a record reader
 * with the reversed-range check or the value-size check taken out. The fault is planted through a subclass that exists
 * only here.
 */
class PlantedRecordFaultsTest
{
    @TempDir
    File dir;

    private final List<Storage> storages = new ArrayList<>();

    @AfterEach
    void close()
    {
        storages.forEach(Storage::close);
    }

    @Test
    void shouldFindNothingWhenEveryCheckIsInPlace() throws Exception
    {
        final Replicas replicas = new Replicas(RecordReader::new);
        final StructuredFuzzer fuzzer = fuzzer(replicas, 11);
        final List<String> findings = fuzzer.run(replicas, 12, 30);
        assertEquals(List.of(), findings);
    }

    @Test
    void shouldSendAgainWhatALeaderChangeLostAndFindWhatIsNeverAnswered() throws Exception
    {
        final Replicas replicas = new Replicas(RecordReader::new);
        final StructuredFuzzer fuzzer = fuzzer(replicas, 14);
        // The first sending of every seventh case is lost on its way, as at a leader change: the fuzzer sends it again.
        final int[] sent = {0};
        final java.util.Set<Long> lost = new java.util.HashSet<>();
        final StructuredFuzzer.Target lossy = new StructuredFuzzer.Target()
        {
            public CompletableFuture<RawReply> send(final byte[] frame, final long correlationId)
            {
                if (!lost.contains(correlationId) && ++sent[0] % 7 == 0)
                {
                    lost.add(correlationId);
                    return CompletableFuture.failedFuture(new IllegalStateException("lost"));
                }
                return replicas.send(frame, correlationId);
            }

            public long appliedEpoch()
            {
                return replicas.appliedEpoch();
            }

            public String health() throws Exception
            {
                return replicas.health();
            }
        };
        assertEquals(List.of(), fuzzer.run(lossy, 3, 20), "every lost frame was answered when sent again");
        assertTrue(fuzzer.answeredOnResend() > 0, "and counted: " + fuzzer.answeredOnResend());

        // A target that never answers one kind of case: found, not hidden by the second send.
        final Replicas other = new Replicas(RecordReader::new);
        final StructuredFuzzer deaf = fuzzer(other, 15);
        final StructuredFuzzer.Target silent = new StructuredFuzzer.Target()
        {
            public CompletableFuture<RawReply> send(final byte[] frame, final long correlationId)
            {
                return CompletableFuture.failedFuture(new IllegalStateException("never answered"));
            }

            public long appliedEpoch()
            {
                return other.appliedEpoch();
            }

            public String health()
            {
                return null;
            }
        };
        final List<String> findings = deaf.run(silent, 1, 5);
        assertFalse(findings.isEmpty());
        assertTrue(findings.get(0).contains("no answer, twice"), findings.toString());
    }

    @Test
    void shouldFindAReversedRangeTakenWhenItsCheckIsTakenOut() throws Exception
    {
        final Replicas replicas = new Replicas(() -> new RecordReader()
        {
            @Override
            void checkRangeOrder(final int i, final byte[] start, final byte[] end)
            {
            }
        });
        final List<String> findings = fuzzer(replicas, 12).onlyKinds(StructuredFuzzer.REVERSED_RANGE).run(replicas, 3, 10);
        assertFalse(findings.isEmpty(), "the planted fault was found");
        assertTrue(findings.get(0).startsWith("reversed-range: a record that breaks a rule was taken") ||
            findings.get(0).contains("reversed-range"), findings.toString());
    }

    @Test
    void shouldFindAnOversizedValueTakenWhenItsCheckIsTakenOut() throws Exception
    {
        final Replicas replicas = new Replicas(() -> new RecordReader()
        {
            @Override
            void checkValueSize(final int i, final int valueLength, final ReplicatedSettings limits)
            {
            }
        });
        final List<String> findings =
            fuzzer(replicas, 13).onlyKinds(StructuredFuzzer.VALUE_PAST_LIMIT).run(replicas, 3, 10);
        assertFalse(findings.isEmpty(), "the planted fault was found");
        assertTrue(findings.toString().contains("value-past-limit"), findings.toString());
    }

    private StructuredFuzzer fuzzer(final Replicas replicas, final long seed) throws Exception
    {
        final List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 16; i++)
        {
            keys.add(("k" + i).getBytes(StandardCharsets.UTF_8));
        }
        final List<byte[]> bigKeys = new ArrayList<>();
        for (int i = 0; i < 200; i++)
        {
            bigKeys.add(String.format("b%04d", i).getBytes(StandardCharsets.UTF_8));
        }
        replicas.createTable("fz_kv");
        replicas.createTable("fz_big");
        final ReplicatedSettings limits = ReplicatedSettings.DEFAULTS;
        return new StructuredFuzzer(seed, new StructuredFuzzer.Limits(limits.maxKeyBytes(),
            Math.min(limits.maxValueBytes(), limits.maxTransactionBytes() - 1024), limits.maxTransactionOps()),
            "fz_kv", keys, "fz_big", bigKeys);
    }

    /** Two replicas of the service on fake clusters, fed the same log; replica 0 leads and answers. */
    private final class Replicas implements StructuredFuzzer.Target
    {
        private final StardustService[] services = new StardustService[2];
        private final FakeCluster[] clusters = new FakeCluster[2];
        private final List<String> fatal = new ArrayList<>();
        private final FakeCluster.Session session;
        private long time = 1_000_000_000L;
        private long correlation = 1;

        Replicas(final java.util.function.Supplier<RecordReader> readers)
        {
            for (int r = 0; r < 2; r++)
            {
                final Storage storage = new Storage(new StorageConfig().directory(new File(dir, "r" + r))
                    );
                storages.add(storage);
                clusters[r] = new FakeCluster();
                clusters[r].role = r == 0 ? Cluster.Role.LEADER : Cluster.Role.FOLLOWER;
                final int replica = r;
                services[r] = new StardustService(r, "dc1", new SequencerConfig(), storage, r + 1, readers.get())
                    .fatalHandler((reason, code) -> fatal.add("replica " + replica + " stopped (" + code + "): " +
                        reason));
                services[r].onStart(clusters[r], null);
                services[r].onRoleChange(clusters[r].role);
            }
            session = clusters[0].session(9);
            clusters[1].session(9);
        }

        void createTable(final String name)
        {
            final ExpandableArrayBuffer b = new ExpandableArrayBuffer(128);
            final int length = new CreateTableEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder())
                .correlationId(correlation).requestId(correlation++).name(name).encodedLength();
            deliver(Arrays.copyOf(b.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + length), true);
        }

        /** Give both replicas the frame (and whatever the leader appended itself), then close the epoch. */
        private void deliver(final byte[] frame, final boolean fromClient)
        {
            time += 3_000_000L;
            for (int r = 0; r < 2; r++)
            {
                clusters[r].time = time;
                services[r].onSessionMessage(fromClient ? clusters[r].session(9) : null, time,
                    new UnsafeBuffer(frame), 0, frame.length, null);
            }
            final List<byte[]> appended = new ArrayList<>(clusters[0].serviceOffers);
            clusters[0].serviceOffers.clear();
            clusters[1].serviceOffers.clear();
            for (final byte[] own : appended)
            {
                deliver(own, false);
            }
            for (int r = 0; r < 2; r++)
            {
                services[r].onTimerEvent(services[r].storage().appliedEpoch() + 1, time);
            }
        }

        @Override
        public CompletableFuture<RawReply> send(final byte[] frame, final long correlationId)
        {
            final int before = session.received.size();
            deliver(frame, true);
            for (final byte[] reply : session.received.subList(before, session.received.size()))
            {
                final RawReply raw = match(reply, correlationId);
                if (raw != null)
                {
                    return CompletableFuture.completedFuture(raw);
                }
            }
            return CompletableFuture.failedFuture(new IllegalStateException("no reply to " + correlationId +
                (fatal.isEmpty() ? "" : "; " + fatal)));
        }

        @Override
        public long appliedEpoch()
        {
            return services[0].storage().appliedEpoch();
        }

        @Override
        public String health()
        {
            if (!fatal.isEmpty())
            {
                return fatal.toString();
            }
            final long id = 0x7000_0000_0000_0000L + correlation++;
            final StructuredFuzzer probe = new StructuredFuzzer(id, new StructuredFuzzer.Limits(16, 16, 16), "fz_kv",
                List.of("probe".getBytes(StandardCharsets.UTF_8)), "fz_big", List.of(new byte[] {1}, new byte[] {2}));
            final StructuredFuzzer.Case c = probe.next(appliedEpoch(), 0);
            final RawReply reply = send(c.frame(), c.correlationId()).join();
            if (reply.errorCode() != null || reply.templateId() == ControlAckDecoder.TEMPLATE_ID)
            {
                return "a probe commit was not taken: " + reply;
            }
            if (services[0].lastDigest() != services[1].lastDigest())
            {
                return "digests differ: " + services[0].lastDigest() + " vs " + services[1].lastDigest();
            }
            return fatal.isEmpty() ? null : fatal.toString();
        }
    }

    private static RawReply match(final byte[] reply, final long correlationId)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(reply);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        switch (header.templateId())
        {
            case ErrorResponseDecoder.TEMPLATE_ID:
            {
                final ErrorResponseDecoder d = new ErrorResponseDecoder().wrapAndApplyHeader(buffer, 0, header);
                return d.correlationId() == correlationId ? new RawReply(header.templateId(), d.code(), d.message()) :
                    null;
            }
            case ControlAckDecoder.TEMPLATE_ID:
            {
                final ControlAckDecoder d = new ControlAckDecoder().wrapAndApplyHeader(buffer, 0, header);
                return d.correlationId() == correlationId ? new RawReply(header.templateId(), null, d.detail()) : null;
            }
            case CommitResultDecoder.TEMPLATE_ID:
            {
                final CommitResultDecoder d = new CommitResultDecoder().wrapAndApplyHeader(buffer, 0, header);
                return d.correlationId() == correlationId ?
                    new RawReply(header.templateId(), null, d.outcome() + " " + d.reason()) : null;
            }
            case CommitResultsDecoder.TEMPLATE_ID:
            {
                for (final CommitResultsDecoder.ResultsDecoder r :
                    new CommitResultsDecoder().wrapAndApplyHeader(buffer, 0, header).results())
                {
                    final long id = r.correlationId();
                    final CommitOutcome outcome = r.outcome();
                    r.skipConflictTable();
                    r.skipConflictKey();
                    if (id == correlationId)
                    {
                        return new RawReply(CommitResultDecoder.TEMPLATE_ID, null, outcome.toString());
                    }
                }
                return null;
            }
            default:
                return null;
        }
    }
}
