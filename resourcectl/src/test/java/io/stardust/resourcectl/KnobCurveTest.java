package io.stardust.resourcectl;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KnobCurveTest
{
    private static final KnobCurve CURVE = new KnobCurve(List.of(
        new KnobCurve.Point(1.0, 0.8, 9000),
        new KnobCurve.Point(0.1, 0.1, 500),
        new KnobCurve.Point(0.5, 0.6, 6000),
        // Noise: less CPU at 0.7 than at 0.5 is read as the same.
        new KnobCurve.Point(0.7, 0.55, 7000)));

    @Test
    void shouldInterpolateAndInvertAMonotoneCurve()
    {
        assertEquals(0.1, CURVE.points().get(0).capacity());
        assertEquals(0.6, CURVE.points().get(2).memberCores(), 1e-12, "made monotone");
        assertEquals(0.35, CURVE.memberCores(0.3), 1e-12);
        assertEquals(3250, CURVE.txnPerSecond(0.3), 1e-9);
        assertEquals(0.1, CURVE.memberCores(0.05), 1e-12, "below the lowest point, its value");
        assertEquals(0.8, CURVE.memberCores(1.0), 1e-12);
        assertEquals(0.3, CURVE.capacityFor(0.35), 1e-12);
        assertEquals(0.5, CURVE.capacityFor(0.6), 1e-12, "the lowest capacity that gives it");
        assertEquals(0.1, CURVE.capacityFor(0.01), 1e-12);
        assertEquals(1.0, CURVE.capacityFor(1.5), 1e-12, "more than it ever used: the top");
        for (double c = 0.1; c <= 1.0; c += 0.05)
        {
            final double cores = CURVE.memberCores(c);
            assertTrue(CURVE.memberCores(CURVE.capacityFor(cores)) >= cores - 1e-9, "round trip at " + c);
        }
    }

    @Test
    void shouldReadBackWhatItWritesAndRefuseBadCurves()
    {
        final KnobCurve back = KnobCurve.parse(CURVE.format());
        assertEquals(CURVE.points().size(), back.points().size());
        assertEquals(CURVE.memberCores(0.42), back.memberCores(0.42), 1e-4);
        assertThrows(IllegalArgumentException.class, () -> new KnobCurve(List.of(new KnobCurve.Point(1, 1, 1))));
        assertThrows(IllegalArgumentException.class, () -> new KnobCurve(List.of(new KnobCurve.Point(1, 1, 1),
            new KnobCurve.Point(1, 2, 1))));
        assertThrows(IllegalArgumentException.class, () -> new KnobCurve(List.of(new KnobCurve.Point(0, 1, 1),
            new KnobCurve.Point(1, 2, 1))));
        final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
            () -> KnobCurve.parse("capacity,member_cores,txn_per_second\n1,0.5,100\n0.5,x,10\n"));
        assertTrue(bad.getMessage().contains("curve line 3"), bad.getMessage());
    }

    /** A plant whose members use half their quota plus 0.1 cores, up to a demand of 0.6: not the model's line. */
    static final class HalfQuotaPlant implements ClusterPlant
    {
        final double[] quota = {2, 2, 2};

        double cores(final int m)
        {
            return Math.min(0.6, 0.5 * quota[m] + 0.1);
        }

        public List<MemberSample> sample()
        {
            final List<MemberSample> samples = new ArrayList<>();
            for (int m = 0; m < 3; m++)
            {
                samples.add(new MemberSample(m, cores(m), quota[m], 10_000 * cores(m), 500));
            }
            return samples;
        }

        public String apply(final double[] capacity)
        {
            for (int m = 0; m < 3; m++)
            {
                quota[m] = capacity[m] * 2;
            }
            return "quota " + quota[0];
        }
    }

    @Test
    void shouldMeasureTheCurveAndLiftTheQuotasAfter() throws Exception
    {
        final HalfQuotaPlant plant = new HalfQuotaPlant();
        final List<String> log = new ArrayList<>();
        final List<Double> slept = new ArrayList<>();
        final KnobCurve curve = Calibration.run(plant, 3, new double[] {1, 0.5, 0.2, 0.1}, 3, 2, 2, slept::add,
            log::add);
        assertEquals(0.6, curve.memberCores(1), 1e-12);
        assertEquals(0.3, curve.memberCores(0.2), 1e-12, "0.5 x 0.4 + 0.1");
        assertEquals(3000, curve.txnPerSecond(0.2), 1e-9);
        assertEquals(4, log.size());
        assertEquals(12, slept.size(), "a settle and two samples per setting");
        assertEquals(2.0, plant.quota[0], 1e-12, "full again at the end");
    }

    @Test
    void shouldRefuseToCalibrateWithoutAQuotaKnob()
    {
        final ClusterPlant noKnob = new ClusterPlant()
        {
            public List<MemberSample> sample()
            {
                return List.of(new MemberSample(0, 0.5, -1, 100, 10));
            }

            public String apply(final double[] capacity)
            {
                return "no knob turned";
            }
        };
        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> Calibration.run(noKnob, 1,
            new double[] {1, 0.5}, 0, 1, 1, (s) -> { }, (l) -> { }));
        assertTrue(ex.getMessage().contains("no member has a CPU quota knob"), ex.getMessage());
    }

    /**
     * The plant uses more than the model's line says at low quotas, and is never "limited" (it never uses 85% of its
     * quota there), so the line alone leaves power, and so throughput, unused under the budget; the measured curve
     * puts it at the target in the first period after the drop.
     */
    @Test
    void shouldSpendTheBudgetThroughAMeasuredCurveWhereTheLineFallsShort() throws Exception
    {
        final PowerModel member = new PowerModel(2, 30, 2);
        final double[] settled = new double[2];
        for (int withCurve = 0; withCurve < 2; withCurve++)
        {
            final HalfQuotaPlant plant = new HalfQuotaPlant();
            final KnobCurve curve = Calibration.run(plant, 3, new double[] {1, 0.7, 0.5, 0.35, 0.2, 0.1}, 0, 1, 1,
                (s) -> { }, (l) -> { });
            final LiveController live = new LiveController(plant, (t) -> t < 5 ? 100 : 20, member, 3,
                ControllerConfig.defaults(1), new OvershootLedger(60), null, true, (l) -> { });
            if (withCurve == 1)
            {
                live.curve(curve);
            }
            live.step(0);
            for (int t = 1; t <= 5; t++)
            {
                live.step(t);
            }
            final LiveController.Period first = live.step(6);
            assertTrue(first.watts() <= 20, "under the budget at once either way: " + first);
            for (int t = 7; t <= 15; t++)
            {
                settled[withCurve] = live.step(t).watts();
            }
        }
        // Target: 20 W less the 1.5% margin = 19.7 W.
        assertTrue(settled[1] >= 19.0 && settled[1] <= 20, "with the curve: " + settled[1] + " W");
        assertTrue(settled[0] < 18, "the line alone leaves budget unspent (the check has something to catch): " +
            settled[0] + " W");
    }
}
