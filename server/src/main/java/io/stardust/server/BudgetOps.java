package io.stardust.server;

import io.stardust.client.StardustClient;
import io.stardust.protocol.ClusterSpec;
import io.stardust.resourcectl.BudgetSpec;
import io.stardust.resourcectl.ClusterControlStore;
import io.stardust.resourcectl.ControlState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code stardust ops budget} and {@code stardust ops controller}: what the resource controller is told. Both are
 * stored in the cluster ({@link ClusterControlStore}), so they are replicated, outlive any controller process, and a
 * running {@code stardust controller run} picks them up within one control period.
 */
final class BudgetOps
{
    private BudgetOps()
    {
    }

    /** A command that writes to or reads the controller's instructions, for the cluster or one datacenter. */
    abstract static class Scoped extends OpsCommands.ClusterCommand
    {
        @Option(names = "--dc", description = "A datacenter's label (its members' @label in --cluster; members " +
            "without one are in dc1). Without it, the whole cluster.")
        String datacenter;

        /** @return the datacenter named, checked against the cluster's; null for the whole cluster. */
        String datacenter()
        {
            if (datacenter == null)
            {
                return null;
            }
            final TreeSet<String> known = new TreeSet<>();
            ClusterSpec.parse(cluster).members().forEach((m) -> known.add(m.datacenter()));
            if (!known.contains(datacenter))
            {
                throw new IllegalArgumentException("unknown datacenter '" + datacenter + "': this cluster's are " +
                    String.join(", ", known));
            }
            return datacenter;
        }

        String scope()
        {
            return datacenter == null ? "the cluster" : "datacenter " + datacenter;
        }

        /** Store {@code spec} (already checked in full) and say so. */
        int store(final BudgetSpec spec)
        {
            final String dc = datacenter();
            try (StardustClient client = connect())
            {
                new ClusterControlStore(client).setBudget(dc, spec);
            }
            System.out.println("budget of " + scope() + ": " + (spec == null ? "none" : spec.describe()));
            return 0;
        }
    }

    /** {@code stardust ops budget}. */
    @Command(name = "budget", description = "The power budget the controller keeps to, stored in the cluster.",
        subcommands = {Set.class, Load.class, Synth.class, Show.class, Clear.class})
    static final class BudgetCommand implements Runnable
    {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public void run()
        {
            spec.commandLine().usage(System.out);
        }
    }

    /** {@code stardust ops budget set}. */
    @Command(name = "set", description = {"Set a constant budget in watts, or an energy budget per window, from now.",
        "A budget under what the controller's floor capacity draws is kept: the controller keeps the floor and says",
        "so in its log."})
    static final class Set extends Scoped
    {
        @Option(names = "--watts", description = "Constant power, watts (above 0).")
        Double watts;

        @Option(names = "--joules", description = "Energy per window, joules (above 0), spent evenly; with " +
            "--window-seconds.")
        Double joules;

        @Option(names = "--window-seconds", description = "The window T of --joules.")
        Double windowSeconds;

        @Override
        public Integer call()
        {
            if ((watts == null) == (joules == null))
            {
                throw new IllegalArgumentException("give exactly one of --watts and --joules");
            }
            if (joules != null && windowSeconds == null)
            {
                throw new IllegalArgumentException("--joules needs --window-seconds");
            }
            final long now = System.currentTimeMillis();
            return store(watts != null ? BudgetSpec.watts(watts, now) : BudgetSpec.energy(joules, windowSeconds, now));
        }
    }

    /** {@code stardust ops budget load}. */
    @Command(name = "load", description = {"Load a budget trace: CSV lines of seconds,watts (a header line may",
        "come first) or a JSON array of {\"t\": seconds, \"watts\": w}. Its time 0 is now; after its last point the",
        "last value holds. With --cost-per-window, the trace's values are prices per kWh and the budget is the",
        "power that costs that much per window."})
    static final class Load extends Scoped
    {
        @Parameters(index = "0", description = "The trace file.")
        File file;

        @Option(names = "--cost-per-window", description = "Money per window; the file is then a price trace.")
        Double cost;

        @Option(names = "--window-seconds", defaultValue = "60",
            description = "The window T of --cost-per-window (default ${DEFAULT-VALUE}).")
        double windowSeconds;

