package io.stardust.bench;

import io.stardust.client.ClientConfig;
import io.stardust.client.MemberStatus;
import io.stardust.client.StardustClient;
import io.stardust.resourcectl.BudgetSpec;
import io.stardust.resourcectl.Chart;
import io.stardust.resourcectl.ClientPlant;
import io.stardust.resourcectl.ClusterPlant;
import io.stardust.resourcectl.ControlState;
import io.stardust.resourcectl.ControllerConfig;
import io.stardust.resourcectl.LiveController;
import io.stardust.resourcectl.OvershootLedger;
import io.stardust.resourcectl.PowerModel;
import io.stardust.resourcectl.TenantPlacement;
import io.stardust.test.ProcessCluster;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.awt.Color;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Workload movement, live: three member processes in three datacenters, four databases (three busy, one idle), a
 * budget per datacenter, and the resource controller with tenant placement on. Midway dc1's budget drops near its idle
 * power: the controller holds dc1's member down and moves dc1's busy database to the datacenter with the most
 * headroom; when dc1's budget comes back, the database comes home. The idle database is parked where capacity is
 * scarcest. Draws each datacenter's budget, modelled power and reads served over time, and prints the budget metrics.
 */
@Command(name = "bench tenant-scenario", mixinStandardHelpOptions = true,
    description = "The controller moving databases between three datacenters as one datacenter's budget drops.")
public final class TenantScenario implements java.util.concurrent.Callable<Integer>
{
    @Option(names = "--seconds", defaultValue = "150", description = "The run's length (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--period-ms", defaultValue = "1000", description = "Control period (default ${DEFAULT-VALUE}).")
    long periodMs;

    @Option(names = "--rate", defaultValue = "150",
        description = "Reads per second each busy database's client makes; a tenth as many writes " +
            "(default ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--out", defaultValue = "bench/target/results", description = "Where results go.")
    File out;

