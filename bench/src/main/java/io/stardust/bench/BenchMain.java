package io.stardust.bench;

import io.stardust.protocol.ClusterSpec;
import io.stardust.server.EchoBenchmark;
import io.stardust.server.StardustMember;
import io.stardust.test.Ports;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The end-to-end benchmark: the Aeron echo ceiling, then Stardust and each peer on the same workloads in one run,
 * then Stardust's batch-window sweep; prints the ratio table and writes JSON, markdown and PNG charts.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run the end-to-end benchmark: Stardust " +
    "and its peers (PostgreSQL, etcd) on YCSB A/B/C/F and bank transfers, in one run on this machine.")
public final class BenchMain implements Callable<Integer>
{
    @Option(names = "--full", description = "The long version: more workloads, client counts, contention levels " +
        "and batch windows, and longer runs.")
    boolean full;

    @Option(names = "--smoke", description = "A check that every part runs, not a measurement: 2,000 records, " +
        "one-second runs, one of each kind (make test runs it).")
    boolean smoke;

    @Option(names = "--workload", description = "Run only this workload (ycsb-a, ycsb-b, ycsb-c, ycsb-f or bank) " +
        "on each system, with --keys, --clients and --rate, instead of the standard set.")
    String workload;

    @Option(names = "--keys", defaultValue = "uniform", description = "Key distribution of a --workload run: " +
        "uniform, zipf (theta 0.99) or zipf:THETA (default ${DEFAULT-VALUE}).")
    String keys;

    @Option(names = "--rate", defaultValue = "0", description = "Open loop at this many transactions per second " +
        "(all clients together) in a --workload run; 0 for a closed loop (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--systems", split = ",",
        defaultValue = "stardust,stardust-replicated,stardust-oneshot,postgresql-sync,postgresql-async,etcd",
        description = "Systems to measure (default ${DEFAULT-VALUE}).")
    List<String> systems;

    @Option(names = "--peers-env", defaultValue = "/tmp/stardust-bench-peers/peers.env",
        description = "What scripts/bench/peers.sh wrote: where the peers listen (default ${DEFAULT-VALUE}).")
    File peersEnv;

    @Option(names = "--cluster", description = "A running Stardust cluster (id=host:port,...); default: start " +
        "three member processes here.")
    String cluster;

    @Option(names = "--records", description = "YCSB records (default 10,000; 100,000 with --full).")
    Long records;

    @Option(names = "--value-bytes", defaultValue = "100", description = "Bytes per record (default ${DEFAULT-VALUE}).")
    int valueBytes;

    @Option(names = "--accounts", defaultValue = "100",
        description = "Bank accounts in the standard bank run (default ${DEFAULT-VALUE}).")
    long accounts;

    @Option(names = "--clients", defaultValue = "64", description = "Client threads in the standard runs " +
        "(default ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--seconds", description = "Measured seconds per run (default 5; 20 with --full).")
    Integer seconds;

    @Option(names = "--warmup-seconds", description = "Unmeasured run before each measurement (default: 1 s; 10 s " +
        "for a --workload run, whose members start cold; 5 s with --full).")
    Double warmupSeconds;

    @Option(names = "--member-jvm-opts", description = "JVM options for the Stardust member processes started " +
        "here, space-separated (for example \"-XX:+UseZGC -Xmx1g\"; default: the launcher's collector, 512 MiB heap).")
    String memberJvmOptions;

    @Option(names = "--workers", defaultValue = "1", description = "Scheduler workers per Stardust member " +
        "(default ${DEFAULT-VALUE}, the member's own default: at the default epoch bound of 128 transactions a second " +
        "worker costs more in hand-offs than it saves; see ValidationBenchmark).")
    int workers;

    @Option(names = "--out", defaultValue = "bench/target/results", description = "Where results go " +
        "(default ${DEFAULT-VALUE}).")
    File out;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of every client's random choices.")
    long seed;

    @Option(names = "--skip-echo", description = "Do not measure the Aeron echo ceiling.")
    boolean skipEcho;

    /** Clients in the batch-window sweep's closed loop. */
    static final int SWEEP_CLIENTS = 128;
    /**
     * Clients in an open loop: a client has one transaction in flight, so a fixed rate needs enough of them that
     * a slow transaction delays its own client's schedule rarely.
     */
    static final int OPEN_LOOP_CLIENTS = 256;

