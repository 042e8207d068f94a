package io.stardust.conformance;

import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.test.DiskUsage;
import io.stardust.test.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bounded disk under load: 30 minutes ({@code -Dstardust.soak.disk.minutes=N}) of writes over a fixed key space on a
 * 3-process cluster that takes a snapshot every minute. Every member's data directory is measured each minute (blocks
 * allocated, as {@code du} counts); the log behind the second-newest snapshot is purged, so the last third of the run
 * must hold no more than the middle third's peak plus two segments. Runs with {@code make soak}.
 */
@EnabledIfSystemProperty(named = "stardust.soak", matches = "true")
class DiskBoundSoakIT
{
    private static final long MINUTES = Long.getLong("stardust.soak.disk.minutes", 30);
    private static final int SEGMENT_MB = 16;
    private static final int KEYS = 50_000;
    private static final int RATE = 2_000;

    @Test
    void shouldKeepDiskBoundedUnderLoadWithASnapshotEveryMinute() throws Exception
    {
        try (ProcessCluster cluster = new ProcessCluster(3).withStartOptions("--snapshot-interval-seconds=60",
            "--archive-segment-mb=" + SEGMENT_MB).startAll(true);
            StardustClient client = cluster.connect((config) -> config.commitTimeout(Duration.ofSeconds(30))))
        {
            client.createTable("kv").get(60, TimeUnit.SECONDS);
            final AtomicLong committed = new AtomicLong();
            final Semaphore inFlight = new Semaphore(64);
            final SplittableRandom random = new SplittableRandom(42);
            final byte[] value = new byte[1024];
            final List<long[]> samples = new ArrayList<>();
            final long start = System.nanoTime();
            final long end = start + TimeUnit.MINUTES.toNanos(MINUTES);
            long nextSample = start;
            long sent = 0;
            while (System.nanoTime() < end)
            {
                final long now = System.nanoTime();
                if (now >= nextSample)
                {
                    final long[] sample = disk(cluster);
                    samples.add(sample);
                    System.out.printf("minute %2d: %,d commits; bytes on disk per member %,d %,d %,d%n",
                        samples.size() - 1, committed.get(), sample[0], sample[1], sample[2]);
                    nextSample += TimeUnit.MINUTES.toNanos(1);
                }
                // Open loop at RATE commits a second, at most 64 in flight.
                final long due = start + sent * 1_000_000_000L / RATE;
                if (now < due)
                {
                    TimeUnit.NANOSECONDS.sleep(Math.min(due - now, 1_000_000));
                    continue;
                }
                inFlight.acquire();
                value[0] = (byte)sent;
                final Transaction tx = client.begin();
                tx.put("kv", ("k" + random.nextInt(KEYS)).getBytes(), value);
                tx.commit().whenComplete((info, error) ->
                {
                    inFlight.release();
                    if (error == null)
                    {
                        committed.incrementAndGet();
                    }
                });
                sent++;
            }
            inFlight.acquire(64);
            samples.add(disk(cluster));
            System.out.printf("end: %,d commits of %,d sent; bytes on disk per member %,d %,d %,d%n", committed.get(),
                sent, samples.get(samples.size() - 1)[0], samples.get(samples.size() - 1)[1],
                samples.get(samples.size() - 1)[2]);
            assertTrue(committed.get() > sent * 9 / 10, "the cluster kept committing: " + committed + " of " + sent);
            final int third = samples.size() / 3;
            for (int m = 0; m < 3; m++)
            {
                long middlePeak = 0;
                long lastPeak = 0;
                for (int i = third; i < samples.size(); i++)
                {
                    if (i < 2 * third)
                    {
                        middlePeak = Math.max(middlePeak, samples.get(i)[m]);
                    }
                    else
                    {
                        lastPeak = Math.max(lastPeak, samples.get(i)[m]);
                    }
                }
                assertTrue(lastPeak <= middlePeak + 2L * SEGMENT_MB * 1024 * 1024, "member " + m + "'s disk kept " +
                    "growing: peak " + middlePeak + " bytes in the middle third, " + lastPeak + " in the last");
            }
            for (int m = 0; m < 3; m++)
            {
                assertTrue(cluster.isRunning(m), "member " + m + " runs");
            }
        }
    }

    /** @return bytes allocated under each member's data directory, as du counts them. */
    private static long[] disk(final ProcessCluster cluster)
    {
        final long[] bytes = new long[3];
        for (int m = 0; m < 3; m++)
        {
            bytes[m] = DiskUsage.allocatedBytes(cluster.dataDir(m));
        }
        return bytes;
    }
}