    private static final List<String> DATACENTERS = List.of("dc1", "dc2", "dc3");
    /** Busy databases, each at home in one datacenter; "archive" is idle. */
    private static final Map<String, String> HOMES = Map.of("shop", "dc1", "blog", "dc2", "crm", "dc3",
        "archive", "dc2");
    private static final List<String> BUSY = List.of("shop", "blog", "crm");
    private static final int KEYS = 500;
    private static final PowerModel MEMBER = PowerModel.defaults(2);

    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new TenantScenario()).execute(args));
    }

    /** Records what the controller's plant sees, per member, each period. */
    private static final class Recording implements ClusterPlant
    {
        final ClientPlant plant;
        final double[] cores = new double[DATACENTERS.size()];

        Recording(final ClientPlant plant)
        {
            this.plant = plant;
        }

        @Override
        public List<MemberSample> sample()
        {
            final List<MemberSample> samples = plant.sample();
            for (final MemberSample s : samples)
            {
                cores[s.memberId()] = s.cores();
            }
            return samples;
        }

        @Override
        public String apply(final double[] capacity)
        {
            return plant.apply(capacity);
        }

        @Override
        public List<io.stardust.resourcectl.TenantPlacement.Tenant> tenants()
        {
            return plant.tenants();
        }

        @Override
        public String move(final String database, final String datacenter)
        {
            moves.add(String.format(Locale.ROOT, "%s -> %s", database, datacenter));
            return plant.move(database, datacenter);
        }

        final List<String> moves = new ArrayList<>();
    }

    @Override
    public Integer call() throws Exception
    {
        Files.createDirectories(out.toPath());
        try (ProcessCluster cluster = new ProcessCluster(3).withDatacenters(DATACENTERS.toArray(String[]::new)))
        {
            cluster.startAll(true);
            try (StardustClient admin = cluster.connect((c) -> c))
            {
                cluster.leaderOf(admin);
                for (final Map.Entry<String, String> db : new java.util.TreeMap<>(HOMES).entrySet())
                {
                    admin.createDatabase(db.getKey(), "owner_" + db.getKey(), null, db.getValue())
                        .get(60, TimeUnit.SECONDS);
                }
                final List<StardustClient> clients = new ArrayList<>();
                final AtomicBoolean running = new AtomicBoolean(true);
                final List<Thread> loads = new ArrayList<>();
                try
                {
                    for (final String db : BUSY)
                    {
                        final StardustClient c = cluster.connect((config) -> config.database(db)
                            .datacenter(HOMES.get(db)));
                        clients.add(c);
                        c.createTable("kv").get(60, TimeUnit.SECONDS);
                        for (int from = 0; from < KEYS; from += 100)
                        {
                            final io.stardust.client.Transaction t = c.begin();
                            for (int k = from; k < from + 100; k++)
                            {
                                t.put("kv", "k" + k, "v");
                            }
                            t.commitSync();
                        }
                        final Thread load = new Thread(() -> load(c, running), "load-" + db);
                        load.start();
                        loads.add(load);
                    }
                    run(cluster, admin);
                }
                finally
                {
                    running.set(false);
                    for (final Thread t : loads)
                    {
                        t.join(10_000);
                    }
                    clients.forEach(StardustClient::close);
                }
            }
        }
        return 0;
    }

    /** Open-loop reads, and a write in ten, at the given rate. */
    private void load(final StardustClient client, final AtomicBoolean running)
    {
        final SplittableRandom random = new SplittableRandom(client.hashCode());
        final long gapNs = TimeUnit.SECONDS.toNanos(1) / Math.max(1, rate);
        long next = System.nanoTime();
        int n = 0;
        while (running.get())
        {
            final String key = "k" + random.nextInt(KEYS);
            try
            {
                if (++n % 10 == 0)
                {
                    client.run((t) -> t.put("kv", key, Integer.toString(random.nextInt())));
                }
                else
                {
                    client.begin().getAsync("kv", key.getBytes(StandardCharsets.UTF_8));
                }
            }
            catch (final RuntimeException ex)
            {
                // a refused or timed-out request is part of the run; the load goes on
            }
            next += gapNs;
            final long wait = next - System.nanoTime();
            if (wait > 0)
            {
                LockSupport.parkNanos(wait);
            }
            else
            {
                next = System.nanoTime(); // behind: do not burst to catch up
            }
        }
    }

    private void run(final ProcessCluster cluster, final StardustClient admin) throws Exception
    {
        final int n = (int)(seconds * 1000L / periodMs);
        // Budgets: each datacenter's member runs free under its budget (dc2 the most generous, dc3 the tightest, so
        // idle databases park in dc3); dc1's drops to near idle power from 30% to 65% of the run.
        final double free = MEMBER.watts(2) * 0.9;
        final double low = MEMBER.watts(0.15);
        final double[] normal = {free, free * 1.2, free * 0.8};
        final long startMillis = System.currentTimeMillis();
        final double[][] budget = new double[DATACENTERS.size()][n];
        final double[][] power = new double[DATACENTERS.size()][n];
        final double[][] reads = new double[DATACENTERS.size()][n];
        final double[] dropWindow = {0.30 * seconds, 0.65 * seconds};
        final ControlState[] state = {null};
        final Recording plant = new Recording(new ClientPlant(admin, 3, 2, 0));
        final ControllerConfig config = ControllerConfig.defaults(periodMs / 1000.0).withFloor(0.05);
        final List<String> log = new ArrayList<>();
        final LiveController live = new LiveController(plant, MEMBER, DATACENTERS, config, new OvershootLedger(60),
            null, null, () -> state[0], startMillis, true, (line) ->
            {
                log.add(line);
                System.out.println(line);
            }).placement(TenantPlacement.defaults());
        final long[] served = new long[3];
        final long start = System.nanoTime();
        for (int k = -1; k < n; k++)
        {
            final double t = k < 0 ? 0 : (k + 1) * periodMs / 1000.0;
            final boolean dropped = t >= dropWindow[0] && t < dropWindow[1];
            state[0] = new ControlState(true, null, Map.of(
                "dc1", BudgetSpec.watts(dropped ? low : normal[0], startMillis),
                "dc2", BudgetSpec.watts(normal[1], startMillis),
                "dc3", BudgetSpec.watts(normal[2], startMillis)));
            final long due = start + (long)(k + 1) * periodMs * 1_000_000L;
            final long wait = due - System.nanoTime();
            if (wait > 0)
            {
                LockSupport.parkNanos(wait);
            }
            live.step((System.nanoTime() - start) / 1e9);
            for (int m = 0; m < 3; m++)
            {
                final MemberStatus s = admin.status(m).get(5, TimeUnit.SECONDS);
                if (k >= 0)
                {
                    budget[m][k] = m == 0 && dropped ? low : normal[m];
                    power[m][k] = MEMBER.watts(plant.cores[m]);
                    reads[m][k] = (s.readsServed() - served[m]) * 1000.0 / periodMs;
                }
                served[m] = s.readsServed();
            }
        }
        for (int m = 0; m < 3; m++)
        {
            admin.setKnob(m, io.stardust.protocol.codecs.Knob.CPU_QUOTA_MILLICORES, 0).get(10, TimeUnit.SECONDS);
        }
        report(n, budget, power, reads, plant.moves, log, dropWindow);
    }

    private void report(final int n, final double[][] budget, final double[][] power, final double[][] reads,
        final List<String> moves, final List<String> log, final double[] dropWindow) throws Exception
    {
        final double period = periodMs / 1000.0;
        final StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
            "# Tenant scenario, %s (%d s, %d ms periods; dc1's budget low from %.0f s to %.0f s)%n%n" +
            "| datacenter | energy over budget (J) | periods over budget | mean power (W) | reads/s before the " +
            "drop | during | after |%n|---|---:|---:|---:|---:|---:|---:|%n", LocalDate.now(), seconds, periodMs,
            dropWindow[0], dropWindow[1]));
        final List<Chart.Panel> panels = new ArrayList<>();
        for (int m = 0; m < 3; m++)
        {
            double over = 0;
            int periodsOver = 0;
            double mean = 0;
            final double[] sums = new double[3];
            final int[] counts = new int[3];
            for (int k = 0; k < n; k++)
            {
                final double excess = power[m][k] - budget[m][k];
                if (excess > 0)
                {
                    over += excess * period;
                    periodsOver++;
                }
                mean += power[m][k] / n;
                final double t = (k + 1) * period;
                final int phase = t < dropWindow[0] ? 0 : t < dropWindow[1] ? 1 : 2;
                sums[phase] += reads[m][k];
                counts[phase]++;
            }
            table.append(String.format(Locale.ROOT, "| %s | %.1f | %d of %d | %.1f | %.0f | %.0f | %.0f |%n",
                DATACENTERS.get(m), over, periodsOver, n, mean, sums[0] / Math.max(1, counts[0]),
                sums[1] / Math.max(1, counts[1]), sums[2] / Math.max(1, counts[2])));
            panels.add(new Chart.Panel(DATACENTERS.get(m) + " W", new double[][] {budget[m], power[m]},
                new Color[] {new Color(0xE69F00), new Color(0x0072B2)}, new String[] {"budget", "power (model)"}));
            panels.add(new Chart.Panel(DATACENTERS.get(m) + " reads/s", new double[][] {reads[m]},
                new Color[] {new Color(0x009E73)}, new String[] {"reads served (load)"}));
        }
        table.append(String.format(Locale.ROOT, "%nMoves the controller made: %s%n",
            moves.isEmpty() ? "none" : String.join(", ", moves)));
        for (final String line : log)
        {
            if (line.contains("; move "))
            {
                table.append("- ").append(line.strip()).append('\n');
            }
        }
        System.out.println(table);
        Files.writeString(new File(out, "tenant-scenario.md").toPath(), table.toString());
        Chart.write("stardust: databases moved between datacenters as dc1's budget drops and returns",
            n * period, panels, new File(out, "tenant-scenario.png"));
        System.out.println("written " + new File(out, "tenant-scenario.md") + " and tenant-scenario.png");
    }
}
