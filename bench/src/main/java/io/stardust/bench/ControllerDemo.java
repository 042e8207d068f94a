package io.stardust.bench;

import io.stardust.resourcectl.Chart;
import io.stardust.resourcectl.Calibration;
import io.stardust.resourcectl.ClientPlant;
import io.stardust.resourcectl.KnobCurve;
import io.stardust.resourcectl.ControllerConfig;
import io.stardust.resourcectl.Decision;
import io.stardust.resourcectl.Evaluation;
import io.stardust.resourcectl.LiveController;
import io.stardust.resourcectl.OvershootLedger;
import io.stardust.resourcectl.PowerModel;
import io.stardust.resourcectl.Simulation;
import io.stardust.resourcectl.SolarDay;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The live evaluation: three member processes under a closed-loop YCSB-A load, and the controller keeping their
 * modelled power under a synthetic solar day compressed into a few minutes. First it measures the cluster idle and at
 * peak (to scale the day), then, under the load, the knob curve ({@link Calibration}: CPU and throughput at each
 * capacity), which the controller maps power through. The oracle knows the whole trace and that fitted plant: in each
 * period it takes the capacity with the most throughput whose power is within the budget (no debt can be banked, so
 * the best plan over the trace is the best choice in each period). Prints the evaluation and draws budget, power,
 * throughput and capacity over time.
 */
@Command(name = "bench controller-demo", mixinStandardHelpOptions = true,
    description = "The controller live, on three member processes under load, over a compressed solar day.")
public final class ControllerDemo implements java.util.concurrent.Callable<Integer>
{
    @Option(names = "--seconds", defaultValue = "300", description = "The day's length (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--period-ms", defaultValue = "2000", description = "Control period (default ${DEFAULT-VALUE}).")
    long periodMs;

    @Option(names = "--seed", defaultValue = "7", description = "The day's clouds (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", defaultValue = "bench/target/results", description = "Where results go.")
    File out;

