package io.stardust.bench;

import io.stardust.jdbc.StardustDriver;
import io.stardust.test.ProcessCluster;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code bin/bench sql}: SQL through JDBC, Stardust (three member processes started here, through its JDBC driver to
 * one member's gateway) beside PostgreSQL (through its own JDBC driver, the server scripts/bench/peers.sh started), in
 * one run: a prepared primary-key SELECT and a single-row UPDATE (autocommit), closed loop, each at 1 client and at
 * several. Reports throughput and latency, and the ratios between the two.
 */
@Command(name = "sql", mixinStandardHelpOptions = true,
    description = "Prepared primary-key SELECT and single-row UPDATE through JDBC: Stardust beside PostgreSQL.")
public final class SqlBench implements Callable<Integer>
{
    @Option(names = "--rows", defaultValue = "10000", description = "Rows in the table (default ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--seconds", defaultValue = "10", description = "Seconds per measurement (${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--clients", defaultValue = "1,16", split = ",",
        description = "Client threads, each with its own connection (${DEFAULT-VALUE}).")
    List<Integer> clients;

    @Option(names = "--peers-env", defaultValue = "/tmp/stardust-bench-peers/peers.env",
        description = "What scripts/bench/peers.sh started (${DEFAULT-VALUE}).")
    File peersEnv;

    @Option(names = "--out", defaultValue = "bench/target/results/sql.md", description = "Report (${DEFAULT-VALUE}).")
    File out;

    /** One measurement. */
    record Row(String system, String workload, int clients, double opsPerSecond, double p50Micros, double p99Micros,
        long errors)
    {
    }

    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new SqlBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception
    {
        final Map<String, String> env = BenchMain.readEnv(peersEnv);
        final Map<String, String> urls = new LinkedHashMap<>();
        final List<Row> results = new ArrayList<>();
        try (ProcessCluster cluster = new ProcessCluster(3))
        {
            cluster.startAll(true);
            urls.put("stardust", StardustDriver.url(cluster.spec(), "default"));
            if ("ok".equals(env.get("PG_STATUS")))
            {
                urls.put("postgresql", env.get("PG_JDBC_URL") + (env.get("PG_JDBC_URL").contains("?") ? "&" : "?") +
                    "user=" + env.getOrDefault("PG_USER", "bench"));
            }
            else
            {
                System.out.println("PostgreSQL is not available (" + env.getOrDefault("PG_STATUS", "no " + peersEnv) +
                    "): Stardust alone");
            }
            for (final Map.Entry<String, String> target : urls.entrySet())
            {
                load(target.getValue());
                for (final int n : clients)
                {
                    for (final String workload : List.of("select", "update"))
                    {
                        final Row r = measure(target.getKey(), target.getValue(), workload, n);
                        System.out.printf("%-10s %-6s %3d clients: %,10.0f ops/s  p50 %,8.0f us  p99 %,8.0f us  " +
                            "errors %d%n", r.system(), r.workload(), r.clients(), r.opsPerSecond(), r.p50Micros(),
                            r.p99Micros(), r.errors());
                        results.add(r);
                    }
                }
            }
        }
        report(results);
        return 0;
    }

    private void load(final String url) throws SQLException
    {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement())
        {
            s.execute("DROP TABLE IF EXISTS sqlbench");
            s.execute("CREATE TABLE sqlbench (id BIGINT PRIMARY KEY, v BIGINT NOT NULL, pad VARCHAR(100))");
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO sqlbench VALUES (?, ?, ?)"))
            {
                for (int i = 0; i < rows; i++)
                {
                    insert.setLong(1, i);
                    insert.setLong(2, 0);
                    insert.setString(3, "row " + i + " padding padding padding");
                    insert.addBatch();
                    if (i % 500 == 499 || i == rows - 1)
                    {
                        insert.executeBatch();
                        c.commit();
                    }
                }
            }
            c.setAutoCommit(true);
        }
    }

    private Row measure(final String system, final String url, final String workload, final int n)
        throws InterruptedException
    {
        final AtomicBoolean measuring = new AtomicBoolean();
        final AtomicBoolean stop = new AtomicBoolean();
        final Histogram[] histograms = new Histogram[n];
        final long[] ops = new long[n];
        final long[] errors = new long[n];
        final List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < n; t++)
        {
            final int id = t;
            histograms[t] = new Histogram(3_600_000_000L, 3);
            final Thread thread = new Thread(() -> loop(url, workload, id, measuring, stop, histograms[id], ops,
                errors), "sqlbench-" + t);
            threads.add(thread);
            thread.start();
        }
        Thread.sleep(Math.max(1_000, seconds * 200L)); // warm-up: plans cached, JIT, connections
        measuring.set(true);
        final long start = System.nanoTime();
        Thread.sleep(seconds * 1_000L);
        measuring.set(false);
        final double elapsed = (System.nanoTime() - start) / 1e9;
        stop.set(true);
        for (final Thread thread : threads)
        {
            thread.join();
        }
        final Histogram all = new Histogram(3_600_000_000L, 3);
        long total = 0;
        long failed = 0;
        for (int t = 0; t < n; t++)
        {
            all.add(histograms[t]);
            total += ops[t];
            failed += errors[t];
        }
        return new Row(system, workload, n, total / elapsed, all.getValueAtPercentile(50) / 1e3,
            all.getValueAtPercentile(99) / 1e3, failed);
    }

    private void loop(final String url, final String workload, final int id, final AtomicBoolean measuring,
        final AtomicBoolean stop, final Histogram histogram, final long[] ops, final long[] errors)
    {
        final SplittableRandom random = new SplittableRandom(id * 7919L + 1);
        try (Connection c = DriverManager.getConnection(url);
            PreparedStatement select = c.prepareStatement("SELECT v, pad FROM sqlbench WHERE id = ?");
            PreparedStatement update = c.prepareStatement("UPDATE sqlbench SET v = v + 1 WHERE id = ?"))
        {
            while (!stop.get())
            {
                final long key = random.nextInt(rows);
                final long t0 = System.nanoTime();
                try
                {
                    if (workload.equals("select"))
                    {
                        select.setLong(1, key);
                        try (ResultSet rs = select.executeQuery())
                        {
                            rs.next();
                        }
                    }
                    else
                    {
                        update.setLong(1, key);
                        update.executeUpdate();
                    }
                }
                catch (final SQLException ex)
                {
                    if (measuring.get())
                    {
                        errors[id]++;
                    }
                    continue;
                }
                if (measuring.get())
                {
                    histogram.recordValue(Math.max(1, System.nanoTime() - t0));
                    ops[id]++;
                }
            }
        }
        catch (final SQLException ex)
        {
            throw new IllegalStateException(url + ": " + ex.getMessage(), ex);
        }
    }

    private void report(final List<Row> results) throws java.io.IOException
    {
        final StringBuilder md = new StringBuilder();
        md.append("# SQL through JDBC: Stardust beside PostgreSQL (").append(LocalDate.now()).append(")\n\n");
        md.append("`bin/bench sql --rows ").append(rows).append(" --seconds ").append(seconds).append("`, ")
            .append(Runtime.getRuntime().availableProcessors()).append(" cores. Stardust: 3 member processes, ")
            .append("--durability fsync, the JDBC driver to one member's gateway. PostgreSQL 15: one server, its own ")
            .append("JDBC driver, default isolation, synchronous_commit on. Autocommit; a prepared statement per ")
            .append("client.\n\n");
        md.append("| system | workload | clients | ops/s | p50 us | p99 us | errors | ops/s vs PostgreSQL |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (final Row r : results)
        {
            String ratio = "";
            for (final Row p : results)
            {
                if (p.system().equals("postgresql") && !r.system().equals("postgresql") &&
                    p.workload().equals(r.workload()) && p.clients() == r.clients())
                {
                    ratio = String.format("%.2f", r.opsPerSecond() / p.opsPerSecond());
                }
            }
            md.append(String.format("| %s | %s | %d | %,.0f | %,.0f | %,.0f | %d | %s |%n", r.system(), r.workload(),
                r.clients(), r.opsPerSecond(), r.p50Micros(), r.p99Micros(), r.errors(), ratio));
        }
        out.getParentFile().mkdirs();
        Files.writeString(out.toPath(), md.toString());
        System.out.println("report: " + out);
    }
}
