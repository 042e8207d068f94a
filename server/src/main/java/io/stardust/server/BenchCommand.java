package io.stardust.server;

import io.stardust.client.ClientConfig;
import io.stardust.client.StardustClient;
import io.stardust.protocol.ClusterSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code stardust bench}: in one run, the raw Aeron Cluster echo rate at the size of a single-key
 * read-modify-write commit record, then Stardust's single-key read-modify-write throughput, and their ratio.
 */
@Command(name = "bench", description = "Measure the raw 3-member Aeron Cluster echo rate at the size of a commit " +
    "record, then Stardust's single-key read-modify-write throughput on the same machine, and print the ratio.")
final class BenchCommand implements Callable<Integer>
{
    @Option(names = "--seconds", defaultValue = "20", description = "Measured seconds per phase (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--accounts", defaultValue = "100000", description = "Keys (default ${DEFAULT-VALUE}).")
    int accounts;

    @Option(names = "--concurrency", defaultValue = "256",
        description = "Transactions (and echo messages) in flight (default ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--base-port", defaultValue = "20000", description = "First of 30 UDP ports (default ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--batch-window-us", defaultValue = "2000",
        description = "Batch window in microseconds (default ${DEFAULT-VALUE}).")
    long batchWindowMicros;

    @Option(names = "--epoch-max-transactions", defaultValue = "128",
        description = "Close an epoch early at this many transactions (default ${DEFAULT-VALUE}).")
    int epochMaxTransactions;

    @Option(names = "--skip-echo", description = "Only measure Stardust.")
    boolean skipEcho;

    @Override
    public Integer call() throws Exception
    {
        final ClusterSpec spec = ClusterSpec.local("localhost", basePort, 3);
        final int size = singleKeyCommitBytes();
        double echo = Double.NaN;
        if (!skipEcho)
        {
            final File echoDir = Files.createTempDirectory("stardust-echo-").toFile();
            try
            {
                System.out.printf("echo: 3 members, %d-byte messages, %d in flight, %d s...%n", size, concurrency,
                    seconds);
                echo = EchoBenchmark.run(spec, echoDir, size, concurrency, Duration.ofSeconds(seconds));
                System.out.printf("echo: %.0f messages/s%n", echo);
            }
            finally
            {
                StardustMember.deleteTree(echoDir);
            }
        }

        final File dir = Files.createTempDirectory("stardust-bench-").toFile();
        try (EmbeddedCluster cluster = EmbeddedCluster.start(
            spec, dir, (config) -> config.sequencer().initialBatchWindowMicros(batchWindowMicros)
                .initialEpochMaxTransactions(epochMaxTransactions)))
        {
            cluster.awaitLeader(Duration.ofSeconds(60));
            try (StardustClient client = StardustClient.connect(new ClientConfig().clusterSpec(spec)))
            {
                final Workload workload = new Workload(client, "accounts", accounts, concurrency, 0.0, 7);
                workload.load();
                // Warm up the JIT and Chronicle before measuring.
                workload.run(Duration.ofSeconds(3), null);
                System.out.printf("stardust: single-key read-modify-write, %d keys, %d in flight, %d s...%n",
                    accounts, concurrency, seconds);
                final long firstEpoch = cluster.member(0).storage().appliedEpoch();
                final Workload.Result r = workload.run(Duration.ofSeconds(seconds), null);
                final long epochs = cluster.member(0).storage().appliedEpoch() - firstEpoch;
                System.out.printf("stardust: %.0f commits/s, %d aborts (%.2f%%), p50 %.2f ms, p99 %.2f ms%n",
                    r.throughput(), r.aborts(), 100.0 * r.aborts() / Math.max(1, r.aborts() + r.commits()),
                    r.latencyNanos().getValueAtPercentile(50) / 1e6,
                    r.latencyNanos().getValueAtPercentile(99) / 1e6);
                System.out.printf("stardust: %d epochs, %.0f transactions per epoch; first read answered at p50 " +
                    "%.2f ms%n", epochs, (double)(r.commits() + r.aborts()) / Math.max(1, epochs),
                    r.firstReadNanos().getValueAtPercentile(50) / 1e6);
                if (!skipEcho)
                {
                    System.out.printf("ratio: stardust / echo = %.1f%%%n", 100 * r.throughput() / echo);
                }
                return r.errors() == 0 ? 0 : 1;
            }
        }
        finally
        {
            StardustMember.deleteTree(dir);
        }
    }

    /** @return bytes of the commit record of one single-key read-modify-write of the bench's workload. */
    static int singleKeyCommitBytes()
    {
        return EchoBenchmark.commitRecordBytes("accounts", Workload.key(0), Workload.encode(Workload.START_BALANCE));
    }
}
