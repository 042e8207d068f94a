package io.stardust.resourcectl;

/**
 * How the {@link PowerController} runs.
 *
 * @param periodSeconds      the control period: telemetry is read and one decision made per period.
 * @param kp                 proportional gain on power over the target (watts of correction per watt).
 * @param ki                 integral gain (per second): learns how far the model's watts are from the measured.
 * @param floorCapacity      the minimum capacity, as a fraction of full capacity in (0, 1]; always kept.
 * @param marginFraction     aim this fraction under the budget, to absorb noise between periods.
 * @param paybackSeconds     pay the overshoot debt back over about this long.
 * @param maxPaybackFraction withhold at most this fraction of the budget to pay the debt back.
 */
public record ControllerConfig(double periodSeconds, double kp, double ki, double floorCapacity,
    double marginFraction, double paybackSeconds, double maxPaybackFraction)
{
    /** @throws IllegalArgumentException naming the setting out of range. */
    public ControllerConfig
    {
        positive(periodSeconds, "the control period (s)");
        if (!(kp >= 0) || !Double.isFinite(kp))
        {
            throw new IllegalArgumentException("kp must be 0 or more, not " + kp);
        }
        if (!(ki >= 0) || !Double.isFinite(ki))
        {
            throw new IllegalArgumentException("ki must be 0 or more, not " + ki);
        }
        if (!(floorCapacity > 0 && floorCapacity <= 1))
        {
            throw new IllegalArgumentException("the floor capacity must be in (0, 1], not " + floorCapacity);
        }
        if (!(marginFraction >= 0 && marginFraction < 0.5))
        {
            throw new IllegalArgumentException("the margin must be in [0, 0.5), not " + marginFraction);
        }
        positive(paybackSeconds, "the payback time (s)");
        if (!(maxPaybackFraction >= 0 && maxPaybackFraction < 1))
        {
            throw new IllegalArgumentException("the largest payback share must be in [0, 1), not " +
                maxPaybackFraction);
        }
    }

    private static void positive(final double value, final String what)
    {
        if (!(value > 0) || !Double.isFinite(value))
        {
            throw new IllegalArgumentException(what + " must be above 0, not " + value);
        }
    }

    /**
     * @param periodSeconds the control period.
     * @return defaults: kp 0.5, ki 0.2/s, a floor of 10% of capacity, a 1.5% margin, payback over 10 periods with at
     * most 25% of the budget withheld. The margin is small because idle power
     * dominates a member's: 1.5% of the budget is about 3% of the capacity range of the default model.
     */
    public static ControllerConfig defaults(final double periodSeconds)
    {
        return new ControllerConfig(periodSeconds, 0.5, 0.2, 0.10, 0.015, 10 * periodSeconds, 0.25);
    }

    /** @param floor the minimum capacity. @return this config with that floor. */
    public ControllerConfig withFloor(final double floor)
    {
        return new ControllerConfig(periodSeconds, kp, ki, floor, marginFraction, paybackSeconds, maxPaybackFraction);
    }

    /** @param kp proportional gain. @param ki integral gain. @return this config with those gains. */
    public ControllerConfig withGains(final double kp, final double ki)
    {
        return new ControllerConfig(periodSeconds, kp, ki, floorCapacity, marginFraction, paybackSeconds,
            maxPaybackFraction);
    }
}