    private final Runner runner = new Runner(System.console() != null || Boolean.getBoolean("bench.progress") ?
        System.err : null);

    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception
    {
        final long recordCount = records != null ? records : full ? 100_000 : smoke ? 2_000 : 10_000;
        final int measureSeconds = seconds != null ? seconds : full ? 20 : smoke ? 1 : 4;
        final long warmupMs = warmupSeconds != null ? Math.round(warmupSeconds * 1000) : full ? 5_000 : smoke ? 500 :
            workload != null ? 10_000 : 1_000;
        // Bad names fail here, before anything starts.
        final Workload only = workload == null ? null : Workload.parse(workload);
        if (only != null)
        {
            KeyChooser.parse(keys, 2);
        }
        final Report report = new Report(LocalDate.now().toString(), "bench " + String.join(" ", args()));
        report.clients(clients);
        final Map<String, String> env = readEnv(peersEnv);

        if (!skipEcho)
        {
            echo(report, measureSeconds);
        }
        for (final String system : systems)
        {
            final Target target;
            try
            {
                target = open(system, env, recordCount);
            }
            catch (final Exception ex)
            {
                final String why = ex.getMessage() == null ? ex.toString() : ex.getMessage();
                System.out.printf("%-18s not measured: %s%n", system, why);
                report.skip(system, why);
                continue;
            }
            try (target)
            {
                report.durability(target.name(), target.durability());
                System.out.printf("%-18s loading %,d records and %,d accounts...%n", system, recordCount, accounts);
                target.load(recordCount, valueBytes, Math.max(accounts, 1_000), 1_000);
                if (only != null)
                {
                    run(target, report, only, KeyChooser.parse(keys, only == Workload.BANK ? accounts : recordCount),
                        clients, rate, warmupMs, measureSeconds * 1000L, accounts);
                }
                else
                {
                    measure(target, report, recordCount, warmupMs, measureSeconds * 1000L);
                }
            }
        }
        report.write(out);
        System.out.println();
        System.out.println(report.ratioTable());
        System.out.println(report.goals());
        System.out.println("Full report: " + new File(out, "report.md") + " (JSON: results.json, charts: *.png)");
        return 0;
    }

    private String[] args()
    {
        final List<String> a = new ArrayList<>();
        if (full || smoke)
        {
            a.add(full ? "--full" : "--smoke");
        }
        if (workload != null)
        {
            a.add("--workload " + workload + " --keys " + keys + (rate > 0 ? " --rate " + rate : ""));
        }
        a.add("--clients " + clients);
        return a.toArray(new String[0]);
    }

    private void echo(final Report report, final int measureSeconds) throws Exception
    {
        final int bytes = EchoBenchmark.commitRecordBytes(StardustTarget.TABLE, Records.utf8(Records.key(0)),
            Records.value(valueBytes, 0));
        final File dir = Files.createTempDirectory("stardust-echo-").toFile();
        try
        {
            System.out.printf("%-18s 3 members, %d-byte messages, 256 in flight, %d s...%n", "echo ceiling", bytes,
                measureSeconds);
            final double rate = EchoBenchmark.run(ClusterSpec.local("localhost", Ports.freeBasePort(3), 3), dir,
                bytes, 256, Duration.ofSeconds(measureSeconds));
            System.out.printf("%-18s %,.0f messages/s%n", "echo ceiling", rate);
            report.echo(rate, bytes);
        }
        finally
        {
            StardustMember.deleteTree(dir);
        }
    }

