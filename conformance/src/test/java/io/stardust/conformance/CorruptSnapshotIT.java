package io.stardust.conformance;

import io.aeron.cluster.RecordingLog;
import io.stardust.client.StardustClient;
import io.stardust.test.Await;
import io.stardust.test.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.RandomAccessFile;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member killed with SIGKILL whose latest snapshot is then damaged (bytes flipped in one member's archived
 * snapshot, another's row checkpoint file cut short) must say which file is damaged, start from the snapshot before it plus the log, and end
 * with every acknowledged commit, nothing applied twice, and the same digest as the others.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CorruptSnapshotIT
{
    @Test
    void shouldFallBackToTheOlderSnapshotWhenTheLatestIsCorruptOrItsRowsAreTruncated() throws Exception
    {
        try (ProcessCluster cluster = new ProcessCluster(3))
        {
            cluster.startAll(true);
            final Set<String> acknowledged = new HashSet<>();
            int flipped = -1;
            int cut = -1;
            try (StardustClient client = cluster.connect((config) -> config))
            {
                client.createTable("acked").get(60, TimeUnit.SECONDS);
                try (AckedWrites load = new AckedWrites(client, "acked", "k"))
                {
                    final int leader = cluster.leaderOf(client);
                    for (int snapshot = 0; snapshot < 2; snapshot++)
                    {
                        load.awaitMore(500, "before snapshot " + (snapshot + 1));
                        takeSnapshot(cluster, leader);
                    }
                    load.awaitMore(500, "after the snapshots");

                    flipped = (leader + 1) % 3;
                    cut = (leader + 2) % 3;
                    cluster.kill(flipped);
                    final File flippedFile = damageLatestServiceSnapshot(cluster, flipped, false);
                    load.awaitMore(300, "with a member down");
                    cluster.start(flipped, false);
                    awaitLog(cluster, flipped, flippedFile);
                    load.awaitMore(500, "after the first damaged member restarted");

                    cluster.kill(cut);
                    final File cutFile = damageLatestRows(cluster, cut);
                    load.awaitMore(300, "with the other member down");
                    cluster.start(cut, false);
                    awaitLog(cluster, cut, cutFile);
                    load.awaitMore(500, "after the second damaged member restarted");
                    acknowledged.addAll(load.acknowledged());
                }
                AckedWrites.assertAllPresentOnceAndDigestsEqual(client, cluster, "acked", acknowledged);
                for (final int member : new int[] {flipped, cut})
                {
                    assertTrue(cluster.log(member).contains("starting from the snapshot at log position"),
                        "member " + member + " said what it started from instead:\n" + cluster.log(member));
                }
            }
        }
    }

    static void takeSnapshot(final ProcessCluster cluster, final int leader)
    {
        final long[] before = new long[3];
        for (int m = 0; m < 3; m++)
        {
            before[m] = cluster.snapshotCount(m);
        }
        Await.until("snapshot request accepted", Duration.ofSeconds(10), () -> cluster.requestSnapshot(leader));
        Await.until("every member took the snapshot", Duration.ofSeconds(60), () ->
        {
            for (int m = 0; m < 3; m++)
            {
                if (cluster.snapshotCount(m) <= before[m])
                {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * Damage the archive file of member {@code id}'s latest service snapshot (the member must be down).
     *
     * @param truncate cut the file to half its recorded bytes; otherwise flip 64 bytes in the middle.
     * @return the damaged file.
     */
    static File damageLatestServiceSnapshot(final ProcessCluster cluster, final int id, final boolean truncate)
        throws Exception
    {
        final long recordingId;
        try (RecordingLog log = new RecordingLog(new File(cluster.dataDir(id), "cluster"), false))
        {
            final RecordingLog.Entry entry = log.getLatestSnapshot(0);
            assertTrue(entry != null, "member " + id + " has a service snapshot");
            recordingId = entry.recordingId;
        }
        final File[] segments = new File(cluster.dataDir(id), "archive").listFiles(
            (dir, name) -> name.startsWith(recordingId + "-") && name.endsWith(".rec"));
        assertTrue(segments != null && segments.length == 1, "one segment file for snapshot recording " + recordingId);
        final File file = segments[0];
        final long used = usedBytes(file);
        assertTrue(used > 4096, "snapshot file " + file + " holds " + used + " bytes");
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw"))
        {
            if (truncate)
            {
                raf.setLength(used / 2);
            }
            else
            {
                final byte[] bytes = new byte[64];
                raf.seek(used / 2);
                raf.readFully(bytes);
                for (int i = 0; i < bytes.length; i++)
                {
                    bytes[i] = (byte)~bytes[i];
                }
                raf.seek(used / 2);
                raf.write(bytes);
            }
        }
        return file;
    }

    /**
     * Cut member {@code id}'s newest row checkpoint (the rows of its latest snapshot, written beside the archive) to
     * half its length (the member must be down).
     *
     * @return the damaged file.
     */
    static File damageLatestRows(final ProcessCluster cluster, final int id) throws Exception
    {
        final File[] rows = new File(cluster.dataDir(id), "checkpoints").listFiles(
            (dir, name) -> name.startsWith("rows-") && name.endsWith(".rows"));
        assertTrue(rows != null && rows.length > 0, "member " + id + " has row checkpoints");
        java.util.Arrays.sort(rows);
        final File file = rows[rows.length - 1];
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw"))
        {
            raf.setLength(raf.length() / 2);
        }
        return file;
    }

    /** @return bytes up to the last non-zero one (segment files are sized ahead of what is recorded). */
    private static long usedBytes(final File file) throws Exception
    {
        try (RandomAccessFile raf = new RandomAccessFile(file, "r"))
        {
            final byte[] block = new byte[64 * 1024];
            long used = 0;
            for (long at = 0; at < raf.length(); at += block.length)
            {
                raf.seek(at);
                final int n = raf.read(block);
                for (int i = n - 1; i >= 0; i--)
                {
                    if (block[i] != 0)
                    {
                        used = at + i + 1;
                        break;
                    }
                }
            }
            return used;
        }
    }

    static void awaitLog(final ProcessCluster cluster, final int id, final File damaged)
    {
        Await.until(() -> "member " + id + " to report its damaged snapshot " + damaged + "; its log:\n" +
            cluster.log(id), Duration.ofSeconds(60), () -> cluster.log(id).contains("is damaged") &&
            cluster.log(id).contains(damaged.getPath()));
    }
}
