package io.stardust.resourcectl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The controller against a running cluster, once a period: sample every member's CPU, model the cluster's power,
 * account the period just past in the overshoot ledger (saved after every period, so a restarted controller resumes
 * the debt), decide a capacity and set the knobs. Every period is logged with the decision's reason.
 *
 * <p>The knobs stay where they were last set if this process dies: members do not depend on it, and keep serving.
 * Time restarts at 0 when a controller starts, so a budget trace restarts with it; the debt carries over.
 */
public final class LiveController
{
    /**
     * One control period.
     *
     * @param seconds      when it started, from the controller's start.
     * @param budgetWatts  the budget then.
     * @param watts        the cluster's modelled power over the period before it.
     * @param cores        the cluster's CPU over that period.
     * @param txnPerSecond transactions decided per second over that period (the leader's count).
     * @param p99Micros    the worst member's epoch latency p99.
     * @param decision     the controller's decision; null when it is off.
     * @param knobs        the knobs after it, in words.
     */
    public record Period(double seconds, double budgetWatts, double watts, double cores, double txnPerSecond,
        long p99Micros, Decision decision, String knobs)
    {
    }

    private final ClusterPlant plant;
    private final Budget budget;
    private final PowerModel memberModel;
    private final ControllerConfig config;
    private final OvershootLedger ledger;
    private final Path ledgerFile;
    private final PowerController controller;
    private final Consumer<String> log;
    private volatile boolean on;
    private double lastSeconds = -1;
    private double lastBudget;

    /**
     * @param plant       the cluster.
     * @param budget      C(t), t from this controller's start.
     * @param memberModel each member's power model.
     * @param members     how many members the cluster has.
     * @param config      the controller's settings.
     * @param ledger      the overshoot ledger (loaded, to resume).
     * @param ledgerFile  where to save it after every period; null for nowhere.
     * @param on          false to only watch and account (the knobs are not touched).
     * @param log         where each period's line goes.
     */
    public LiveController(final ClusterPlant plant, final Budget budget, final PowerModel memberModel,
        final int members, final ControllerConfig config, final OvershootLedger ledger, final Path ledgerFile,
        final boolean on, final Consumer<String> log)
    {
        this.plant = plant;
        this.budget = budget;
        this.memberModel = memberModel;
        this.config = config;
        this.ledger = ledger;
        this.ledgerFile = ledgerFile;
        this.on = on;
        this.log = log;
        this.controller = new PowerController(config, PowerModel.sum(java.util.Collections.nCopies(members,
            memberModel)));
    }

    /** @param on whether decisions set the knobs from now on. */
    public void on(final boolean on)
    {
        this.on = on;
    }

    /**
     * Run one period now.
     *
     * @param seconds time from the controller's start.
     * @return the period; null for the first call, which only takes the first sample.
     * @throws IOException when the ledger cannot be saved.
     */
    public Period step(final double seconds) throws IOException
    {
        final List<ClusterPlant.MemberSample> samples = plant.sample();
        final double c = budget.watts(seconds);
        if (lastSeconds < 0)
        {
            lastSeconds = seconds;
            lastBudget = c;
            return null;
        }
        double watts = 0;
        double cores = 0;
        double txns = 0;
        long p99 = -1;
        boolean limited = false;
        for (final ClusterPlant.MemberSample s : samples)
        {
            watts += memberModel.watts(s.cores());
            cores += s.cores();
            txns = Math.max(txns, s.txnPerSecond());
            p99 = Math.max(p99, s.p99Micros());
            limited |= s.limited();
        }
        if (seconds > lastSeconds)
        {
            ledger.record(lastSeconds, seconds - lastSeconds, watts, lastBudget);
        }
        lastSeconds = seconds;
        lastBudget = c;
        Decision decision = null;
        String knobs = "controller off: knobs untouched";
        if (on)
        {
            decision = controller.decide(seconds, c, watts, limited, ledger.debtJoules());
            knobs = plant.apply(decision.capacity());
        }
        if (ledgerFile != null)
        {
            ledger.save(ledgerFile);
        }
        final Period period = new Period(seconds, c, watts, cores, txns, p99, decision, knobs);
        log.accept(String.format(Locale.ROOT, "%8.1f s  power %6.1f W (%.2f cores, %.0f txn/s, p99 %d us)  %s; %s",
            seconds, watts, cores, txns, p99, decision == null ? String.format(Locale.ROOT, "budget %.1f W", c) :
            decision.reason(), knobs));
        return period;
    }

    /**
     * Run periods until told to stop, each on its own tick of the period from {@code startNanos}.
     *
     * @param startNanos  {@link System#nanoTime()} of time 0.
     * @param keepGoing   checked before every period.
     * @param onPeriod    gets every period.
     * @throws IOException when the ledger cannot be saved.
     */
    public void run(final long startNanos, final BooleanSupplier keepGoing, final Consumer<Period> onPeriod)
        throws IOException
    {
        final long periodNs = (long)(config.periodSeconds() * 1e9);
        for (long tick = 0; keepGoing.getAsBoolean(); tick++)
        {
            final long due = startNanos + tick * periodNs;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime())
            {
                LockSupport.parkNanos(wait);
            }
            final Period p = step((System.nanoTime() - startNanos) / 1e9);
            if (p != null)
            {
                onPeriod.accept(p);
            }
        }
    }

    /** @return the ledger. */
    public OvershootLedger ledger()
    {
        return ledger;
    }

    /** @return the period in nanoseconds. */
    public long periodNanos()
    {
        return TimeUnit.MILLISECONDS.toNanos((long)(config.periodSeconds() * 1000));
    }
}