    private Target open(final String system, final Map<String, String> env, final long recordCount)
    {
        return switch (system)
        {
            case "stardust", "stardust-replicated", "stardust-oneshot" -> new StardustTarget(cluster == null ? null :
                ClusterSpec.parse(cluster), recordCount, workers, !system.equals("stardust-replicated"),
                system.equals("stardust-oneshot"),
                memberJvmOptions == null || memberJvmOptions.isBlank() ? new String[0] :
                memberJvmOptions.trim().split("\\s+"));
            case "postgresql-sync", "postgresql-async" ->
            {
                requireOk(env, "PG_STATUS", "PostgreSQL");
                yield new PostgresTarget(env.get("PG_JDBC_URL"), env.getOrDefault("PG_USER", "bench"),
                    system.equals("postgresql-sync"), Long.parseLong(env.getOrDefault("PG_PID", "-1")));
            }
            case "etcd" ->
            {
                requireOk(env, "ETCD_STATUS", "etcd");
                final List<Long> pids = new ArrayList<>();
                for (final String pid : env.getOrDefault("ETCD_PIDS", "").split(","))
                {
                    if (!pid.isBlank())
                    {
                        pids.add(Long.parseLong(pid.trim()));
                    }
                }
                yield new EtcdTarget(env.get("ETCD_ENDPOINTS"), pids);
            }
            default -> throw new IllegalArgumentException("unknown system '" + system + "'; expected stardust, " +
                "stardust-replicated, stardust-oneshot, postgresql-sync, postgresql-async or etcd");
        };
    }

    private static void requireOk(final Map<String, String> env, final String key, final String what)
    {
        final String status = env.get(key);
        if (status == null)
        {
            throw new IllegalStateException(what + " was not started (no " + key + " in the peers file; run " +
                "scripts/bench/peers.sh start)");
        }
        if (!status.equals("ok"))
        {
            throw new IllegalStateException(what + " is " + status);
        }
    }

    /** The standard runs on one system. */
    private void measure(final Target target, final Report report, final long recordCount, final long warmupMs,
        final long measureMs) throws Exception
    {
        final KeyChooser uniform = KeyChooser.parse("uniform", recordCount);
        final KeyChooser zipf = KeyChooser.parse("zipf", recordCount);
        final List<Object[]> runs = new ArrayList<>();
        // One-shots change only read-modify-writes and transfers: YCSB-F and the bank are the runs that differ.
        final boolean oneShot = target.name().endsWith("-oneshot");
        final List<Workload> workloads = full && !oneShot ?
            List.of(Workload.YCSB_A, Workload.YCSB_B, Workload.YCSB_C, Workload.YCSB_F) : smoke || oneShot ?
            List.of(Workload.YCSB_F) : List.of(Workload.YCSB_A, Workload.YCSB_C, Workload.YCSB_F);
        for (final Workload w : workloads)
        {
            runs.add(new Object[] {w, uniform, clients});
            if (full || w == Workload.YCSB_F)
            {
                runs.add(new Object[] {w, zipf, clients});
            }
        }
        // Warm the system (and this JVM's client code) up before anything is recorded.
        // A one-shot system measures YCSB-F first, where the others have run YCSB-A and C (about 10 s) before it:
        // warm it up as long, or its first run measures a cold cluster (2,852 against 11,233 txn/s warm).
        runner.run(target, new Runner.Plan(Workload.YCSB_F, uniform, clients, 0, 0,
            oneShot ? Math.max(warmupMs * 2, 10_000) : warmupMs * 2, valueBytes, accounts, seed),
            target.name() + " warm-up", 0);
        Result peak = null;
        for (final Object[] run : runs)
        {
            final Result r = run(target, report, (Workload)run[0], (KeyChooser)run[1], (Integer)run[2], 0, warmupMs,
                measureMs, accounts);
            if (run[0] == Workload.YCSB_F && run[1] == uniform)
            {
                peak = r;
            }
        }
        // Throughput against clients.
        for (final int k : oneShot ? new int[0] : full ? new int[] {1, 8, 32, 64, 128, 256, 512, 1024} :
            smoke ? new int[] {4} : new int[] {8, 256, 1024})
        {
            if (k != clients && k <= target.maxClients())
            {
                final Result r = run(target, report, Workload.YCSB_F, uniform, k, 0, warmupMs, measureMs, accounts);
                if (peak == null || r.throughput() > peak.throughput())
                {
                    peak = r;
                }
            }
        }
        // Contention: fewer accounts, more conflicts.
        for (final long n : full ? new long[] {10, 100, 1_000} : smoke ? new long[] {accounts} :
            new long[] {10, accounts})
        {
            run(target, report, Workload.BANK, KeyChooser.parse("uniform", n), clients, 0, warmupMs, measureMs, n);
        }
        final long total;
        try (Target.Session check = target.session())
        {
            total = check.totalBalance(Math.max(accounts, 1_000));
        }
        if (total != Math.max(accounts, 1_000) * 1_000)
        {
            throw new IllegalStateException(target.name() + ": the bank's total is " + total + " after the runs, " +
                "not " + Math.max(accounts, 1_000) * 1_000);
        }
        // Open loop at half the peak: the latency a system gives when it is not saturated.
        if (peak != null && !oneShot)
        {
            run(target, report, Workload.YCSB_F, uniform, OPEN_LOOP_CLIENTS, peak.throughput() / 2, warmupMs,
                measureMs, accounts);
        }
        if (target.name().equals("stardust") && peak != null)
        {
            batchWindowSweep(target, report, uniform, warmupMs, measureMs, peak.throughput() / 2);
        }
    }

