package io.stardust.server;

import io.stardust.resourcectl.Budget;
import io.stardust.resourcectl.Chart;
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
    subcommands = {ControllerCommand.Simulate.class})
final class ControllerCommand implements Runnable
{
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(System.out);
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
