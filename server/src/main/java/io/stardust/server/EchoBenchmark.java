package io.stardust.server;

import io.aeron.cluster.client.AeronCluster;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.stardust.protocol.ClusterSpec;
import io.stardust.protocol.AdaptiveIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Measures the raw Aeron Cluster echo rate: a 3-member cluster set up exactly like Stardust's, running
 * {@link EchoService}, and one client keeping {@code window} messages of {@code size} bytes in flight.
 */
public final class EchoBenchmark
{
    private EchoBenchmark()
    {
    }

    /**
     * @param table a table name.
     * @param key   the key read and written.
     * @param value the value written.
     * @return bytes of the commit record (header included) of a transaction that read {@code key} and wrote
     * {@code value} to it: the message size at which the echo ceiling compares with a read-modify-write.
     */
    public static int commitRecordBytes(final String table, final byte[] key, final byte[] value)
    {
        final io.stardust.protocol.codecs.CommitRequestEncoder encoder =
            new io.stardust.protocol.codecs.CommitRequestEncoder().wrapAndApplyHeader(
                new org.agrona.ExpandableArrayBuffer(), 0, new io.stardust.protocol.codecs.MessageHeaderEncoder());
        encoder.correlationId(1).txnId(1).catalogVersion(0).snapshotEpoch(1);
        encoder.readsCount(1).next().versionEpoch(1).versionIndex(0).table(table).putKey(key, 0, key.length);
        encoder.rangesCount(0);
        encoder.writesCount(1).next().op(io.stardust.protocol.codecs.WriteOp.PUT).table(table)
            .putKey(key, 0, key.length).putValue(value, 0, value.length);
        return io.stardust.protocol.codecs.MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    /**
     * @param spec     where the members listen.
     * @param dir      data directory (erased).
     * @param size     message size in bytes (at least 8).
     * @param window   messages in flight.
     * @param duration how long to measure (after a 2 s warm-up).
     * @return echoed messages per second.
     */
    public static double run(
        final ClusterSpec spec, final File dir, final int size, final int window, final Duration duration)
        throws Exception
    {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(spec, dir, null, (id) -> new EchoService());
            MediaDriver driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(AdaptiveIdleStrategy.withQuietPark(4_000_000))
                .dirDeleteOnShutdown(true)))
        {
            cluster.awaitLeader(Duration.ofSeconds(60));
            final long[] received = {0};
            try (AeronCluster client = AeronCluster.connect(new AeronCluster.Context()
                .aeronDirectoryName(driver.aeronDirectoryName())
                .ingressChannel("aeron:udp")
                .ingressEndpoints(spec.ingressEndpoints())
                .egressChannel("aeron:udp?endpoint=localhost:0")
                .egressListener((sessionId, timestamp, buffer, offset, length, header) -> received[0]++)))
            {
                final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.max(8, size)));
                final IdleStrategy idle = AdaptiveIdleStrategy.withQuietPark(4_000_000);
                long sent = 0;
                final long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                long measureStart = 0;
                long receivedAtStart = 0;
                long end = Long.MAX_VALUE;
                while (System.nanoTime() < end)
                {
                    if (measureStart == 0 && System.nanoTime() >= warmupEnd)
                    {
                        measureStart = System.nanoTime();
                        receivedAtStart = received[0];
                        end = measureStart + duration.toNanos();
                    }
                    int work = client.pollEgress();
                    while (sent - received[0] < window)
                    {
                        message.putLong(0, sent);
                        if (client.offer(message, 0, message.capacity()) < 0)
                        {
                            break;
                        }
                        sent++;
                        work++;
                    }
                    idle.idle(work);
                }
                return (received[0] - receivedAtStart) / ((System.nanoTime() - measureStart) / 1e9);
            }
        }
    }
}