    /**
     * Throughput (closed loop, 128 clients, so the window rather than the client count bounds it), and p99 and CPU
     * per transaction at a fixed offered load (open loop at {@code rate}), for each batch window.
     */
    private void batchWindowSweep(final Target target, final Report report, final KeyChooser uniform,
        final long warmupMs, final long measureMs, final double rate) throws Exception
    {
        final long[] windows = full ? new long[] {500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000} : smoke ?
            new long[] {5_000} : new long[] {500, 2_000, 20_000};
        for (final long us : windows)
        {
            target.batchWindow(us);
            run(target, report, Workload.YCSB_F, uniform, SWEEP_CLIENTS, 0, Math.min(warmupMs, 2_000), measureMs,
                accounts, us);
            run(target, report, Workload.YCSB_F, uniform, OPEN_LOOP_CLIENTS, rate, Math.min(warmupMs, 2_000),
                measureMs, accounts, us);
        }
        target.batchWindow(2_000);
    }

    private Result run(final Target target, final Report report, final Workload w, final KeyChooser keys,
        final int k, final double rate, final long warmupMs, final long measureMs, final long accountCount)
        throws Exception
    {
        return run(target, report, w, keys, k, rate, warmupMs, measureMs, accountCount, 0);
    }

    private Result run(final Target target, final Report report, final Workload w, final KeyChooser keys,
        final int k, final double rate, final long warmupMs, final long measureMs, final long accountCount,
        final long batchWindowUs) throws Exception
    {
        final String label = String.format("%s %s %s%s %d clients%s%s", target.name(), w.label(), keys.name(),
            w == Workload.BANK ? " accounts=" + accountCount : "", k, rate > 0 ? String.format(" at %,.0f/s", rate) :
            "", batchWindowUs > 0 ? " window " + batchWindowUs + " us" : "");
        final Result raw = runner.run(target, new Runner.Plan(w, keys, k, rate, warmupMs, measureMs, valueBytes,
            accountCount, seed), label, batchWindowUs);
        final Result r = w == Workload.BANK ? new Result(raw.system(), raw.workload(), raw.distribution() +
            " accounts=" + accountCount, raw.clients(), raw.targetRate(), raw.batchWindowUs(), raw.seconds(),
            raw.committed(), raw.aborts(), raw.errors(), raw.latency(), raw.serverCpuNanos()) : raw;
        report.add(r);
        System.out.printf("%-60s %,10.0f txn/s  p50 %6.2f  p99 %7.2f ms  aborts %5.1f%%  errors %d  CPU-s/1000 %s%n",
            label, r.throughput(), r.latencyMs(50), r.latencyMs(99), r.abortRate() * 100, r.errors(),
            Double.isNaN(r.cpuSecondsPer1000()) ? "n/a" : String.format("%.3f", r.cpuSecondsPer1000()));
        return r;
    }

    /** @return the KEY=VALUE lines of a shell-sourceable file (quotes stripped); empty when there is none. */
    static Map<String, String> readEnv(final File file) throws java.io.IOException
    {
        final Map<String, String> env = new LinkedHashMap<>();
        if (!file.isFile())
        {
            return env;
        }
        for (final String line : Files.readAllLines(file.toPath()))
        {
            final int eq = line.indexOf('=');
            if (line.isBlank() || line.startsWith("#") || eq <= 0)
            {
                continue;
            }
            String value = line.substring(eq + 1).trim();
            if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") ||
                value.startsWith("'") && value.endsWith("'")))
            {
                value = value.substring(1, value.length() - 1);
            }
            env.put(line.substring(0, eq).trim(), value);
        }
        return env;
    }
}
