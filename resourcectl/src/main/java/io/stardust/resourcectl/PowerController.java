package io.stardust.resourcectl;

import java.util.Locale;

/**
 * Keeps a cluster's power under a budget that changes over time: a feedback loop that runs once a control period and
 * sets the cluster's capacity, a fraction of full in [floor, 1], which a knob plan then maps onto the knobs.
 *
 * <p>Each period:
 * <ol>
 *   <li>The target is the budget less a margin, less a payback share of the overshoot debt (see
 *   {@link OvershootLedger}), at least {@link #MIN_PAYBACK_SHARE} of the budget: the controller runs under budget
 *   until the debt is paid.</li>
 *   <li>Feedforward: the capacity for the target, by a {@link KnobCurve} measured on the running cluster where one is
 *   given, else by the power model's line. A budget that drops is followed in the same period, before any
 *   measurement shows it.</li>
 *   <li>Feedback (PI) on the error between target and measured power corrects what the model gets wrong. The
 *   proportional term acts on power over the target at once. The integral learns the model's error, but only from
 *   periods where the knobs limited the load: when demand is below capacity, power under the target says nothing
 *   about the model.</li>
 *   <li>Anti-windup by conditional integration: the integral stands still while the capacity is held at 1 or at the
 *   floor and the error pushes further that way, and it is bounded by the model's power range.</li>
 *   <li>The floor: when the target is below what the floor capacity draws, the floor is kept and the decision says
 *   so. The controller never goes under it and never stops a machine.</li>
 * </ol>
 */
public final class PowerController
{
    /** While in debt, withhold at least this share of the budget, so that the debt is paid off, not just shrunk. */
    static final double MIN_PAYBACK_SHARE = 0.02;

    private final ControllerConfig config;
    private final PowerModel model;
    private KnobCurve curve;
    private int members = 1;
    private double integralWatts;
    private double capacity = 1.0;

    /**
     * @param config how to run.
     * @param model  the whole controlled set's power model (see {@link PowerModel#sum}).
     */
    public PowerController(final ControllerConfig config, final PowerModel model)
    {
        this.config = config;
        this.model = model;
    }

    /**
     * Map power onto capacity through a curve measured on the running cluster ({@link Calibration}) instead of the
     * model's straight line (which assumes every member uses all the capacity it is given).
     *
     * @param measured the curve.
     * @param count    how many members the model covers (it is their sum).
     * @return this.
     */
    public PowerController withCurve(final KnobCurve measured, final int count)
    {
        if (count < 1)
        {
            throw new IllegalArgumentException("a curve needs at least one member, not " + count);
        }
        this.curve = measured;
        this.members = count;
        return this;
    }

    /** @return the power drawn at a capacity: by the curve where there is one, else by the model's line. */
    double wattsAt(final double c)
    {
        final double range = model.maxWatts() - model.idleWatts();
        if (curve == null)
        {
            return model.idleWatts() + range * c;
        }
        return model.idleWatts() + range * Math.min(1, curve.memberCores(c) * members / model.cores());
    }

    /** @return the capacity for a power: the inverse of {@link #wattsAt}, not clamped to the floor. */
    double capacityFor(final double watts)
    {
        final double range = model.maxWatts() - model.idleWatts();
        final double u = (watts - model.idleWatts()) / range;
        if (curve == null)
        {
            return u;
        }
        return curve.capacityFor(Math.max(0, Math.min(1, u)) * model.cores() / members);
    }

    /**
     * Decide the capacity for the next period.
     *
     * @param seconds       now, from the start of the trace.
     * @param budgetWatts   the budget now.
     * @param measuredWatts power over the period just past.
     * @param limited       whether the knobs limited the load over that period (throttled or refused work).
     * @param debtJoules    the overshoot debt now.
     * @return the decision.
     */
    public Decision decide(final double seconds, final double budgetWatts, final double measuredWatts,
        final boolean limited, final double debtJoules)
    {
        if (!(budgetWatts > 0) || !Double.isFinite(budgetWatts))
        {
            throw new IllegalArgumentException("the budget must be above 0 W, not " + budgetWatts);
        }
        final double range = model.maxWatts() - model.idleWatts();
        // Pay the debt over about paybackSeconds, but at least MIN_PAYBACK_SHARE of the budget so that it ends, never
        // more than the largest share, and never more than what is owed within one period.
        final double payback = debtJoules <= 0 ? 0 : Math.min(debtJoules / config.periodSeconds(), Math.min(
            config.maxPaybackFraction() * budgetWatts,
            Math.max(debtJoules / config.paybackSeconds(), MIN_PAYBACK_SHARE * budgetWatts)));
        final double target = budgetWatts * (1 - config.marginFraction()) - payback;
        final double floorWatts = wattsAt(config.floorCapacity());
        final double previous = capacity;
        final StringBuilder reason = new StringBuilder(96);
        reason.append(String.format(Locale.ROOT, "budget %.1f W", budgetWatts));
        if (payback > 0)
        {
            reason.append(String.format(Locale.ROOT, ", paying back %.1f J at %.1f W", debtJoules, payback));
        }
        reason.append(String.format(Locale.ROOT, ": target %.1f W, measured %.1f W", target, measuredWatts));

        if (target <= floorWatts)
        {
            capacity = config.floorCapacity();
            reason.append(String.format(Locale.ROOT, "; below the floor's %.1f W, so the floor (capacity %.2f) is " +
                "kept", floorWatts, capacity));
            return new Decision(seconds, budgetWatts, debtJoules, target, measuredWatts, capacity, true,
                reason.toString());
        }

        final double error = target - measuredWatts;
        // Power over the target always counts; power under it only says something when the knobs held load back.
        final double proportional = config.kp() * (limited ? error : Math.min(0, error));
        final double feedforward = capacityFor(target);
        final double desired = target + proportional + integralWatts;
        capacity = Math.max(config.floorCapacity(), Math.min(1.0, capacityFor(desired)));

        final boolean heldHigh = desired >= wattsAt(1.0) && error > 0;
        final boolean heldLow = desired <= floorWatts && error < 0;
        final boolean informative = limited || error < 0;
        if (informative && !heldHigh && !heldLow)
        {
            integralWatts += config.ki() * error * config.periodSeconds();
            integralWatts = Math.max(-range, Math.min(range, integralWatts));
        }
        reason.append(String.format(Locale.ROOT, "; capacity %.2f -> %.2f (model %.2f, correction %+.1f W%s)",
            previous, capacity, feedforward, proportional + integralWatts,
            heldHigh ? ", held at full" : heldLow ? ", held at the floor" : ""));
        return new Decision(seconds, budgetWatts, debtJoules, target, measuredWatts, capacity, false,
            reason.toString());
    }

    /** @return the capacity last decided; 1 before the first decision. */
    public double capacity()
    {
        return capacity;
    }

    /** @return the integral term, in watts (for tests and the decision log). */
    public double integralWatts()
    {
        return integralWatts;
    }
}
