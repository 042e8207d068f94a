package io.stardust.resourcectl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PowerControllerTest
{
    private static final ControllerConfig CONFIG = ControllerConfig.defaults(Plants.PERIOD);

    @Test
    void shouldGetUnderABudgetThatStepsDownWithinThreePeriodsAndStayUnderIt()
    {
        final Budget budget = Plants.step(85, 60, 60);
        final Simulation.Run run = Simulation.run(budget, Plants.fullLoad(0.5, 0.5), CONFIG, Plants.MODEL, 180, 60,
            true);
        assertEquals(1, run.evaluation().settlingPeriods().size(), "one step drop: " + run.evaluation().table());
        assertTrue(run.evaluation().worstSettlingPeriods() <= 3, run.evaluation().table());
        // After it settles, power stays under the budget but for measurement noise (0.5 W): never by 3 sigma.
        final int settled = 60 + run.evaluation().worstSettlingPeriods();
        double sum = 0;
        for (int k = settled; k < 180; k++)
        {
            sum += run.power()[k];
            assertTrue(run.power()[k] <= 61.5, "period " + k + ": " + run.power()[k] + " W; " +
                run.decisions().get(k).reason());
        }
        assertTrue(sum / (180 - settled) <= 60, "mean power after settling " + sum / (180 - settled));
        // The same plant without the controller stays over the new budget: the test above has something to catch.
        final Simulation.Run off = Simulation.run(budget, Plants.fullLoad(0.5, 0.5), CONFIG, Plants.MODEL, 180, 60,
            false);
        assertTrue(off.evaluation().timeOverFraction() > 0.5, off.evaluation().table());
    }

    @Test
    void shouldRiseAgainAfterAStepUp()
    {
        final Simulation.Run run = Simulation.run(Plants.step(60, 60, 85), Plants.fullLoad(0.5, 0.5), CONFIG,
            Plants.MODEL, 120, 60, true);
        final double low = run.throughput()[55];
        final double high = run.throughput()[115];
        assertTrue(high > low * 1.5, "throughput " + low + " -> " + high);
        assertTrue(high >= 0.9 * run.oracle()[115], "throughput " + high + " against the oracle's " +
            run.oracle()[115]);
        assertTrue(run.power()[115] <= 85, "power " + run.power()[115]);
    }

    @Test
    void shouldFollowARampWithLittleEnergyOverBudget()
    {
        final Budget ramp = (t) -> t < 30 ? 88 : t > 130 ? 55 : 88 - 33 * (t - 30) / 100;
        final Simulation.Run run = Simulation.run(ramp, Plants.fullLoad(0.5, 0.5), CONFIG, Plants.MODEL, 200, 60,
            true);
        assertTrue(run.evaluation().energyOverFraction() <= 0.01, run.evaluation().table());
        assertTrue(run.evaluation().throughputFraction() >= 0.9, run.evaluation().table());
    }

    @Test
    void shouldStayNearTheBudgetUnderNoise()
    {
        final Simulation.Run run = Simulation.run(Plants.step(85, 50, 62), Plants.fullLoad(0.5, 2.0), CONFIG,
            Plants.MODEL, 300, 60, true);
        // Noise of 2 W against a margin of about 0.9 W: some periods go over; the ledger pays them back.
        assertTrue(run.evaluation().energyOverFraction() <= 0.01, run.evaluation().table());
        assertTrue(run.evaluation().throughputFraction() >= 0.85, run.evaluation().table());
    }

    @Test
    void shouldPayAnOvershootBackByRunningUnderBudget()
    {
        // A slow plant (5 s lag) cannot follow the drop at once, so it overshoots; the controller must then run under
        // budget until the debt is paid, across the window boundary at 60 s, and stay clear after.
        final Simulation.Run run = Simulation.run(Plants.step(88, 10, 55), Plants.fullLoad(5.0, 0.0), CONFIG,
            Plants.MODEL, 180, 60, true);
        final Evaluation e = run.evaluation();
        assertTrue(e.energyOverJoules() > 50, "the slow plant must overshoot for this test to mean anything: " +
            e.table());
        int paid = -1;
        for (int k = 11; k < 180 && paid < 0; k++)
        {
            paid = run.debt()[k] == 0 ? k : -1;
        }
        assertTrue(paid > 0 && paid < 90, "debt paid at period " + paid + "; " + e.table());
        for (int k = paid; k < 180; k++)
        {
            assertEquals(0.0, run.debt()[k], 1e-9, "period " + k);
        }
        assertTrue(e.windowNetJoules().get(0) + e.windowNetJoules().get(1) >= 0, "net over the first two windows: " +
            e.table());
        for (final Decision d : run.decisions())
        {
            assertTrue(d.budgetWatts() * (1 - CONFIG.marginFraction()) - d.targetWatts() <=
                CONFIG.maxPaybackFraction() * d.budgetWatts() + 1e-9, "withheld more than the largest share: " +
                d.reason());
        }
        assertTrue(run.decisions().stream().anyMatch((d) -> d.reason().contains("paying back")));
    }

    @Test
    void shouldNotWindUpWhileTheKnobsAreSaturated()
    {
        // The budget is above what the plant can draw, so capacity sits at 1 for 200 periods with power under the
        // target and the knobs limiting load: an integrator without anti-windup would grow all that time.
        final Simulation.Run run = Simulation.run(Plants.step(120, 200, 60), Plants.fullLoad(0.5, 0.5), CONFIG,
            Plants.MODEL, 260, 60, true);
        for (int k = 5; k < 200; k++)
        {
            assertEquals(1.0, run.capacity()[k], 1e-9, "period " + k);
        }
        assertTrue(run.evaluation().worstSettlingPeriods() <= 2, run.evaluation().table());
    }

    @Test
    void shouldBoundTheIntegralTermDuringSaturation()
    {
        final PowerController c = new PowerController(CONFIG, Plants.MODEL);
        for (int k = 0; k < 1_000; k++)
        {
            // Always 20 W under the target, always limited, capacity held at 1.
            c.decide(k, 120, 80, true, 0);
        }
        assertEquals(1.0, c.capacity(), 1e-9);
        assertEquals(0.0, c.integralWatts(), 1e-9, "the integral moved while the capacity was held at full");
    }

    @Test
    void shouldKeepTheFloorWhenTheBudgetIsBelowIt()
    {
        final ControllerConfig config = CONFIG.withFloor(0.25);
        final PowerController c = new PowerController(config, Plants.MODEL);
        // The floor draws 45 + 45 * 0.25 = 56.25 W by the model; a 40 W budget is under it.
        final Decision d = c.decide(0, 40, 70, true, 0);
        assertTrue(d.floorKept());
        assertEquals(0.25, d.capacity(), 1e-9);
        assertTrue(d.reason().contains("below the floor"), d.reason());
        final Simulation.Run run = Simulation.run(Plants.step(85, 30, 40), Plants.fullLoad(0.5, 0.5), config,
            Plants.MODEL, 90, 60, true);
        for (int k = 0; k < run.capacity().length; k++)
        {
            assertTrue(run.capacity()[k] >= 0.25 - 1e-9, "period " + k + " capacity " + run.capacity()[k]);
        }
        assertTrue(run.throughput()[80] > 0, "the floor keeps serving");
    }

    @Test
    void shouldRefuseABudgetOfZeroOrLess()
    {
        final PowerController c = new PowerController(CONFIG, Plants.MODEL);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.decide(0, 0, 50, false, 0)).getMessage()
            .contains("above 0 W"));
        assertThrows(IllegalArgumentException.class, () -> c.decide(0, -5, 50, false, 0));
        assertThrows(IllegalArgumentException.class, () -> c.decide(0, Double.NaN, 50, false, 0));
    }

    @Test
    void shouldRefuseSettingsOutOfRange()
    {
        assertThrows(IllegalArgumentException.class, () -> CONFIG.withFloor(0));
        assertThrows(IllegalArgumentException.class, () -> CONFIG.withFloor(1.5));
        assertThrows(IllegalArgumentException.class, () -> CONFIG.withGains(-1, 0.1));
        assertThrows(IllegalArgumentException.class, () -> ControllerConfig.defaults(0));
    }

    @Test
    void shouldExplainEveryDecision()
    {
        final Simulation.Run run = Simulation.run(Plants.step(85, 10, 60), Plants.fullLoad(0.5, 0.5), CONFIG,
            Plants.MODEL, 20, 60, true);
        assertEquals(20, run.decisions().size());
        for (final Decision d : run.decisions())
        {
            assertTrue(d.reason().startsWith("budget "), d.reason());
            assertFalse(d.reason().isBlank());
        }
    }
}
