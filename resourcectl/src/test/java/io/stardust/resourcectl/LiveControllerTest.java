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

    /** Three members that would each use 0.6 cores; a quota caps them. */
    private static final class QuotaPlant implements ClusterPlant
    {
        double quota = -0.0;
        int applied;

        public List<MemberSample> sample()
        {
            final List<MemberSample> samples = new ArrayList<>();
            for (int m = 0; m < 3; m++)
            {
                final double cores = quota > 0 ? Math.min(0.6, quota) : 0.6;
                samples.add(new MemberSample(m, cores, quota, 1000 * cores, 500));
            }
            return samples;
        }

        public String apply(final double capacity)
        {
            applied++;
            quota = capacity * 2;
            return "quota " + quota;
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
}
