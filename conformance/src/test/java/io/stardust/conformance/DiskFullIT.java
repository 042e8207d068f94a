package io.stardust.conformance;

import io.stardust.client.StardustClient;
import io.stardust.test.Await;
import io.stardust.test.ProcessCluster;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member whose disk fills up under load stops with a clear reason before a write fails half way; the others
 * carry on, and once space is freed it starts again on its own files and catches up, with every acknowledged commit
 * present once and equal digests. The member's data directory is a small tmpfs of its own, so this needs the right
 * to mount one (root in a container that allows it); elsewhere the test is skipped and says why.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DiskFullIT
{
    private static final int FLOOR_MB = 32;

    @Test
    void shouldStopAMemberWhoseDiskFillsAndLoseNothing() throws Exception
    {
        // The member's 500 ms watch or storage's check before an epoch's writes, whichever sees it first.
        fill(FLOOR_MB, java.util.Set.of(3), "disk nearly full: ");
    }

    /**
     * With the floor turned off the disk really fills. A memory-mapped file that cannot grow then faults the thread
     * writing it; the member stops (exit code 4), saying the disk is full: at once, as if killed with -9, when an
     * Aeron thread dies, or when the fault hits an epoch's write, as a replica that cannot finish an epoch. On a busy
     * machine the member may still be catching up when the disk fills: then its archive refuses to start recording
     * below its own free-space floor first, and the member stops with exit code 3, disk nearly full. Either way it
     * says the disk is full and loses nothing.
     */
    @Test
    void shouldStopAMemberWhoseWriteFailsOnAFullDiskAndLoseNothing() throws Exception
    {
        fill(0, java.util.Set.of(4, 3), ": the disk is full|disk nearly full: ");
    }

    private static void fill(final int floorMb, final java.util.Set<Integer> exitCodes, final String expected)
        throws Exception
    {
        try (ProcessCluster cluster = new ProcessCluster(3).withStartOptions("--min-free-disk-mb=" + floorMb))
        {
            final int victim = 2;
            final File dataDir = cluster.dataDir(victim);
            assertTrue(dataDir.mkdirs() || dataDir.isDirectory(), "created " + dataDir);
            final String mountError = run("mount", "-t", "tmpfs", "-o", "size=200m", "tmpfs", dataDir.getPath());
            Assumptions.assumeTrue(mountError == null, () -> "cannot mount a tmpfs for the full disk: " + mountError);
            try
            {
                exercise(cluster, victim, dataDir, floorMb, exitCodes, expected);
            }
            finally
            {
                if (cluster.exitCode(victim) == null)
                {
                    cluster.kill(victim);
                }
                run("umount", "-l", dataDir.getPath());
            }
        }
    }

    private static void exercise(final ProcessCluster cluster, final int victim, final File dataDir, final int floorMb,
        final java.util.Set<Integer> exitCodes, final String expected) throws Exception
    {
        cluster.startAll(true);
        final Set<String> acknowledged = new HashSet<>();
        try (StardustClient client = cluster.connect((config) -> config))
        {
            client.createTable("acked").get(60, TimeUnit.SECONDS);
            final File filler = new File(dataDir, "filler");
            try (AckedWrites load = new AckedWrites(client, "acked", "k"))
            {
                load.awaitMore(300, "before the disk fills");
                // Leave 1 MiB above the member's floor: the load's log records use it up.
                try (RandomAccessFile raf = new RandomAccessFile(filler, "rw"))
                {
                    final long fill = dataDir.getUsableSpace() - ((floorMb + 1L) << 20);
                    final byte[] block = new byte[1 << 20];
                    for (long written = 0; written < fill; written += block.length)
                    {
                        raf.write(block, 0, (int)Math.min(block.length, fill - written));
                    }
                }
                Await.until(() -> "member " + victim + " to stop on its full disk; its log:\n" + cluster.log(victim),
                    Duration.ofSeconds(120), () -> cluster.exitCode(victim) != null);
                assertTrue(exitCodes.contains(cluster.exitCode(victim)), "exit code " + cluster.exitCode(victim) +
                    " of the member that stopped on a full disk, expected one of " + exitCodes + "; its log:\n" +
                    cluster.log(victim));
                final String log = cluster.log(victim);
                assertTrue(java.util.Arrays.stream(expected.split("\\|")).anyMatch(log::contains),
                    "the member says the disk is full (" + expected + "):\n" + log);
                load.awaitMore(300, "with the full member stopped");

                assertTrue(filler.delete(), "freed " + filler);
                cluster.start(victim, false);
                load.awaitMore(300, "after the member restarted with room");
                acknowledged.addAll(load.acknowledged());
            }
            AckedWrites.assertAllPresentOnceAndDigestsEqual(client, cluster, "acked", acknowledged);
        }
    }

    /** @return null when the command succeeded, else what it printed. */
    private static String run(final String... command) throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? null : String.join(" ", command) + ": " + out.trim();
    }
}
