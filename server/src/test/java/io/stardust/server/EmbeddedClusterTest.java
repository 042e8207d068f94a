package io.stardust.server;

import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.Header;
import io.stardust.protocol.ClusterSpec;
import io.stardust.protocol.codecs.CommitOutcome;
import io.stardust.protocol.codecs.CommitRequestEncoder;
import io.stardust.protocol.codecs.CommitResultsDecoder;
import io.stardust.protocol.codecs.ControlAckDecoder;
import io.stardust.protocol.codecs.CreateTableEncoder;
import io.stardust.protocol.codecs.MessageHeaderDecoder;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.WriteOp;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A real 3-member cluster driven with a bare {@link AeronCluster}: the server side of the spine without the
 * Stardust client.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmbeddedClusterTest
{
    @TempDir
    File dir;

    @Test
    void shouldSequenceCreateTableAndCommitIntoEveryReplica() throws Exception
    {
        final int base = 23_000 + (int)(ProcessHandle.current().pid() % 100) * 30;
        final ClusterSpec spec = ClusterSpec.local("localhost", base, 3);
        try (EmbeddedCluster cluster = EmbeddedCluster.start(spec, new File(dir, "cluster"), null);
            MediaDriver driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(new SleepingMillisIdleStrategy(1))
                .dirDeleteOnShutdown(true)))
        {
            cluster.awaitLeader(Duration.ofSeconds(60));
            final long[] lastCorrelation = {0};
            final int[] lastTemplate = {0};
            final CommitResultsDecoder resultsDecoder = new CommitResultsDecoder();
            final CommitOutcome[] outcome = {null};
            final EgressListener listener = (clusterSessionId, timestamp, buffer, offset, length, header) ->
            {
                final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(buffer, offset);
                lastTemplate[0] = h.templateId();
                if (h.templateId() == CommitResultsDecoder.TEMPLATE_ID)
                {
                    // Commit outcomes come batched per session and epoch; this test sends one at a time.
                    resultsDecoder.wrapAndApplyHeader(buffer, offset, h);
                    final CommitResultsDecoder.ResultsDecoder results = resultsDecoder.results();
                    assertEquals(1, results.count());
                    results.next();
                    outcome[0] = results.outcome();
                    lastCorrelation[0] = results.correlationId();
                }
                else
                {
                    lastCorrelation[0] = buffer.getLong(offset + MessageHeaderDecoder.ENCODED_LENGTH,
                        java.nio.ByteOrder.LITTLE_ENDIAN);
                }
            };
            try (AeronCluster client = AeronCluster.connect(new AeronCluster.Context()
                .aeronDirectoryName(driver.aeronDirectoryName())
                .ingressChannel("aeron:udp")
                .ingressEndpoints(spec.ingressEndpoints())
                .egressChannel("aeron:udp?endpoint=localhost:0")
                .egressListener(listener)))
            {
                final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
                final CreateTableEncoder create = new CreateTableEncoder()
                    .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder()).correlationId(1).name("kv");
                offer(client, buffer, MessageHeaderEncoder.ENCODED_LENGTH + create.encodedLength());
                awaitReply(client, lastCorrelation, 1);
                assertEquals(ControlAckDecoder.TEMPLATE_ID, lastTemplate[0]);

                final CommitRequestEncoder commit = new CommitRequestEncoder()
                    .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
                    .correlationId(2).txnId(99).catalogVersion(0).snapshotEpoch(0);
                commit.readsCount(0);
                commit.rangesCount(0);
                commit.writesCount(1).next().op(WriteOp.PUT).table("kv")
                    .putKey("hello".getBytes(UTF_8), 0, 5).putValue("world".getBytes(UTF_8), 0, 5);
                offer(client, buffer, MessageHeaderEncoder.ENCODED_LENGTH + commit.encodedLength());
                awaitReply(client, lastCorrelation, 2);
                assertEquals(CommitResultsDecoder.TEMPLATE_ID, lastTemplate[0]);
                assertEquals(CommitOutcome.COMMITTED, outcome[0]);

                cluster.awaitApplied(1, Duration.ofSeconds(30));
                for (final StardustMember m : cluster.members())
                {
                    assertArrayEquals("world".getBytes(UTF_8), m.storage().latest(0, "hello".getBytes(UTF_8)).value(),
                        "member " + m.memberId());
                    assertEquals(cluster.member(0).service().digestAt(1), m.service().digestAt(1));
                }
            }
        }
    }

    private static void offer(final AeronCluster client, final DirectBuffer buffer, final int length)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (client.offer(buffer, 0, length) < 0)
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("could not offer to the cluster");
            }
            client.pollEgress();
        }
    }

    private static void awaitReply(final AeronCluster client, final long[] lastCorrelation, final long expected)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (lastCorrelation[0] != expected)
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("no reply for correlation " + expected);
            }
            if (client.pollEgress() == 0)
            {
                Thread.onSpinWait();
            }
        }
    }
}
