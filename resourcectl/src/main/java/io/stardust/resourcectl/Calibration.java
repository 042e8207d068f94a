package io.stardust.resourcectl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Measures a {@link KnobCurve} on a running cluster under its present load: for each capacity in turn, set it on
 * every member, let the cluster settle, then sample each member's CPU and the cluster's throughput. Run it under the
 * load the controller will face: the curve says what the knobs do to that load. At the end every member is set back
 * to full capacity.
 */
public final class Calibration
{
    /** How a calibration waits; tests pass one that does not. */
    @FunctionalInterface
    public interface Sleeper
    {
        /** @param seconds how long. @throws InterruptedException when interrupted. */
        void sleep(double seconds) throws InterruptedException;
    }

    /** Real time. */
    public static final Sleeper REAL_TIME = (s) -> Thread.sleep(Math.round(s * 1000));

    private Calibration()
    {
    }

    /**
     * @param plant         the cluster.
     * @param members       how many members it has.
     * @param capacities    the capacities to measure, in the order given (at least two, each in (0, 1]).
     * @param settleSeconds time after each setting before sampling.
     * @param samples       samples per setting (each over {@code sampleSeconds}).
     * @param sampleSeconds time each sample covers.
     * @param sleeper       how to wait.
     * @param log           a line per setting.
     * @return the curve.
     * @throws InterruptedException when interrupted (the members are set back to full first).
     * @throws IllegalStateException when no member could be sampled at some setting.
     */
    public static KnobCurve run(final ClusterPlant plant, final int members, final double[] capacities,
        final double settleSeconds, final int samples, final double sampleSeconds, final Sleeper sleeper,
        final Consumer<String> log) throws InterruptedException
    {
        if (capacities.length < 2 || samples < 1 || !(sampleSeconds > 0) || !(settleSeconds >= 0))
        {
            throw new IllegalArgumentException("a calibration needs two capacities or more, one sample or more, and " +
                "times above 0: " + Arrays.toString(capacities) + ", " + samples + " samples of " + sampleSeconds +
                " s after " + settleSeconds + " s");
        }
        final List<KnobCurve.Point> points = new ArrayList<>();
        final double[] all = new double[members];
        try
        {
            for (final double c : capacities)
            {
                Arrays.fill(all, c);
                final String knobs = plant.apply(all);
                sleeper.sleep(settleSeconds);
                plant.sample();
                double cores = 0;
                double txns = 0;
                int counted = 0;
                for (int k = 0; k < samples; k++)
                {
                    sleeper.sleep(sampleSeconds);
                    final List<ClusterPlant.MemberSample> sample = plant.sample();
                    if (sample.isEmpty())
                    {
                        continue;
                    }
                    double sampleTxns = 0;
                    if (sample.stream().allMatch((s) -> s.quotaCores() < 0))
                    {
                        throw new IllegalStateException("no member has a CPU quota knob (they could not join a cgroup " +
                            "of their own; their logs say why), so capacity changes nothing to measure");
                    }
                    for (final ClusterPlant.MemberSample s : sample)
                    {
                        cores += s.cores() / sample.size();
                        sampleTxns = Math.max(sampleTxns, s.txnPerSecond());
                    }
                    txns += sampleTxns;
                    counted++;
                }
                if (counted == 0)
                {
                    throw new IllegalStateException("no member answered at capacity " + c);
                }
                final KnobCurve.Point p = new KnobCurve.Point(c, cores / counted, txns / counted);
                points.add(p);
                log.accept(String.format(Locale.ROOT, "capacity %.2f (%s): %.3f cores a member, %.0f txn/s", c, knobs,
                    p.memberCores(), p.txnPerSecond()));
            }
        }
        finally
        {
            Arrays.fill(all, 1.0);
            plant.apply(all);
        }
        return new KnobCurve(points);
    }
}
