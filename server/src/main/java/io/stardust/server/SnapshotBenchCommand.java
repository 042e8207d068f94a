package io.stardust.server;

import io.stardust.client.ClientConfig;
import io.stardust.client.CommitInfo;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.protocol.ClusterSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code stardust bench-snapshot}: how long a snapshot stalls the cluster at a given number of rows, and how long a
 * member takes to restart from it.
 */
@Command(name = "bench-snapshot", description = "Load rows into an embedded 3-member cluster, take a snapshot while " +
    "a probe commits every 5 ms, and report the snapshot's duration, the probe's worst commit latency, and the " +
    "time a member takes to restart from the snapshot.")
final class SnapshotBenchCommand implements Callable<Integer>
{
    @Option(names = "--rows", defaultValue = "100000", description = "Rows to load (default ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--value-bytes", defaultValue = "100", description = "Value size (default ${DEFAULT-VALUE}).")
    int valueBytes;

    @Option(names = "--base-port", defaultValue = "20000", description = "First of 30 UDP ports (default ${DEFAULT-VALUE}).")
    int basePort;

    @Override
    public Integer call() throws Exception
    {
        final ClusterSpec spec = ClusterSpec.local("localhost", basePort, 3);
        final File dir = Files.createTempDirectory("stardust-snapshot-bench-").toFile();
        try (EmbeddedCluster cluster = EmbeddedCluster.start(spec, dir, (config) -> { }))
        {
            final StardustMember leader = cluster.awaitLeader(Duration.ofSeconds(60));
            try (StardustClient client = StardustClient.connect(new ClientConfig().clusterSpec(spec)
                .commitTimeout(Duration.ofSeconds(60))))
            {
                client.createTable("rows").join();
                final long loadStart = System.nanoTime();
                final byte[] value = new byte[valueBytes];
                final List<CompletableFuture<CommitInfo>> loads = new ArrayList<>();
                long last = 0;
                for (int start = 0; start < rows; start += 1000)
                {
                    final Transaction tx = client.begin();
                    for (int i = start; i < Math.min(rows, start + 1000); i++)
                    {
                        tx.put("rows", Workload.key(i), value);
                    }
                    loads.add(tx.commit());
                    if (loads.size() == 32)
                    {
                        for (final CompletableFuture<CommitInfo> f : loads)
                        {
                            last = Math.max(last, f.join().epoch());
                        }
                        loads.clear();
                    }
                }
                for (final CompletableFuture<CommitInfo> f : loads)
                {
                    last = Math.max(last, f.join().epoch());
                }
                cluster.awaitApplied(last, Duration.ofSeconds(120));
                System.out.printf("loaded %d rows of %d bytes in %.1f s%n", rows, valueBytes,
                    (System.nanoTime() - loadStart) / 1e9);

                final AtomicBoolean probing = new AtomicBoolean(true);
                final AtomicLong worstNs = new AtomicLong();
                final Thread probe = new Thread(() ->
                {
                    long n = 0;
                    while (probing.get())
                    {
                        final long t0 = System.nanoTime();
                        final Transaction tx = client.begin();
                        tx.put("rows", ("probe" + (n++ % 100)).getBytes(), value);
                        tx.commitSync();
                        worstNs.accumulateAndGet(System.nanoTime() - t0, Math::max);
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                    }
                }, "probe");
                probe.start();
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                final long baselineWorst = worstNs.getAndSet(0);

                final long before = leader.snapshotCount();
                final long snapshotStart = System.nanoTime();
                while (!leader.requestSnapshot())
                {
                    LockSupport.parkNanos(1_000_000);
                }
                while (leader.snapshotCount() == before)
                {
                    LockSupport.parkNanos(1_000_000);
                }
                final double snapshotSeconds = (System.nanoTime() - snapshotStart) / 1e9;
                final long snapshotWorst = worstNs.get();
                // Keep probing while the members' background threads copy the rows: that copy shares the CPU.
                for (final StardustMember m : cluster.members())
                {
                    m.service().awaitCheckpoint();
                }
                final double copySeconds = (System.nanoTime() - snapshotStart) / 1e9;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
                probing.set(false);
                probe.join();
                System.out.printf("snapshot of %d rows: %.3f s; probe worst commit latency %s during it " +
                    "(%.1f ms in the second before)%n", rows, snapshotSeconds, snapshotWorst == 0 ?
                    "(none finished)" : String.format("%.1f ms", snapshotWorst / 1e6), baselineWorst / 1e6);
                System.out.printf("  of which the leader's service wrote %.1f MB of snapshot in %.3f s%n",
                    leader.service().lastSnapshotBytes() / 1e6, leader.service().lastSnapshotNanos() / 1e9);
                if (leader.service().lastCheckpointRows() > 0)
                {
                    System.out.printf("  then background threads wrote the %d rows to checkpoint files (leader: " +
                        "%.3f s); all done %.3f s after the request; probe worst commit latency until then " +
                        "%.1f ms%n", leader.service().lastCheckpointRows(), leader.service().lastCheckpointNanos() / 1e9,
                        copySeconds, worstNs.get() / 1e6);
                }

                final int follower = (leader.memberId() + 1) % 3;
                cluster.stopMember(follower);
                final long restartStart = System.nanoTime();
                final StardustMember back = cluster.restartMember(follower);
                final long target = leader.storage().appliedEpoch();
                while (back.storage().appliedEpoch() < target)
                {
                    LockSupport.parkNanos(1_000_000);
                }
                System.out.printf("restart of a member with %d rows (snapshot + log): %.1f s to reach epoch %d%n",
                    rows, (System.nanoTime() - restartStart) / 1e9, target);
                return back.service().restoredEpoch() > 0 ? 0 : 1;
            }
        }
        finally
        {
            StardustMember.deleteTree(dir);
        }
    }
}
