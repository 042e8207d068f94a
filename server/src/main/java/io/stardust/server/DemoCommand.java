package io.stardust.server;

import io.stardust.client.ClientConfig;
import io.stardust.client.DigestInfo;
import io.stardust.client.StardustClient;
import io.stardust.protocol.ClusterSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code stardust demo}: an embedded 3-member cluster, a bank workload, and a check that the replicas agree.
 */
@Command(name = "demo", description = "Start an embedded 3-member cluster, load accounts, run a read-modify-write " +
    "workload with a progress line, then print throughput, latency and whether the replicas' digests match.")
final class DemoCommand implements Callable<Integer>
{
    @Option(names = "--seconds", defaultValue = "10", description = "Workload duration (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--accounts", defaultValue = "10000", description = "Accounts to load (default ${DEFAULT-VALUE}).")
    int accounts;

    @Option(names = "--concurrency", defaultValue = "256",
        description = "Transactions in flight (default ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--transfers", defaultValue = "0.2",
        description = "Share of two-account transfers; the rest are single-key increments (default ${DEFAULT-VALUE}).")
    double transfers;

    @Option(names = "--workers", defaultValue = "1,2,2",
        description = "Scheduler workers of each member (default ${DEFAULT-VALUE}): outcomes must not depend on it.",
        split = ",")
    int[] workers;

    @Option(names = "--batch-window-us", defaultValue = "2000",
        description = "Initial batch window in microseconds (default ${DEFAULT-VALUE}).")
    long batchWindowMicros;

    @Option(names = "--base-port", defaultValue = "20000", description = "First of 30 UDP ports (default ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--seed", defaultValue = "1", description = "Workload seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception
    {
        final ClusterSpec spec = ClusterSpec.local("localhost", basePort, 3);
        final File dir = Files.createTempDirectory("stardust-demo-").toFile();
        System.out.println("Starting 3 members on " + spec + " (data in " + dir + ")");
        try (EmbeddedCluster cluster = EmbeddedCluster.start(spec, dir, (config) ->
        {
            config.workers(workers[Math.min(config.memberId(), workers.length - 1)]);
            config.sequencer().initialBatchWindowMicros(batchWindowMicros);
        }))
        {
            final long electionStart = System.nanoTime();
            cluster.awaitLeader(Duration.ofSeconds(60));
            System.out.printf("Leader elected in %.1fs%n", (System.nanoTime() - electionStart) / 1e9);
            try (StardustClient client = StardustClient.connect(new ClientConfig().clusterSpec(spec)))
            {
                final Workload workload = new Workload(client, "accounts", accounts, concurrency, transfers, seed);
                final long loadStart = System.nanoTime();
                workload.load();
                System.out.printf("Loaded %d accounts in %.1fs%n", accounts, (System.nanoTime() - loadStart) / 1e9);
                System.out.printf("Running %ds: %.0f%% single-key increments, %.0f%% transfers, %d in flight%n",
                    seconds, 100 * (1 - transfers), 100 * transfers, concurrency);
                final Workload.Result r = workload.run(Duration.ofSeconds(seconds), System.out::println);

                System.out.println();
                System.out.printf("commits     %d%n", r.commits());
                System.out.printf("aborts      %d (%.1f%% of attempts, conflicts retried by the application)%n",
                    r.aborts(), 100.0 * r.aborts() / Math.max(1, r.commits() + r.aborts()));
                System.out.printf("errors      %d%s%n", r.errors(),
                    r.firstError() == null ? "" : " (first: " + r.firstError() + ")");
                System.out.printf("throughput  %.0f commits/s%n", r.throughput());
                System.out.printf("latency     p50 %.2f ms, p99 %.2f ms, max %.2f ms (begin to commit reply)%n",
                    r.latencyNanos().getValueAtPercentile(50) / 1e6, r.latencyNanos().getValueAtPercentile(99) / 1e6,
                    r.latencyNanos().getMaxValue() / 1e6);

                final io.stardust.sequencer.StardustService leader = cluster.member(0).service();
                System.out.printf("batching    %.1f transactions per log message, %.1f per epoch (member 0)%n",
                    (double)leader.sequencedTransactions() / Math.max(1, leader.logMessages()),
                    (double)leader.sequencedTransactions() / Math.max(1, cluster.maxAppliedEpoch()));
                final long total = workload.totalBalance();
                final boolean invariant = total == workload.expectedTotal();
                System.out.printf("invariant   total balance %d, expected %d: %s%n", total, workload.expectedTotal(),
                    invariant ? "OK" : "VIOLATED");

                final long epoch = cluster.maxAppliedEpoch();
                cluster.awaitApplied(epoch, Duration.ofSeconds(30));
                final List<Long> digests = new ArrayList<>();
                for (final ClusterSpec.Member m : spec.members())
                {
                    final DigestInfo d = client.digest(m.id(), epoch).get(10, TimeUnit.SECONDS);
                    digests.add(d.found() ? d.digest() : null);
                }
                final boolean match = digests.get(0) != null && digests.stream().allMatch(digests.get(0)::equals);
                final StringBuilder line = new StringBuilder();
                for (int i = 0; i < digests.size(); i++)
                {
                    line.append(i == 0 ? "" : ", ").append("member ").append(i).append(" (")
                        .append(workers[Math.min(i, workers.length - 1)]).append(" workers) ")
                        .append(digests.get(i) == null ? "missing" : Long.toHexString(digests.get(i)));
                }
                System.out.printf("digests     epoch %d: %s: %s%n", epoch, line, match ? "MATCH" : "MISMATCH");
                final boolean sql = sql(spec);
                int memberErrors = 0;
                for (final StardustMember m : cluster.members())
                {
                    memberErrors += m.errors().size();
                }
                if (memberErrors > 0)
                {
                    System.out.println("members reported " + memberErrors + " error(s); see above");
                }
                return invariant && match && sql && r.errors() == 0 && memberErrors == 0 ? 0 : 1;
            }
        }
        finally
        {
            StardustMember.deleteTree(dir);
        }
    }

    /** A few SQL statements through the JDBC driver, as {@code stardust sql} shows them. */
    private static boolean sql(final ClusterSpec spec)
    {
        System.out.println();
        System.out.println("SQL through the JDBC driver (" + io.stardust.jdbc.StardustDriver.url(spec, "default") + ")");
        final List<String> statements = List.of(
            "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR(20) NOT NULL, total DECIMAL(10,2))",
            "CREATE INDEX orders_by_customer ON orders (customer)",
            "INSERT INTO orders VALUES (1, 'ann', 12.50), (2, 'bob', 7.25), (3, 'ann', 30.00)",
            "SELECT customer, COUNT(*) AS orders, SUM(total) AS total FROM orders GROUP BY customer ORDER BY customer",
            "EXPLAIN PLAN FOR SELECT id, total FROM orders WHERE customer = 'ann'");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(
            io.stardust.jdbc.StardustDriver.url(spec, "default")); java.sql.Statement s = c.createStatement())
        {
            for (final String sql : statements)
            {
                System.out.println("sql> " + sql + ";");
                if (s.execute(sql))
                {
                    try (java.sql.ResultSet rs = s.getResultSet())
                    {
                        SqlCommand.printTable(rs, System.out);
                    }
                }
                else
                {
                    System.out.println("ok" + (s.getUpdateCount() > 0 ? ", " + s.getUpdateCount() + " rows" : ""));
                }
            }
            return true;
        }
        catch (final java.sql.SQLException ex)
        {
            System.out.println("SQL failed: " + ex.getSQLState() + " " + SqlCommand.message(ex));
            return false;
        }
    }
}
