package io.stardust.resourcectl;

/**
 * A power budget {@code C(t)}: the watts that may be drawn at a time, in seconds from the start of its trace. Windows
 * of the {@link OvershootLedger} are aligned to that start.
 */
@FunctionalInterface
public interface Budget
{
    /**
     * @param seconds time since the start of the trace; never negative.
     * @return the budget in watts at that time; always above 0.
     */
    double watts(double seconds);

    /**
     * @param watts a constant budget.
     * @return a budget of {@code watts} at every time.
     * @throws IllegalArgumentException unless {@code watts > 0}.
     */
    static Budget constant(final double watts)
    {
        TraceBudget.checkWatts(watts, "the budget");
        return (t) -> watts;
    }

    /**
     * An energy budget per window, spent evenly: {@code joules / windowSeconds} watts. The ledger holds any overshoot
     * against the following windows.
     *
     * @param joules        energy allowed per window.
     * @param windowSeconds the window length T.
     * @return the budget.
     */
    static Budget energyPerWindow(final double joules, final double windowSeconds)
    {
        if (!(windowSeconds > 0) || !Double.isFinite(windowSeconds))
        {
            throw new IllegalArgumentException("the window must be longer than 0 s, not " + windowSeconds);
        }
        TraceBudget.checkWatts(joules, "the energy per window");
        return constant(joules / windowSeconds);
    }

    /**
     * A cost budget: at most {@code costPerWindow} (in any currency) per window of {@code windowSeconds}, at a price
     * per kWh that changes over time. Running at P watts for the whole window at price p costs
     * {@code P * T * p / 3.6e6}, so the budget is {@code costPerWindow * 3.6e6 / (p(t) * T)} watts: dear power buys
     * fewer watts.
     *
     * @param costPerWindow money allowed per window.
     * @param windowSeconds the window length T.
     * @param pricePerKwh   the price trace; its "watts" are read as a price per kWh.
     * @return the budget.
     */
    static Budget cost(final double costPerWindow, final double windowSeconds, final Budget pricePerKwh)
    {
        if (!(windowSeconds > 0) || !Double.isFinite(windowSeconds))
        {
            throw new IllegalArgumentException("the window must be longer than 0 s, not " + windowSeconds);
        }
        TraceBudget.checkWatts(costPerWindow, "the cost per window");
        return (t) -> costPerWindow * 3.6e6 / (pricePerKwh.watts(t) * windowSeconds);
    }
}