    private static final long RECORDS = 10_000;
    private static final double[] CAPACITIES = {1, 0.7, 0.5, 0.35, 0.25, 0.15, 0.1, 0.05};
    /** The calibration's length: a 2 s settle and two 2 s samples per capacity. */
    private static final int CALIBRATION_SECONDS = 6 * 8;
    private static final PowerModel MEMBER = PowerModel.defaults(2);

    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new ControllerDemo()).execute(args));
    }

    @Override
    public Integer call() throws Exception
    {
        Files.createDirectories(out.toPath());
        try (StardustTarget target = new StardustTarget(null, RECORDS, 1, true))
        {
            target.load(RECORDS, 100, 1_000, 1_000);
            final Runner runner = new Runner(null);
            final Runner.Plan peakPlan = new Runner.Plan(Workload.YCSB_A, KeyChooser.parse("uniform", RECORDS), 64, 0,
                3_000, 10_000, 100, 1_000, 42);
            final Result peak = runner.run(target, peakPlan, "peak", 0);
            final double peakCores = peak.serverCpuNanos() / 1e9 / peak.seconds();
            Thread.sleep(5_000);
            final long idleStart = System.nanoTime();
            final long idleCpu = target.serverCpuNanos();
            Thread.sleep(10_000);
            final double idleCores = (target.serverCpuNanos() - idleCpu) / (double)(System.nanoTime() - idleStart);
            final double idleWatts = 3 * MEMBER.watts(idleCores / 3);
            final double peakWatts = 3 * MEMBER.watts(peakCores / 3);
            System.out.printf(Locale.ROOT, "fitted plant: idle %.3f cores = %.1f W; peak %.0f txn/s at %.3f cores = " +
                "%.1f W%n", idleCores, idleWatts, peak.throughput(), peakCores, peakWatts);

            // The day: at night the base allows a third of the way from idle to peak; noon allows more than peak. The
            // floor is 5% of capacity, whose modelled watts stay under the base.
            final double span = peakWatts - idleWatts;
            final SolarDay day = new SolarDay(seed, seconds, idleWatts + 0.35 * span, 1.0 * span);
            final ControllerConfig config = ControllerConfig.defaults(periodMs / 1000.0).withFloor(0.05);
            final List<LiveController.Period> periods = new ArrayList<>();
            final AtomicBoolean loading = new AtomicBoolean(true);
            final Runner.Plan load = new Runner.Plan(Workload.YCSB_A, KeyChooser.parse("uniform", RECORDS), 64, 0, 0,
                (seconds + 10 + CALIBRATION_SECONDS) * 1000L, 100, 1_000, 43);
            final CompletableFuture<Result> background = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return runner.run(target, load, "load", 0);
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
                finally
                {
                    loading.set(false);
                }
            });
            Thread.sleep(3_000);
            final ClientPlant plant = new ClientPlant(target.client(), 3, 2, 0);
            final KnobCurve curve = Calibration.run(plant, 3, CAPACITIES, 2, 2, 2, Calibration.REAL_TIME,
                (line) -> System.out.println("calibration: " + line));
            curve.save(new File(out, "controller-demo-curve.csv").toPath());
            final LiveController live = new LiveController(plant, day, MEMBER, 3, config, new OvershootLedger(60),
                new File(out, "controller-demo.ledger").toPath(), true, System.out::println).curve(curve);
            final long start = System.nanoTime();
            live.run(start, () -> loading.get() && (System.nanoTime() - start) / 1e9 < seconds, periods::add);
            for (int m = 0; m < 3; m++)
            {
                target.client().setKnob(m, io.stardust.protocol.codecs.Knob.CPU_QUOTA_MILLICORES, 0).get();
            }
            background.join();
            report(periods, config, curve);
        }
        return 0;
    }

    /** @return the most throughput the fitted plant gives within {@code budget} watts, at capacity floor or more. */
    private static double oracle(final KnobCurve curve, final double budget, final double floor)
    {
        double best = curve.txnPerSecond(floor);
        for (double c = floor; c <= 1.0 + 1e-9; c += 0.005)
        {
            if (3 * MEMBER.watts(curve.memberCores(c)) <= budget)
            {
                best = Math.max(best, curve.txnPerSecond(c));
            }
        }
        return best;
    }

    private void report(final List<LiveController.Period> periods, final ControllerConfig config,
        final KnobCurve curve) throws Exception
    {
        final int n = periods.size();
        final double[] budget = new double[n];
        final double[] power = new double[n];
        final double[] tps = new double[n];
        final double[] oracle = new double[n];
        final double[] capacity = new double[n];
        final double[] debt = new double[n];
        final List<Decision> decisions = new ArrayList<>();
        for (int k = 0; k < n; k++)
        {
            final LiveController.Period p = periods.get(k);
            // A period's measurements are of the period before its decision: line them up with that period's budget.
            budget[k] = k > 0 ? periods.get(k - 1).budgetWatts() : p.budgetWatts();
            power[k] = p.watts();
            tps[k] = p.txnPerSecond();
            oracle[k] = oracle(curve, budget[k], config.floorCapacity());
            capacity[k] = p.decision() == null ? 1 : p.decision().capacity();
            debt[k] = p.decision() == null ? 0 : p.decision().debtJoules();
            if (p.decision() != null)
            {
                decisions.add(p.decision());
            }
        }
        final Evaluation e = Evaluation.of(config.periodSeconds(), 60, budget, power, tps, oracle);
        long transitionP99 = -1;
        for (int k = 1; k < n; k++)
        {
            if (budget[k] < budget[k - 1] * (1 - Evaluation.STEP_DROP))
            {
                for (int j = k; j < Math.min(n, k + 3); j++)
                {
                    transitionP99 = Math.max(transitionP99, periods.get(j).p99Micros());
                }
            }
        }
        final String table = String.format(Locale.ROOT, "# Controller demo, %s (seed %d, %d s day, %d ms periods)%n%n" +
            "| metric | value |%n|---|---|%n%s| epoch latency p99 in the 3 periods after each step drop | %s |%n",
            LocalDate.now(), seed, seconds, periodMs, e.table(), transitionP99 < 0 ? "no step drop" :
            String.format(Locale.ROOT, "%.1f ms (worst)", transitionP99 / 1000.0));
        System.out.println(table);
        Files.writeString(new File(out, "controller-demo.md").toPath(), table);
        final Simulation.Run run = new Simulation.Run(config.periodSeconds(), budget, power, tps, oracle, capacity, debt,
            decisions, e);
        Chart.write(run, "stardust controller, live: 3 members under YCSB-A over a compressed solar day",
            new File(out, "controller-demo.png"));
        System.out.println("written " + new File(out, "controller-demo.md") + " and controller-demo.png");
    }
}
