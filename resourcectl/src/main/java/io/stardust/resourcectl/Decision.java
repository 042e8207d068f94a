package io.stardust.resourcectl;

/**
 * One decision of the {@link PowerController}, with its reason.
 *
 * @param seconds       when, from the start of the trace.
 * @param budgetWatts   the budget C(t).
 * @param debtJoules    the overshoot debt when deciding.
 * @param targetWatts   what the controller aimed for: the budget less a margin and the payback.
 * @param measuredWatts the power of the period just past.
 * @param capacity      the capacity chosen, a fraction of full in [floor, 1].
 * @param floorKept     true when the target was below the floor's power, so the floor was kept instead.
 * @param reason        why, in words, for the decision log.
 */
public record Decision(double seconds, double budgetWatts, double debtJoules, double targetWatts,
    double measuredWatts, double capacity, boolean floorKept, String reason)
{
}
