package io.stardust.resourcectl;

import java.util.function.DoubleUnaryOperator;

/** A three-member cluster as the tests simulate it, with a plant that the controller's model gets a little wrong. */
final class Plants
{
    /** The controller's model: three members of the default model with 2 cores each (45 W idle, 90 W at full). */
    static final PowerModel MODEL = PowerModel.sum(java.util.List.of(
        PowerModel.defaults(2), PowerModel.defaults(2), PowerModel.defaults(2)));
    /** The plant's true model: 3 W more at idle and at full than the controller thinks. */
    static final PowerModel TRUE_MODEL = new PowerModel(48, 93, 6);
    static final double PERIOD = 1.0;

    private Plants()
    {
    }

    static SimulatedPlant plant(final DoubleUnaryOperator demand, final double lagSeconds, final double noiseWatts,
        final long seed)
    {
        return new SimulatedPlant(TRUE_MODEL, 10_000, demand, 0.9, lagSeconds, noiseWatts, seed);
    }

    static SimulatedPlant fullLoad(final double lagSeconds, final double noiseWatts)
    {
        return plant((t) -> 1.0, lagSeconds, noiseWatts, 7);
    }

    /** A budget of {@code before} watts until {@code at} seconds, then {@code after}. */
    static Budget step(final double before, final double at, final double after)
    {
        return (t) -> t < at ? before : after;
    }
}