        @Override
        public Integer call() throws Exception
        {
            final String text;
            try
            {
                text = Files.readString(file.toPath(), StandardCharsets.UTF_8);
            }
            catch (final java.io.IOException ex)
            {
                throw new IllegalArgumentException("cannot read the trace " + file + ": " + ex.getMessage(), ex);
            }
            final long now = System.currentTimeMillis();
            try
            {
                return store(cost == null ? BudgetSpec.trace(text, now) :
                    BudgetSpec.cost(cost, windowSeconds, text, now));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException(file + ": " + ex.getMessage(), ex);
            }
        }
    }

    /** {@code stardust ops budget synth}. */
    @Command(name = "synth", description = {"A synthetic solar day from now: a clear-sky curve times a seeded cloud",
        "factor with sudden drops (the same seed gives the same day), over a base that is always available."})
    static final class Synth extends Scoped
    {
        @Option(names = "--seed", defaultValue = "1", description = "The day's clouds (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--day-seconds", defaultValue = "600", description = "Length of the compressed day " +
            "(default ${DEFAULT-VALUE}).")
        double daySeconds;

        @Option(names = "--base-watts", defaultValue = "50", description = "Always available (default ${DEFAULT-VALUE}).")
        double baseWatts;

        @Option(names = "--peak-watts", defaultValue = "40", description = "The array's clear-sky output at noon " +
            "(default ${DEFAULT-VALUE}).")
        double peakWatts;

        @Override
        public Integer call()
        {
            return store(BudgetSpec.solar(seed, daySeconds, baseWatts, peakWatts, System.currentTimeMillis()));
        }
    }

    /** {@code stardust ops budget clear}. */
    @Command(name = "clear", description = "Remove the budget (the controller then keeps the one it was started with, " +
        "if any; members under no budget get their full quota back).")
    static final class Clear extends Scoped
    {
        @Override
        public Integer call()
        {
            return store(null);
        }
    }

    /** {@code stardust ops budget show}. */
    @Command(name = "show", description = "Show the budgets stored in the cluster and whether the controller is on.")
    static final class Show extends OpsCommands.ClusterCommand
    {
        @Override
        public Integer call()
        {
            try (StardustClient client = connectForReads())
            {
                final ControlState state = new ClusterControlStore(client).read();
                System.out.println(describe(state, System.currentTimeMillis()));
            }
            return 0;
        }
    }

    /** @return the state in a few lines, with each budget's watts now. */
    static String describe(final ControlState state, final long nowMillis)
    {
        final StringBuilder text = new StringBuilder("controller: ").append(state.controllerOn() ? "on" : "off (knobs " +
            "held where they are)");
        if (state.noBudget())
        {
            return text.append("\nbudget: none stored").toString();
        }
        if (state.cluster() != null)
        {
            text.append(line("cluster", state.cluster(), nowMillis));
        }
        for (final Map.Entry<String, BudgetSpec> dc : state.datacenters().entrySet())
        {
            text.append(line("dc " + dc.getKey(), dc.getValue(), nowMillis));
        }
        return text.toString();
    }

    private static String line(final String scope, final BudgetSpec spec, final long nowMillis)
    {
        return String.format(java.util.Locale.ROOT, "%nbudget of %s: %.1f W now (%s)", scope,
            spec.budget().watts(spec.secondsAt(nowMillis)), spec.describe());
    }

    /** {@code stardust ops controller}. */
    @Command(name = "controller", description = {"Turn the resource controller on or off, for every controller process",
        "running against this cluster: off, it keeps watching and accounting but leaves every knob where it is."})
    static final class ControllerSwitch extends OpsCommands.ClusterCommand
    {
        @Parameters(index = "0", arity = "0..1", description = "on or off; without it, show the state.")
        String setting;

        @Override
        public Integer call()
        {
            if (setting != null && !setting.equals("on") && !setting.equals("off"))
            {
                throw new IllegalArgumentException("expected on or off, not '" + setting + "'");
            }
            try (StardustClient client = connect())
            {
                final ClusterControlStore store = new ClusterControlStore(client);
                if (setting == null)
                {
                    System.out.println(describe(store.read(), System.currentTimeMillis()));
                    return 0;
                }
                store.setController(setting.equals("on"));
                System.out.println("controller " + setting + (setting.equals("off") ? ": the knobs stay where they " +
                    "are" : ""));
            }
            return 0;
        }
    }
}
