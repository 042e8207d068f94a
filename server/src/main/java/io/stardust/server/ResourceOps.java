package io.stardust.server;

import io.stardust.client.ControlResult;
import io.stardust.client.MemberStatus;
import io.stardust.client.StardustClient;
import io.stardust.protocol.ClusterSpec;
import io.stardust.protocol.codecs.Knob;
import io.stardust.resourcectl.ClusterControlStore;
import io.stardust.resourcectl.PowerModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code stardust ops}: the resource view of a running cluster and its knobs. {@code stardust status} stays the
 * cluster's view (roles, epochs, digests).
 */
@Command(name = "ops", description = "The resource view of a running cluster, and its knobs.",
    subcommands = {ResourceOps.Status.class, ResourceOps.Workers.class, ResourceOps.Idle.class,
        ResourceOps.CpuQuotaCommand.class, ResourceOps.BatchWindow.class, ResourceOps.AdmissionCommand.class,
        BudgetOps.BudgetCommand.class, BudgetOps.ControllerSwitch.class, TenantOps.Tenants.class, TenantOps.Move.class,
        TenantOps.CreateDatabase.class, TenantOps.DropDatabase.class, ProcedureOps.RegisterProcedure.class})
final class ResourceOps implements Runnable
{
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(System.out);
    }

    /** {@code stardust ops status}. */
    @Command(name = "status", description = {
        "Per member, over one interval: CPU in cores, modelled watts, transactions/s, commits and aborts, the open",
        "epoch's depth, the last epoch's size, epoch latency p99, and every local knob; then the budgets stored in",
        "the cluster and whether the controller is on. Watts come from the power",
        "model P = P_idle + (P_max - P_idle) * u with u = cores used / --member-cores (defaults: 15 W idle, 30 W at",
        "full; assumptions, not a meter)."})
    static final class Status extends OpsCommands.ClusterCommand
    {
        @Option(names = "--interval-ms", defaultValue = "1000",
            description = "Time between the two samples rates come from (default ${DEFAULT-VALUE}).")
        long intervalMs;

        @Option(names = "--member-cores", defaultValue = "2",
            description = "Cores each member may use, for the power model (default ${DEFAULT-VALUE}).")
        double memberCores;

        @Override
        public Integer call() throws Exception
        {
            final ClusterSpec spec = ClusterSpec.parse(cluster);
            final PowerModel model = PowerModel.defaults(memberCores);
            try (StardustClient client = connectForReads())
            {
                final List<MemberStatus> first = sample(client, spec);
                Thread.sleep(intervalMs);
                final List<MemberStatus> second = sample(client, spec);
                System.out.printf("%-6s %-4s %-9s %6s %7s %9s %9s %8s %6s %7s %9s %7s %9s %9s%n", "member", "dc",
                    "role", "cores", "watts", "txn/s", "commit/s", "abort/s", "queue", "epoch", "p99_us", "workers",
                    "park_us", "quota_mc");
                double cores = 0;
                double watts = 0;
                final java.util.Map<String, Double> dcWatts = new java.util.TreeMap<>();
                int unreachable = 0;
                for (int i = 0; i < spec.size(); i++)
                {
                    final MemberStatus a = first.get(i);
                    final MemberStatus b = second.get(i);
                    final ClusterSpec.Member m = spec.members().get(i);
                    if (a == null || b == null || a.telemetry() == null || b.telemetry() == null)
                    {
                        unreachable++;
                        System.out.printf("%-6d %-4s unreachable or without telemetry%n", m.id(), m.datacenter());
                        continue;
                    }
                    final double seconds = b.telemetry().secondsSince(a.telemetry());
                    final double used = b.telemetry().coresSince(a.telemetry());
                    final double commits = (b.committed() - a.committed()) / seconds;
                    final double aborts = (b.aborted() - a.aborted()) / seconds;
                    cores += used;
                    watts += model.watts(used);
                    dcWatts.merge(m.datacenter(), model.watts(used), Double::sum);
                    System.out.printf(Locale.ROOT, "%-6d %-4s %-9s %6.2f %7.1f %9.0f %9.0f %8.0f %6d %7d %9d %7d %9d %9d%n",
                        b.memberId(), b.datacenter(), b.role(), used, model.watts(used), commits + aborts, commits,
                        aborts, b.telemetry().queueDepth(), b.telemetry().lastEpochTxns(),
                        b.telemetry().epochLatencyP99Micros(), b.workers(), b.telemetry().idleParkMicros(),
                        b.telemetry().cpuQuotaMillicores());
                }
                System.out.printf(Locale.ROOT, "total: %.2f cores, %.1f W modelled%n", cores, watts);
                if (dcWatts.size() > 1)
                {
                    dcWatts.forEach((dc, w) -> System.out.printf(Locale.ROOT, "dc %s: %.1f W modelled%n", dc, w));
                }
                try
                {
                    System.out.println(BudgetOps.describe(new ClusterControlStore(client).read(),
                        System.currentTimeMillis()));
                }
                catch (final RuntimeException ex)
                {
                    System.out.println("budget: cannot be read (" + ex.getMessage() + ")");
                }
                return unreachable == 0 ? 0 : 1;
            }
        }

        private static List<MemberStatus> sample(final StardustClient client, final ClusterSpec spec)
        {
            final List<MemberStatus> statuses = new ArrayList<>();
            for (final java.util.concurrent.CompletableFuture<MemberStatus> answer :
                OpsCommands.askStatus(client, spec))
            {
                try
                {
                    statuses.add(answer.get(5, TimeUnit.SECONDS));
                }
                catch (final Exception ex)
                {
                    statuses.add(null);
                }
            }
            return statuses;
        }
    }

    /** A knob set on some or all members. */
    abstract static class KnobCommand extends OpsCommands.ClusterCommand
    {
        @Option(names = "--member", description = "Only this member (default: every member).")
        Integer member;

        abstract Knob knob();

        abstract long value();

        @Override
        public Integer call() throws Exception
        {
            final ClusterSpec spec = ClusterSpec.parse(cluster);
            if (member != null && (member < 0 || member >= spec.size()))
            {
                throw new IllegalArgumentException("no member " + member + " in a cluster of " + spec.size() +
                    " (ids 0 to " + (spec.size() - 1) + ")");
            }
            int failed = 0;
            try (StardustClient client = connectForReads())
            {
                for (final ClusterSpec.Member m : spec.members())
                {
                    if (member != null && m.id() != member)
                    {
                        continue;
                    }
                    try
                    {
                        final long inForce = client.setKnob(m.id(), knob(), value()).get(10, TimeUnit.SECONDS);
                        System.out.println("member " + m.id() + ": " + knob() + " = " + inForce);
                    }
                    catch (final java.util.concurrent.ExecutionException ex)
                    {
                        failed++;
                        System.out.println("member " + m.id() + ": " + ex.getCause().getMessage());
                    }
                }
            }
            return failed == 0 ? 0 : 1;
        }
    }

    /** {@code stardust ops workers}. */
    @Command(name = "workers", description = "Set the scheduler's worker threads (1 to 64), from the next epoch. " +
        "Outcomes and digests do not depend on it.")
    static final class Workers extends KnobCommand
    {
        @Option(names = "--value", required = true, description = "Worker threads.")
        long value;

        Knob knob()
        {
            return Knob.WORKERS;
        }

        long value()
        {
            return value;
        }
    }

    /** {@code stardust ops idle}. */
    @Command(name = "idle", description = "Set the longest park of a member's idle agent threads (1 to 100,000 us): " +
        "longer costs less CPU when idle and adds up to that much latency to the first request after a quiet spell.")
    static final class Idle extends KnobCommand
    {
        @Option(names = "--park-us", required = true, description = "Longest park, microseconds.")
        long parkMicros;

        Knob knob()
        {
            return Knob.IDLE_PARK_MICROS;
        }

        long value()
        {
            return parkMicros;
        }
    }

    /** {@code stardust ops cpu-quota}. */
    @Command(name = "cpu-quota", description = "Cap a member process's CPU through its cgroup (cgroup v1 cpu " +
        "controller; the member must have joined one at start, which stardust start does where it can).")
    static final class CpuQuotaCommand extends KnobCommand
    {
        @Option(names = "--millicores", required = true,
            description = "Thousandths of a core (10 up to the machine's cores x 1000); 0 lifts the cap.")
        long millicores;

        Knob knob()
        {
            return Knob.CPU_QUOTA_MILLICORES;
        }

        long value()
        {
            return millicores;
        }
    }

    /** {@code stardust ops admission}. */
    @Command(name = "admission", description = {
        "Set the cluster's admission rate through the log: every replica refuses commits beyond it by log time, so",
        "all refuse the same ones. A refused commit is never applied; its answer says when to retry, and the Java",
        "client sends it again then (and holds its other commits as long), until its commit timeout."})
    static final class AdmissionCommand extends OpsCommands.ClusterCommand
    {
        @Option(names = "--rate", required = true, description = "Transactions per second; 0 lifts the limit.")
        long rate;

        @Option(names = "--burst", defaultValue = "100",
            description = "The bucket's size in transactions (default ${DEFAULT-VALUE}).")
        int burst;

        @Override
        public Integer call() throws Exception
        {
            try (StardustClient client = connect())
            {
                final ControlResult result = client.setAdmission(rate, burst).get(30, TimeUnit.SECONDS);
                System.out.println(result.detail());
            }
            return 0;
        }
    }

    /** {@code stardust ops batch-window}. */
    @Command(name = "batch-window", description = "Change the epoch batch window through the log: every replica " +
        "switches at the same epoch (it can change outcomes, so it is a replicated setting).")
    static final class BatchWindow extends OpsCommands.SetBatchWindow
    {
    }
}
