package io.stardust.resourcectl;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

/**
 * A deterministic, time-compressed stand-in for a cluster under load, for evaluating the controller: demand (a
 * fraction of peak throughput over time) runs into the capacity that the knobs allow, and utilisation follows with a
 * first-order lag. Power comes from its own {@link PowerModel} plus seeded noise, so the controller's model can be
 * made wrong on purpose.
 */
public final class SimulatedPlant
{
    /** What one period of the plant looked like. */
    public record Observation(double watts, double throughput, double utilisation, boolean limited)
    {
    }

    private final PowerModel model;
    private final double peakThroughput;
    private final DoubleUnaryOperator demand;
    private final double gain;
    private final double lagSeconds;
    private final double noiseWatts;
    private final SplittableRandom random;
    private double utilisation;

    /**
     * @param model          the plant's true power model.
     * @param peakThroughput transactions per second at utilisation 1.
     * @param demand         load offered at each time, as a fraction of peak in [0, 1].
     * @param gain           utilisation that capacity 1 allows (the knobs are not exact); in (0, 1].
     * @param lagSeconds     time constant of the utilisation's response (0 for none).
     * @param noiseWatts     standard deviation of the measurement noise.
     * @param seed           the noise's seed.
     */
    public SimulatedPlant(final PowerModel model, final double peakThroughput, final DoubleUnaryOperator demand,
        final double gain, final double lagSeconds, final double noiseWatts, final long seed)
    {
        if (!(gain > 0 && gain <= 1) || !(lagSeconds >= 0) || !(noiseWatts >= 0) || !(peakThroughput > 0))
        {
            throw new IllegalArgumentException("plant: gain in (0, 1], lag and noise 0 or more, peak above 0; got " +
                "gain " + gain + ", lag " + lagSeconds + ", noise " + noiseWatts + ", peak " + peakThroughput);
        }
        this.model = model;
        this.peakThroughput = peakThroughput;
        this.demand = demand;
        this.gain = gain;
        this.lagSeconds = lagSeconds;
        this.noiseWatts = noiseWatts;
        this.random = new SplittableRandom(seed);
        this.utilisation = Math.max(0, Math.min(1, demand.applyAsDouble(0)));
    }

    /**
     * Run one period.
     *
     * @param start    when it starts.
     * @param length   its length in seconds.
     * @param capacity the capacity the knobs allow, a fraction of full.
     * @return what it looked like.
     */
    public Observation step(final double start, final double length, final double capacity)
    {
        final double wanted = Math.max(0, Math.min(1, demand.applyAsDouble(start)));
        final double allowed = capacity * gain;
        final double goal = Math.min(wanted, allowed);
        utilisation = lagSeconds == 0 ? goal :
            utilisation + (goal - utilisation) * (1 - Math.exp(-length / lagSeconds));
        final double watts = model.idleWatts() + (model.maxWatts() - model.idleWatts()) * utilisation +
            noiseWatts * gaussian();
        return new Observation(watts, peakThroughput * utilisation, utilisation, wanted > allowed);
    }

    /**
     * @param start    a period's start.
     * @param budget   the budget over it.
     * @param floor    the controller's floor capacity.
     * @return the best throughput any setting of the knobs could get in that period without going over the budget
     * (or at the floor, when the budget is under it), knowing this plant exactly and acting without lag.
     */
    public double oracleThroughput(final double start, final double budget, final double floor)
    {
        final double wanted = Math.max(0, Math.min(1, demand.applyAsDouble(start)));
        final double affordable = Math.max(floor * gain, Math.min(gain, model.utilisationAt(budget)));
        return peakThroughput * Math.min(wanted, affordable);
    }

    /** @return the plant's model. */
    public PowerModel model()
    {
        return model;
    }

    private double gaussian()
    {
        // Box-Muller from the seeded source, so a run replays exactly.
        final double u1 = Math.max(1e-12, random.nextDouble());
        final double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
