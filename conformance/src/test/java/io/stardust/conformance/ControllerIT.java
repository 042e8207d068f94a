package io.stardust.conformance;

import io.stardust.client.StardustClient;
import io.stardust.protocol.codecs.Knob;
import io.stardust.resourcectl.BudgetSpec;
import io.stardust.resourcectl.ClientPlant;
import io.stardust.resourcectl.ClusterControlStore;
import io.stardust.resourcectl.ControllerConfig;
import io.stardust.resourcectl.LiveController;
import io.stardust.resourcectl.OvershootLedger;
import io.stardust.resourcectl.PowerModel;
import io.stardust.test.ProcessCluster;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The live controller against real member processes under load: after the budget steps down to half of what the
 * cluster draws, its power (modelled from measured CPU) is under the new budget within 5 control periods; after a
 * step up it rises again. The same step with the controller off does not get under: the check has something to
 * catch. Periods of 2 s. The budgets and the switch that turns the controller off are set as operators set them: stored
 * in the cluster, where the controller reads them every period.
 *
 * <p>The power model here is 1 W idle and 30 W at full per member (2 cores), so that power is nearly proportional to
 * CPU and "half" asks for half the CPU; with the default model idle watts dominate and half is under the floor.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ControllerIT
{
    private static final PowerModel MEMBER = new PowerModel(1, 30, 2);
    private static final int SETTLE = 5;

    @Test
    void shouldFollowABudgetStepDownAndUpAndFailWithTheControllerOff() throws Exception
    {
        try (ProcessCluster cluster = new ProcessCluster(3))
        {
            cluster.startAll(true);
            try (StardustClient client = cluster.connect((c) -> c))
            {
                client.createTable("kv").get(60, TimeUnit.SECONDS);
                Assumptions.assumeTrue(client.status(0).get(10, TimeUnit.SECONDS).telemetry()
                    .cpuQuotaMillicores() == 0, "no CPU quota knob on this machine (members could not join a " +
                    "cgroup of their own), and this test steers with it");
                // The budget and the switch go where operators put them (stardust ops budget, stardust ops
                // controller): into the cluster, which the controller reads every period.
                final ClusterControlStore operator = new ClusterControlStore(client);
                operator.setBudget(null, BudgetSpec.watts(1_000, System.currentTimeMillis()));
                final List<String> log = new ArrayList<>();
                final LiveController live = new LiveController(new ClientPlant(client, 3, 2, 0), MEMBER,
                    List.of("dc1", "dc1", "dc1"), ControllerConfig.defaults(2).withFloor(0.03), new OvershootLedger(60),
                    null, null, operator, System.currentTimeMillis(), true, log::add);
                // Three loads of 64 commits in flight each: enough to keep the members near the machine's two cores,
                // so that what "full" draws is steady and half of it is well below.
                try (AckedWrites load = new AckedWrites(client, "kv", "k");
                    AckedWrites load2 = new AckedWrites(client, "kv", "l");
                    AckedWrites load3 = new AckedWrites(client, "kv", "m"))
                {
                    // Warm: the members' first seconds of load also pay for JIT compilation, which would inflate what
                    // "full" draws and make half of it easy.
                    load.awaitMore(3_000, "warm");
                    final Runner run = new Runner(live, log);
                    run.periods(3);
                    final double full = mean(run.periods(4));
                    final double half = full / 2;
                    operator.setBudget(null, BudgetSpec.watts(half, System.currentTimeMillis()));
                    final List<LiveController.Period> down = run.periods(SETTLE + 4);
                    assertTrue(underWithin(down, half), "on: under " + half + " W within " + SETTLE + " periods " +
                        "(it drew " + full + " W at full):\n" + String.join("\n", run.lines(down.size())));
                    assertTrue(mean(down.subList(SETTLE, down.size())) <= half * 1.1, "and stays near or under:\n" +
                        String.join("\n", run.lines(down.size())));

                    operator.setBudget(null, BudgetSpec.watts(full * 1.5, System.currentTimeMillis()));
                    // The load comes back from the throttled spell with a backlog (epoch latency near a second at
                    // first): judged by its best 3 periods of 8, and by the throughput it gets back.
                    final List<LiveController.Period> up = run.periods(SETTLE + 3);
                    final List<LiveController.Period> held = down.subList(SETTLE, down.size());
                    assertTrue(best3(up) > 1.3 * mean(held) && best3Tps(up) > 1.5 * meanTps(held), "power rises " +
                        "again after the step up: " + best3(up) + " W and " + best3Tps(up) + " txn/s at best against " +
                        mean(held) + " W and " + meanTps(held) + " txn/s under half the budget:\n" +
                        String.join("\n", run.lines(down.size() + up.size())));

                    // The same step down with the controller off (quotas lifted): the check above must fail.
                    operator.setController(false);
                    for (int m = 0; m < 3; m++)
                    {
                        client.setKnob(m, Knob.CPU_QUOTA_MILLICORES, 0).get(10, TimeUnit.SECONDS);
                    }
                    run.periods(2);
                    operator.setBudget(null, BudgetSpec.watts(half, System.currentTimeMillis()));
                    final List<LiveController.Period> off = run.periods(SETTLE + 1);
                    assertTrue(off.stream().allMatch((p) -> p.decision() == null && p.knobs().contains("controller " +
                        "off")), "the switch stored in the cluster turned the controller off:\n" +
                        String.join("\n", run.lines(off.size())));
                    assertFalse(underWithin(off, half), "off: the load alone must stay over " + half + " W:\n" +
                        String.join("\n", run.lines(off.size())));
                    load.awaitMore(100, "the cluster still commits");
                }
                System.out.println("ControllerIT periods:\n" + String.join("\n", log));
            }
        }
    }

    /** @return true when some period among the first {@link #SETTLE} after a step is at or under the budget. */
    private static boolean underWithin(final List<LiveController.Period> periods, final double budget)
    {
        for (int k = 0; k < SETTLE && k < periods.size(); k++)
        {
            if (periods.get(k).watts() <= budget)
            {
                return true;
            }
        }
        return false;
    }

    private static double best3(final List<LiveController.Period> periods)
    {
        double best = 0;
        for (int k = 0; k + 3 <= periods.size(); k++)
        {
            best = Math.max(best, mean(periods.subList(k, k + 3)));
        }
        return best;
    }

    private static double best3Tps(final List<LiveController.Period> periods)
    {
        double best = 0;
        for (int k = 0; k + 3 <= periods.size(); k++)
        {
            best = Math.max(best, meanTps(periods.subList(k, k + 3)));
        }
        return best;
    }

    private static double meanTps(final List<LiveController.Period> periods)
    {
        return periods.stream().mapToDouble(LiveController.Period::txnPerSecond).average().orElse(0);
    }

    private static double mean(final List<LiveController.Period> periods)
    {
        return periods.stream().mapToDouble(LiveController.Period::watts).average().orElse(0);
    }

    /** Runs the controller one period at a time on its own clock. */
    private static final class Runner
    {
        private final LiveController live;
        private final List<String> log;
        private final long start = System.nanoTime();
        private long tick;

        Runner(final LiveController live, final List<String> log) throws Exception
        {
            this.live = live;
            this.log = log;
            live.step(0);
        }

        List<LiveController.Period> periods(final int n) throws Exception
        {
            final List<LiveController.Period> periods = new ArrayList<>();
            for (int i = 0; i < n; i++)
            {
                tick++;
                final long due = start + tick * live.periodNanos();
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime())
                {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
                periods.add(live.step((System.nanoTime() - start) / 1e9));
            }
            return periods;
        }

        List<String> lines(final int n)
        {
            return log.subList(Math.max(0, log.size() - n), log.size());
        }
    }
}
