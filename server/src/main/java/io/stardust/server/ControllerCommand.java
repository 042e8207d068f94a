package io.stardust.server;

import io.stardust.resourcectl.Budget;
import io.stardust.resourcectl.Chart;
import io.stardust.resourcectl.ClientPlant;
import io.stardust.resourcectl.ClusterControlStore;
import io.stardust.resourcectl.LiveController;
import io.stardust.resourcectl.OvershootLedger;
import io.stardust.resourcectl.ControllerConfig;
import io.stardust.resourcectl.Decision;
import io.stardust.resourcectl.Evaluation;
import io.stardust.resourcectl.PowerModel;
import io.stardust.resourcectl.SimulatedPlant;
import io.stardust.resourcectl.Simulation;
import io.stardust.resourcectl.SolarDay;
import io.stardust.resourcectl.TraceBudget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code stardust controller}: the resource controller. */
@Command(name = "controller", description = "The resource controller, which keeps power under a budget.",
    subcommands = {ControllerCommand.Simulate.class, ControllerCommand.Run.class, ControllerCommand.Calibrate.class})
final class ControllerCommand implements Runnable
{
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(System.out);
    }

    /** {@code stardust controller run}. */
    @Command(name = "run", description = {
        "Run the controller against a running cluster until SIGINT. Every period it reads what operators stored in",
        "the cluster (stardust ops budget, stardust ops controller), each member's CPU, models the power of the",
        "cluster and of each datacenter with a budget, accounts each in its overshoot ledger (saved after every",
        "period, so a restarted controller resumes the debt), and sets each member's CPU quota for the lowest",
        "capacity of the budgets it is under (the admission rate instead where no member has a quota knob and",
        "--peak-tps is given). A budget stored in the cluster wins over --watts, --trace and --solar-seed, which",
        "serve while it holds none. One line per period, with the reasons. If this process dies, or while",
        "stardust ops controller off holds, the knobs stay as they were and the cluster keeps serving."})
    static final class Run extends OpsCommands.ClusterCommand
    {
        @Option(names = "--period-ms", defaultValue = "2000", description = "Control period (default ${DEFAULT-VALUE}).")
        long periodMs;

        @Option(names = "--watts", description = "A constant budget for the whole cluster, watts, while the cluster " +
            "stores none.")
        Double watts;

        @Option(names = "--trace", description = "A budget trace (CSV seconds,watts or JSON), from the controller's " +
            "start.")
        File trace;

        @Option(names = "--solar-seed", description = "A synthetic solar day with this seed (see --day-seconds, " +
            "--base-watts, --peak-watts).")
        Long solarSeed;

        @Option(names = "--day-seconds", defaultValue = "600", description = "Solar day length (default ${DEFAULT-VALUE}).")
        double daySeconds;

        @Option(names = "--base-watts", defaultValue = "50", description = "Solar day base (default ${DEFAULT-VALUE}).")
        double baseWatts;

        @Option(names = "--peak-watts", defaultValue = "40", description = "Solar day peak (default ${DEFAULT-VALUE}).")
        double peakWatts;

        @Option(names = "--window-seconds", defaultValue = "60", description = "Ledger window T (default ${DEFAULT-VALUE}).")
        double windowSeconds;

        @Option(names = "--floor", defaultValue = "0.1", description = "Minimum capacity (default ${DEFAULT-VALUE}).")
        double floor;

        @Option(names = "--ledger", defaultValue = "controller.ledger",
            description = "Where the overshoot ledger is kept (default ${DEFAULT-VALUE}).")
        File ledgerFile;

        @Option(names = "--member-cores", defaultValue = "2", description = "Cores each member may use: the power " +
            "model's u is cores used over this, and capacity 1 is a quota of this many cores (default ${DEFAULT-VALUE}).")
        double memberCores;

        @Option(names = "--idle-watts", defaultValue = "15", description = "A member's idle watts (default ${DEFAULT-VALUE}).")
        double idleWatts;

        @Option(names = "--max-watts", defaultValue = "30", description = "A member's watts at full (default ${DEFAULT-VALUE}).")
        double maxWatts;

        @Option(names = "--peak-tps", defaultValue = "0", description = "The cluster's peak throughput, for the " +
            "admission fallback (default none).")
        double peakTps;

        @Option(names = "--power", defaultValue = "auto", description = "How the cluster's power is known: model " +
            "(from each member's CPU), rapl (this host's RAPL counters: right when every member runs on this host), or " +
            "auto, rapl where the host has it (default ${DEFAULT-VALUE}).")
        String power;

        @Option(names = "--curve", description = "A knob curve measured by stardust controller calibrate: power maps " +
            "onto capacity through it instead of through the power model's line.")
        File curve;

        @Option(names = "--watch", description = "Only watch and account; never touch a knob.")
        boolean watch;

        @Option(names = "--place-tenants", description = {"Also move databases' serving locations: busy ones away " +
            "from a datacenter under pressure and back, idle ones to the datacenter with the least headroom and " +
            "back when they wake (workload movement; needs the administrator's login on a cluster with " +
            "authentication)."})
        boolean placeTenants;

        @Override
        public Integer call() throws Exception
        {
            final int sources = (watts != null ? 1 : 0) + (trace != null ? 1 : 0) + (solarSeed != null ? 1 : 0);
            if (sources > 1)
            {
                throw new IllegalArgumentException("give at most one starting budget: --watts, --trace or " +
                    "--solar-seed");
            }
            if (!power.equals("auto") && !power.equals("model") && !power.equals("rapl"))
            {
                throw new IllegalArgumentException("--power must be auto, model or rapl, not '" + power + "'");
            }
            io.stardust.resourcectl.RaplMeter rapl = null;
            if (!power.equals("model"))
            {
                try
                {
                    rapl = io.stardust.resourcectl.RaplMeter.open(io.stardust.resourcectl.RaplMeter.SYSFS);
                }
                catch (final java.io.IOException ex)
                {
                    if (power.equals("rapl"))
                    {
                        throw new IllegalArgumentException("--power rapl: " + ex.getMessage(), ex);
                    }
                    System.out.println("controller: power from the model (" + ex.getMessage() + ")");
                }
            }
            final Budget budget = watts != null ? Budget.constant(watts) : trace != null ?
                TraceBudget.load(trace.toPath()) : solarSeed != null ?
                new SolarDay(solarSeed, daySeconds, baseWatts, peakWatts) : null;
            final PowerModel member = new PowerModel(idleWatts, maxWatts, memberCores);
            final ControllerConfig config = ControllerConfig.defaults(periodMs / 1000.0).withFloor(floor);
            final io.stardust.protocol.ClusterSpec spec = io.stardust.protocol.ClusterSpec.parse(cluster);
            final OvershootLedger ledger = OvershootLedger.load(ledgerFile.toPath(), windowSeconds);
            System.out.printf(Locale.ROOT, "controller: %d members, period %d ms, ledger %s (debt %.1f J), %s%n",
                spec.size(), periodMs, ledgerFile, ledger.debtJoules(), watch ? "watching only" : "steering");
            final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> running.set(false)));
            try (io.stardust.client.StardustClient client = connect())
            {
                final List<String> dcs = spec.members().stream().map(io.stardust.protocol.ClusterSpec.Member::datacenter)
                    .toList();
                final LiveController live = new LiveController(new ClientPlant(client, spec.size(), memberCores,
                    peakTps), member, dcs, config, ledger, ledgerFile.toPath(), budget,
                    new ClusterControlStore(client), System.currentTimeMillis(), !watch, System.out::println);
                if (placeTenants)
                {
                    live.placement(io.stardust.resourcectl.TenantPlacement.defaults());
                    System.out.println("controller: moving databases between datacenters as budgets allow");
                }
                if (curve != null)
                {
                    live.curve(io.stardust.resourcectl.KnobCurve.load(curve.toPath()));
                    System.out.println("controller: capacity by the curve in " + curve);
                }
                if (rapl != null)
                {
                    live.hostMeter(rapl);
                    System.out.println("controller: the cluster's power measured by " + rapl.describe());
                }
                live.run(System.nanoTime(), running::get, (p) -> { });
            }
            return 0;
        }
    }

    /** {@code stardust controller calibrate}. */
    @Command(name = "calibrate", description = {
        "Measure what capacity does to a running cluster under its present load: set each capacity in turn on every",
        "member (its CPU quota), wait, sample each member's CPU and the cluster's throughput, and write the curve",
        "for stardust controller run --curve. Run it under the load the controller will face. Every member's quota",
        "is lifted at the end."})
    static final class Calibrate extends OpsCommands.ClusterCommand
    {
        @Option(names = "--capacities", defaultValue = "1,0.7,0.5,0.35,0.25,0.15,0.1", split = ",",
            description = "Capacities to measure, in order (default ${DEFAULT-VALUE}).")
        double[] capacities;

        @Option(names = "--settle-seconds", defaultValue = "3", description = "Wait after each setting " +
            "(default ${DEFAULT-VALUE}).")
        double settleSeconds;

        @Option(names = "--samples", defaultValue = "3", description = "Samples per setting (default ${DEFAULT-VALUE}).")
        int samples;

        @Option(names = "--sample-seconds", defaultValue = "2", description = "Each sample's length " +
            "(default ${DEFAULT-VALUE}).")
        double sampleSeconds;

        @Option(names = "--member-cores", defaultValue = "2", description = "Cores a member may use: capacity 1 is " +
            "a quota of this many (default ${DEFAULT-VALUE}).")
        double memberCores;

        @Option(names = "--out", required = true, description = "Where to write the curve (CSV).")
        File out;

        @Override
        public Integer call() throws Exception
        {
            final io.stardust.protocol.ClusterSpec spec = io.stardust.protocol.ClusterSpec.parse(cluster);
            try (io.stardust.client.StardustClient client = connectForReads())
            {
                final io.stardust.resourcectl.KnobCurve curve = io.stardust.resourcectl.Calibration.run(
                    new ClientPlant(client, spec.size(), memberCores, 0), spec.size(), capacities, settleSeconds,
                    samples, sampleSeconds, io.stardust.resourcectl.Calibration.REAL_TIME, System.out::println);
                curve.save(out.toPath());
                System.out.print(curve.format());
                System.out.println("curve written to " + out);
            }
            return 0;
        }
    }

    /** {@code stardust controller simulate}. */
    @Command(name = "simulate", description = {
        "Run the controller against a simulated 3-member cluster over a budget, deterministically and time-compressed,",
        "and print how well it kept to the budget, beside the same run with the controller off.",
        "The plant's power model is 3 W off the controller's at idle and at full, its knobs reach 90% of what they",
        "are set to, and utilisation follows with a lag, so the controller has something to correct."})
    static final class Simulate implements Callable<Integer>
    {
        @Option(names = "--seed", defaultValue = "1", description = "Seed of the solar day and the noise (default 1).")
        long seed;

        @Option(names = "--trace", description = "A budget trace (CSV seconds,watts or JSON) instead of a solar day.")
        File trace;

        @Option(names = "--seconds", defaultValue = "1200",
            description = "Length of the run, and of the compressed solar day (default 1200).")
        double seconds;

        @Option(names = "--period", defaultValue = "1", description = "Control period in seconds (default 1).")
        double period;

        @Option(names = "--window", defaultValue = "60", description = "Ledger window T in seconds (default 60).")
        double window;

        @Option(names = "--base-watts", defaultValue = "55",
            description = "Solar day: watts always available (default 55).")
        double baseWatts;

        @Option(names = "--peak-watts", defaultValue = "40",
            description = "Solar day: the array's clear-sky output at noon (default 40).")
        double peakWatts;

        @Option(names = "--floor", defaultValue = "0.1",
            description = "Minimum capacity, a fraction of full (default 0.1).")
        double floor;

        @Option(names = "--noise-watts", defaultValue = "0.5",
            description = "Standard deviation of measured power's noise (default 0.5).")
        double noise;

        @Option(names = "--png", description = "Write a chart of budget, power, throughput and capacity here.")
        File png;

        @Option(names = "--decisions", description = "Print every decision with its reason.")
        boolean decisions;

        @Override
        public Integer call() throws Exception
        {
            final Budget budget = trace != null ? TraceBudget.load(trace.toPath()) :
                new SolarDay(seed, seconds, baseWatts, peakWatts);
            final PowerModel model = PowerModel.sum(List.of(PowerModel.defaults(2), PowerModel.defaults(2),
                PowerModel.defaults(2)));
            final ControllerConfig config = ControllerConfig.defaults(period).withFloor(floor);
            final List<Simulation.Run> runs = new ArrayList<>();
            for (final boolean on : new boolean[] {true, false})
            {
                final SimulatedPlant plant = new SimulatedPlant(new PowerModel(model.idleWatts() + 3,
                    model.maxWatts() + 3, model.cores()), 10_000, (t) -> demand(t), 0.9, 0.5, noise, seed);
                runs.add(Simulation.run(budget, plant, config, model, seconds, window, on));
            }
            final Simulation.Run run = runs.get(0);
            if (decisions)
            {
                for (final Decision d : run.decisions())
                {
                    System.out.printf(Locale.ROOT, "%8.1f s  %s%n", d.seconds(), d.reason());
                }
            }
            System.out.printf(Locale.ROOT, "simulated %s, %.0f s in %.1f s periods, window %.0f s, seed %d%n",
                trace != null ? "trace " + trace : "solar day", seconds, period, window, seed);
            print("controller on", run.evaluation());
            print("controller off (capacity 1 throughout)", runs.get(1).evaluation());
            if (png != null)
            {
                Chart.write(run, String.format(Locale.ROOT, "stardust controller simulate --seed %d: budget, power, " +
                    "throughput, capacity", seed), png);
                System.out.println("chart written to " + png);
            }
            return 0;
        }

        /** Full load from morning to evening, a quarter at night. */
        private double demand(final double t)
        {
            final double x = (t % seconds) / seconds;
            return x > 0.2 && x < 0.8 ? 1.0 : 0.25;
        }

        private static void print(final String title, final Evaluation e)
        {
            System.out.println();
            System.out.println("| " + title + " | |");
            System.out.println("|---|---|");
            System.out.print(e.table());
        }
    }
}
