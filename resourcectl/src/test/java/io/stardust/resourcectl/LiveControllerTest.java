package io.stardust.resourcectl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LiveControllerTest
{
    @TempDir
    Path dir;

    /** Three members that would each use 0.6 cores; a quota caps each. */
    private static final class QuotaPlant implements ClusterPlant
    {
        final double[] quota = new double[3];
        int applied;

        public List<MemberSample> sample()
        {
            final List<MemberSample> samples = new ArrayList<>();
            for (int m = 0; m < 3; m++)
            {
                final double cores = quota[m] > 0 ? Math.min(0.6, quota[m]) : 0.6;
                samples.add(new MemberSample(m, cores, quota[m], 1000 * cores, 500));
            }
            return samples;
        }

        public String apply(final double[] capacity)
        {
            applied++;
            for (int m = 0; m < 3; m++)
            {
                quota[m] = capacity[m] * 2;
            }
            return "quota " + java.util.Arrays.toString(quota);
        }
    }

    private static final PowerModel MEMBER = new PowerModel(2, 30, 2);

    @Test
    void shouldHoldTheClusterUnderABudgetStepAndSaveTheLedger() throws Exception
    {
        final QuotaPlant plant = new QuotaPlant();
        // Full demand: 3 x (2 + 28 x 0.3) = 31.2 W. The budget halves that at 10 s.
        final Budget budget = (t) -> t < 10 ? 40 : 16;
        final Path ledgerFile = dir.resolve("ledger");
        final List<String> log = new ArrayList<>();
        final LiveController live = new LiveController(plant, budget, MEMBER, 3, ControllerConfig.defaults(1),
            new OvershootLedger(60), ledgerFile, true, log::add);
        assertNull(live.step(0), "the first step only samples");
        final List<LiveController.Period> periods = new ArrayList<>();
        for (int t = 1; t <= 30; t++)
        {
            periods.add(live.step(t));
        }
        assertTrue(periods.get(5).watts() > 30, "before the drop the plant runs free: " + periods.get(5));
        boolean under = false;
        for (int k = 10; k < 15; k++)
        {
            under |= periods.get(k).watts() <= 16;
        }
        assertTrue(under, "under the new budget within 5 periods: " + log.subList(9, 16));
        for (int k = 15; k < 30; k++)
        {
            assertTrue(periods.get(k).watts() <= 16.01, log.get(k));
        }
        assertEquals(30, plant.applied);
        assertTrue(log.get(20).contains("quota"), log.get(20));
        final OvershootLedger saved = OvershootLedger.load(ledgerFile, 60);
        assertEquals(live.ledger().debtJoules(), saved.debtJoules(), 1e-9);
        assertEquals(30, saved.seconds(), 1e-9);
    }

    @Test
    void shouldLeaveTheKnobsAloneWhenOff() throws Exception
    {
        final QuotaPlant plant = new QuotaPlant();
        final LiveController live = new LiveController(plant, (t) -> 10, MEMBER, 3, ControllerConfig.defaults(1),
            new OvershootLedger(60), null, false, (line) -> { });
        live.step(0);
        for (int t = 1; t <= 10; t++)
        {
            final LiveController.Period p = live.step(t);
            assertNull(p.decision());
            assertTrue(p.watts() > 10);
        }
        assertEquals(0, plant.applied);
        assertTrue(live.ledger().debtJoules() > 100, "overshoot is still accounted: " + live.ledger().debtJoules());
    }

    /** A source an operator changes between steps; it can be made to fail. */
    private static final class Operator implements ControlSource
    {
        ControlState state = ControlState.NONE;
        boolean unreachable;

        public ControlState read()
        {
            if (unreachable)
            {
                throw new IllegalStateException("no leader");
            }
            return state;
        }
    }

    private static final long START = 1_700_000_000_000L;

    @Test
    void shouldFollowTheBudgetAndTheSwitchThatOperatorsStoreInTheCluster() throws Exception
    {
        final QuotaPlant plant = new QuotaPlant();
        final Operator operator = new Operator();
        final List<String> log = new ArrayList<>();
        final LiveController live = new LiveController(plant, MEMBER, List.of("dc1", "dc1", "dc1"),
            ControllerConfig.defaults(1), new OvershootLedger(60), dir.resolve("ledger"), null, operator, START, true,
            log::add);
        live.step(0);
        final LiveController.Period none = live.step(1);
        assertTrue(Double.isNaN(none.budgetWatts()) && none.knobs().contains("no budget"), none.toString());
        assertEquals(0, plant.applied, "no budget: the knobs are not touched");

        operator.state = new ControlState(true, BudgetSpec.watts(16, START), java.util.Map.of());
        final LiveController.Period firstWithBudget = live.step(2);
        assertTrue(firstWithBudget.decision() != null && plant.quota[0] > 0 && plant.quota[0] < 1,
            "a budget is followed from the period it appears in, never with the quotas lifted first: " +
            firstWithBudget + ", quota " + plant.quota[0]);
        operator.state = new ControlState(true, BudgetSpec.watts(16, START + 2_000), java.util.Map.of());
        live.step(3);
        assertTrue(plant.quota[0] < 1, "nor when it changes: quota " + plant.quota[0]);
        for (int t = 4; t <= 12; t++)
        {
            live.step(t);
        }
        assertTrue(live.step(13).watts() <= 16.01, String.join("\n", log));
        final int applied = plant.applied;

        operator.state = new ControlState(false, BudgetSpec.watts(16, START), java.util.Map.of());
        final LiveController.Period off = live.step(14);
        assertNull(off.decision());
        assertTrue(off.knobs().contains("stardust ops controller off"), off.knobs());
        assertEquals(applied, plant.applied, "off: the knobs stay where they are");

        operator.state = new ControlState(true, BudgetSpec.watts(1000, START), java.util.Map.of());
        operator.unreachable = true;
        final LiveController.Period stale = live.step(15);
        assertTrue(log.get(log.size() - 1).contains("cannot read the controller's instructions"), log.get(log.size() - 1));
        assertEquals(16, stale.budgetWatts(), 1e-9, "an unreadable source leaves the last instructions in force");
        assertNull(stale.decision(), "and the last said off");

        operator.unreachable = false;
        for (int t = 16; t <= 30; t++)
        {
            live.step(t);
        }
        assertTrue(live.step(31).watts() > 30, "a budget raised lets the plant run free again: " + log.get(log.size() - 1));
    }

    @Test
    void shouldHoldEachDatacenterUnderItsOwnBudgetWithItsOwnLedger() throws Exception
    {
        final QuotaPlant plant = new QuotaPlant();
        final Operator operator = new Operator();
        // Member 2 alone in dc-b, at most 6 W: it would draw 2 + 28 * 0.3 = 10.4 W free; 6 W is a quota of 0.29 cores.
        operator.state = new ControlState(true, null, java.util.Map.of("dc-b", BudgetSpec.watts(6, START),
            "dc-z", BudgetSpec.watts(6, START)));
        final List<String> log = new ArrayList<>();
        final Path ledgerFile = dir.resolve("ledger");
        final LiveController live = new LiveController(plant, MEMBER, List.of("dc-a", "dc-a", "dc-b"),
            ControllerConfig.defaults(1), new OvershootLedger(60), ledgerFile, null, operator, START, true, log::add);
        live.step(0);
        LiveController.Period p = null;
        for (int t = 1; t <= 20; t++)
        {
            p = live.step(t);
        }
        assertTrue(MEMBER.watts(plant.quota[2]) <= 6.01, "dc-b's member is held at its budget: " + log.get(19));
        assertEquals(2.0, plant.quota[0], 1e-9, "dc-a has no budget, so its members run at full: " + log.get(19));
        assertEquals(6, p.budgetWatts(), 1e-9);
        assertTrue(log.get(19).contains("dc-z, which has no member"), "a budget for an unknown datacenter is reported: " +
            log.get(19));
        assertTrue(java.nio.file.Files.exists(dir.resolve("ledger.dc-b")), "dc-b's ledger is kept beside the cluster's");
        assertTrue(live.ledger("dc-b").debtJoules() >= 0 && live.ledger("dc-a") == null);
    }

    /** A plant with databases: each draws its rate at the datacenter that serves it. */
    private static final class TenantPlant implements ClusterPlant
    {
        final QuotaPlant members = new QuotaPlant();
        final java.util.Map<String, String> where = new java.util.TreeMap<>(java.util.Map.of("shop", "dc1",
            "blog", "dc2", "wiki", "dc3"));
        final java.util.Map<String, Double> rate = new java.util.TreeMap<>(java.util.Map.of("shop", 80.0,
            "blog", 30.0, "wiki", 0.1));
        final List<String> moves = new ArrayList<>();

        public List<MemberSample> sample()
        {
            return members.sample();
        }

        public String apply(final double[] capacity)
        {
            return members.apply(capacity);
        }

        public List<TenantPlacement.Tenant> tenants()
        {
            return where.keySet().stream().map((n) -> new TenantPlacement.Tenant(n, where.get(n), rate.get(n)))
                .toList();
        }

        public String move(final String database, final String datacenter)
        {
            moves.add(database + "->" + datacenter);
            where.put(database, datacenter);
            return "moved";
        }
    }

    @Test
    void shouldMoveDatabasesAwayFromADatacenterWhoseBudgetDropsAndBackAndParkAnIdleOne() throws Exception
    {
        final TenantPlant plant = new TenantPlant();
        final Operator operator = new Operator();
        final List<String> log = new ArrayList<>();
        final LiveController live = new LiveController(plant, MEMBER, List.of("dc1", "dc2", "dc3"),
            ControllerConfig.defaults(1), new OvershootLedger(60), null, null, operator, START, true, log::add)
            .placement(new TenantPlacement(1.0, 3, 0.1, 3));
        // dc3 has the least headroom: 10.4 W drawn of 11 W.
        operator.state = new ControlState(true, null, java.util.Map.of("dc1", BudgetSpec.watts(40, START),
            "dc2", BudgetSpec.watts(40, START), "dc3", BudgetSpec.watts(11, START)));
        live.step(0);
        for (int t = 1; t <= 4; t++)
        {
            live.step(t);
        }
        assertEquals("dc3", plant.where.get("wiki"), "idle wiki was parked where capacity is scarcest (it was " +
            "there already)");
        assertEquals(List.of(), plant.moves, "nothing to move while every datacenter has its capacity: " + log);

        operator.state = new ControlState(true, null, java.util.Map.of("dc1", BudgetSpec.watts(5, START),
            "dc2", BudgetSpec.watts(40, START), "dc3", BudgetSpec.watts(11, START)));
        for (int t = 5; t <= 8; t++)
        {
            live.step(t);
        }
        assertEquals("dc2", plant.where.get("shop"), "shop left dc1 when its budget dropped, for the datacenter " +
            "with the most headroom: " + String.join("\n", log));
        assertTrue(String.join("\n", log).contains("dc1 is under pressure"), "the move and its reason are in the log");

        operator.state = new ControlState(true, null, java.util.Map.of("dc1", BudgetSpec.watts(40, START),
            "dc2", BudgetSpec.watts(40, START), "dc3", BudgetSpec.watts(11, START)));
        for (int t = 9; t <= 20; t++)
        {
            live.step(t);
        }
        assertEquals("dc1", plant.where.get("shop"), "shop came home once dc1 had its capacity back: " +
            String.join("\n", log));
        assertEquals(List.of("shop->dc2", "shop->dc1"), plant.moves);

        plant.rate.put("blog", 0.2);
        for (int t = 21; t <= 24; t++)
        {
            live.step(t);
        }
        assertEquals("dc3", plant.where.get("blog"), "idle blog parked in dc3: " + plant.moves);
        plant.rate.put("blog", 25.0);
        live.step(25);
        assertEquals("dc2", plant.where.get("blog"), "and home when it wakes: " + plant.moves);
    }

    @Test
    void shouldStartNewWindowsWhenTheBudgetChangesAndKeepTheDebt() throws Exception
    {
        final QuotaPlant plant = new QuotaPlant();
        final Operator operator = new Operator();
        operator.state = new ControlState(false, BudgetSpec.watts(10, START), java.util.Map.of());
        final LiveController live = new LiveController(plant, MEMBER, List.of("dc1", "dc1", "dc1"),
            ControllerConfig.defaults(1), new OvershootLedger(60), null, null, operator, START, true, (l) -> { });
        for (int t = 0; t <= 10; t++)
        {
            live.step(t);
        }
        final double debt = live.ledger().debtJoules();
        assertTrue(debt > 100, "off, over budget: " + debt);
        operator.state = new ControlState(false, BudgetSpec.watts(10, START + 10_000), java.util.Map.of());
        live.step(11);
        live.step(12);
        assertEquals(1, live.ledger().closedWindowNetJoules().size(), "the old trace's window is closed");
        assertTrue(live.ledger().debtJoules() > debt, "the debt carries over and grows");
        assertTrue(live.ledger().seconds() < 3, "windows count from the new budget's start: " + live.ledger().seconds());
    }

    @Test
    void shouldMeasureTheClusterWithRaplWhereTheHostHasIt() throws Exception
    {
        final Path powercap = java.nio.file.Files.createDirectories(dir.resolve("powercap/intel-rapl:0"));
        java.nio.file.Files.writeString(powercap.resolve("name"), "package-0\n");
        java.nio.file.Files.writeString(powercap.resolve("max_energy_range_uj"), "262143328850\n");
        java.nio.file.Files.writeString(powercap.resolve("energy_uj"), "0\n");
        final QuotaPlant plant = new QuotaPlant();
        final List<String> log = new ArrayList<>();
        final LiveController live = new LiveController(plant, (t) -> 200, MEMBER, 3, ControllerConfig.defaults(1),
            new OvershootLedger(60), null, true, log::add).hostMeter(RaplMeter.open(dir.resolve("powercap")));
        live.step(0);
        // The model says 31.2 W; the meter says 150 J in 1 s.
        java.nio.file.Files.writeString(powercap.resolve("energy_uj"), "150000000\n");
        final LiveController.Period p = live.step(1);
        assertEquals(150, p.watts(), 1e-9, log.toString());
        assertTrue(p.decision().reason().contains("measured 150.0 W"), p.decision().reason());
    }
}
