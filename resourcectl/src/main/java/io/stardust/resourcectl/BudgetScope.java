package io.stardust.resourcectl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;

/**
 * One budgeted set of members under the live controller (the whole cluster, or one datacenter): its budget, its own
 * PI loop and its own overshoot ledger. A period is accounted against the budget in force when it began.
 */
final class BudgetScope
{
    final String name;
    final int[] members;
    private final PowerController controller;
    private final OvershootLedger ledger;
    private final Path ledgerFile;
    private final double periodSeconds;
    private final long controllerStartMillis;
    private Object source;
    private Budget budget;
    private long startMillis;
    private double lastT = -1;
    private double lastBudget;
    private Decision decision;

    /**
     * @param name                  "cluster" or the datacenter's label.
     * @param members               the member ids in it.
     * @param memberModel           each member's power model.
     * @param config                the controller's settings.
     * @param curve                 a measured knob curve; null for the model's line.
     * @param ledger                its ledger (loaded, to resume).
     * @param ledgerFile            where to save the ledger; null for nowhere.
     * @param controllerStartMillis the wall clock at the controller's time 0.
     */
    BudgetScope(final String name, final int[] members, final PowerModel memberModel, final ControllerConfig config,
        final KnobCurve curve, final OvershootLedger ledger, final Path ledgerFile, final long controllerStartMillis)
    {
        this.name = name;
        this.members = members;
        this.ledger = ledger;
        this.ledgerFile = ledgerFile;
        this.periodSeconds = config.periodSeconds();
        this.controllerStartMillis = controllerStartMillis;
        this.controller = new PowerController(config, PowerModel.sum(Collections.nCopies(members.length,
            memberModel)));
        if (curve != null)
        {
            controller.withCurve(curve, members.length);
        }
    }

    /**
     * Take a budget; a new one starts new windows in the ledger (the debt carries over).
     *
     * @param from  what it came from (a stored {@link BudgetSpec}, or the controller's own budget), to tell a change.
     * @param b     the budget.
     * @param start the wall clock at its time 0.
     */
    void budget(final Object from, final Budget b, final long start)
    {
        if (source != null && !source.equals(from))
        {
            ledger.newTrace();
            lastT = -1;
        }
        source = from;
        budget = b;
        startMillis = start;
    }

    /** @return the budget at {@code seconds} of the controller's time. */
    double budgetWatts(final double seconds)
    {
        return budget.watts(t(seconds));
    }

    /**
     * Account the period that ends now and, when {@code decide}, decide the next capacity.
     *
     * @param seconds the controller's time now.
     * @param watts   the scope's power over the period just past.
     * @param limited whether a knob held any of its members back.
     * @param first   whether this is the controller's first period (which only starts the clock).
     * @param decide  whether the controller is on.
     * @return false on the controller's first period, which only starts the clock.
     */
    boolean step(final double seconds, final double watts, final boolean limited, final boolean first,
        final boolean decide)
    {
        final double t = t(seconds);
        final double c = budget.watts(t);
        decision = null;
        if (lastT < 0 || first)
        {
            if (ledger.seconds() > t + periodSeconds)
            {
                // A ledger from a trace that has since restarted (a controller's own budget restarts with it).
                ledger.newTrace();
            }
            lastT = t;
            lastBudget = c;
            if (first)
            {
                return false;
            }
            // A budget new to this scope: nothing to account against it yet, but it is followed from now.
            if (decide)
            {
                decision = controller.decide(t, c, watts, limited, ledger.debtJoules());
            }
            return true;
        }
        if (t > lastT)
        {
            ledger.record(lastT, t - lastT, watts, lastBudget);
        }
        lastT = t;
        lastBudget = c;
        if (decide)
        {
            decision = controller.decide(t, c, watts, limited, ledger.debtJoules());
        }
        return true;
    }

    /** @return the decision of the last step; null when it made none. */
    Decision decision()
    {
        return decision;
    }

    /** @return the ledger. */
    OvershootLedger ledger()
    {
        return ledger;
    }

    /** @throws IOException when the ledger cannot be saved. */
    void save() throws IOException
    {
        if (ledgerFile != null)
        {
            ledger.save(ledgerFile);
        }
    }

    private double t(final double seconds)
    {
        return Math.max(0, (controllerStartMillis + (long)(seconds * 1000) - startMillis) / 1000.0);
    }
}
