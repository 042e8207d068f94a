package io.stardust.resourcectl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The controller against a running cluster, once a period: read what operators have told it (a {@link ControlSource}:
 * on or off, the budgets), sample every member's CPU, model the power of every budgeted scope (the whole cluster, and
 * each datacenter with a budget of its own), account the period just past in each scope's overshoot ledger (saved
 * after every period, so a restarted controller resumes the debt), decide a capacity per scope and set the knobs:
 * each member gets the lowest capacity of the scopes it is in. Every period is logged with the reasons.
 *
 * <p>The knobs stay where they were last set if this process dies, or while the controller is off: members do not
 * depend on it, and keep serving. A budget stored in the cluster has its own start time, so a restarted controller
 * picks its trace up where it is; the budget it was started with (when the cluster stores none) restarts at 0 with it.
 */
public final class LiveController
{
    /** The name of the whole cluster's scope in logs. */
    public static final String CLUSTER = "cluster";

    /**
     * One control period.
     *
     * @param seconds      when it started, from the controller's start.
     * @param budgetWatts  the budget then: the cluster's, else the sum of the datacenters'; NaN when there is none.
     * @param watts        the cluster's modelled power over the period before it.
     * @param cores        the cluster's CPU over that period.
     * @param txnPerSecond transactions decided per second over that period (the leader's count).
     * @param p99Micros    the worst member's epoch latency p99.
     * @param decision     the binding decision (the lowest capacity); null when the controller is off or has no
     *                     budget.
     * @param knobs        the knobs after it, in words.
     */
    public record Period(double seconds, double budgetWatts, double watts, double cores, double txnPerSecond,
        long p99Micros, Decision decision, String knobs)
    {
    }

    private final ClusterPlant plant;
    private final PowerModel memberModel;
    private final List<String> memberDatacenters;
    private final ControllerConfig config;
    private final Path ledgerFile;
    private final double windowSeconds;
    private final Budget startBudget;
    private final ControlSource source;
    private final long controllerStartMillis;
    private final Consumer<String> log;
    private final Map<String, BudgetScope> scopes = new LinkedHashMap<>();
    private final Map<String, OvershootLedger> ledgers = new HashMap<>();
    private KnobCurve curve;
    private RaplMeter hostMeter;
    private long lastHostMicrojoules = -1;
    private TenantPlacement placement;
    private double lastHostSeconds;
    private volatile boolean steer;
    private ControlState state = ControlState.NONE;
    private String stateProblem;
    private int plantSampled;

    /**
     * A controller of one cluster-wide budget, told nothing from outside.
     *
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
        this(plant, memberModel, Collections.nCopies(members, "dc1"), config, ledger, ledgerFile, budget, null,
            System.currentTimeMillis(), on, log);
    }

    /**
     * @param plant             the cluster.
     * @param memberModel       each member's power model.
     * @param memberDatacenters each member's datacenter label, by member id.
     * @param config            the controller's settings.
     * @param ledger            the whole cluster's overshoot ledger (loaded, to resume).
     * @param ledgerFile        where to save it after every period, and beside it, with the datacenter's label as a
     *                          suffix, each datacenter's; null for nowhere.
     * @param startBudget       the cluster's budget while the source holds none, t from this controller's start; null
     *                          for none.
     * @param source            what operators have told the controller, read every period; null for nothing.
     * @param startMillis       the wall clock at time 0 of {@link #step}.
     * @param steer             false to only watch and account, whatever the source says.
     * @param log               where each period's lines go.
     */
    public LiveController(final ClusterPlant plant, final PowerModel memberModel, final List<String> memberDatacenters,
        final ControllerConfig config, final OvershootLedger ledger, final Path ledgerFile, final Budget startBudget,
        final ControlSource source, final long startMillis, final boolean steer, final Consumer<String> log)
    {
        this.plant = plant;
        this.memberModel = memberModel;
        this.memberDatacenters = List.copyOf(memberDatacenters);
        this.config = config;
        this.ledgerFile = ledgerFile;
        this.windowSeconds = ledger.windowSeconds();
        this.startBudget = startBudget;
        this.source = source;
        this.controllerStartMillis = startMillis;
        this.steer = steer;
        this.log = log;
        ledgers.put(CLUSTER, ledger);
    }

    /**
     * Measure the whole cluster's power with this host's RAPL counters instead of the power model: right only when
     * every member runs on this host and nothing else on it draws much (as with {@code scripts/cluster.sh}).
     * Datacenters' budgets are still accounted with the model.
     *
     * @param meter this host's meter.
     * @return this.
     */
    public LiveController hostMeter(final RaplMeter meter)
    {
        this.hostMeter = meter;
        return this;
    }

    /**
     * Map power onto capacity through a curve measured on this cluster ({@link Calibration}) instead of the power
     * model's line. Set it before the first step.
     *
     * @param measured the curve.
     * @return this.
     */
    public LiveController curve(final KnobCurve measured)
    {
        this.curve = measured;
        return this;
    }

    /** @param on whether decisions set the knobs from now on (the source may still turn the controller off). */
    public void on(final boolean on)
    {
        this.steer = on;
    }

    /**
     * Run one period now.
     *
     * @param seconds time from the controller's start.
     * @return the period; null for the first call, which only takes the first sample.
     * @throws IOException when a ledger cannot be saved or loaded.
     */
    public Period step(final double seconds) throws IOException
    {
        readState();
        final boolean first = plantSampled == 0;
        updateScopes();
        final List<ClusterPlant.MemberSample> samples = plant.sample();
        plantSampled++;
        final Map<Integer, ClusterPlant.MemberSample> byMember = new HashMap<>();
        double watts = 0;
        double cores = 0;
        double txns = 0;
        long p99 = -1;
        for (final ClusterPlant.MemberSample s : samples)
        {
            byMember.put(s.memberId(), s);
            watts += memberModel.watts(s.cores());
            cores += s.cores();
            txns = Math.max(txns, s.txnPerSecond());
            p99 = Math.max(p99, s.p99Micros());
        }
        final double measured = hostWatts(seconds);
        if (!Double.isNaN(measured))
        {
            watts = measured;
        }
        final boolean on = steer && state.controllerOn();
        final double[] capacity = new double[memberDatacenters.size()];
        Arrays.fill(capacity, 1.0);
        Decision binding = null;
        final StringBuilder reasons = new StringBuilder();
        final Map<String, Double> headroom = new HashMap<>();
        final Map<String, Double> scopeBudget = new HashMap<>();
        double budgetWatts = 0;
        boolean accounted = false;
        for (final BudgetScope scope : scopes.values())
        {
            final double c = scope.budgetWatts(seconds);
            budgetWatts += scope.name.equals(CLUSTER) || !scopes.containsKey(CLUSTER) ? c : 0;
            double scopeWatts = 0;
            boolean limited = false;
            for (final int m : scope.members)
            {
                final ClusterPlant.MemberSample s = byMember.get(m);
                if (s != null)
                {
                    scopeWatts += memberModel.watts(s.cores());
                    limited |= s.limited();
                }
            }
            if (scope.name.equals(CLUSTER) && !Double.isNaN(measured))
            {
                scopeWatts = measured;
            }
            headroom.put(scope.name, c - scopeWatts);
            scopeBudget.put(scope.name, c);
            if (!scope.step(seconds, scopeWatts, limited, first, on))
            {
                continue;
            }
            accounted = true;
            final Decision decision = scope.decision();
            if (decision != null)
            {
                for (final int m : scope.members)
                {
                    capacity[m] = Math.min(capacity[m], decision.capacity());
                }
                if (binding == null || decision.capacity() < binding.capacity())
                {
                    binding = decision;
                }
            }
            if (scopes.size() > 1 || !scope.name.equals(CLUSTER))
            {
                reasons.append(scope.name).append(String.format(Locale.ROOT, " %.1f W: ", scopeWatts));
            }
            reasons.append(decision == null ? String.format(Locale.ROOT, "budget %.1f W", c) : decision.reason())
                .append("; ");
        }
        saveLedgers();
        if (!accounted && first)
        {
            return null;
        }
        final String knobs;
        if (scopes.isEmpty())
        {
            knobs = "no budget: knobs untouched";
        }
        else if (!on)
        {
            knobs = steer ? "controller off (stardust ops controller off): knobs untouched" :
                "controller off: knobs untouched";
        }
        else if (binding == null)
        {
            knobs = "no decision yet: knobs untouched";
        }
        else
        {
            knobs = plant.apply(capacity) + place(byMember, headroom, scopeBudget);
        }
        final Period period = new Period(seconds, scopes.isEmpty() ? Double.NaN : budgetWatts, watts, cores, txns,
            p99, binding, knobs);
        log.accept(String.format(Locale.ROOT, "%8.1f s  power %6.1f W (%.2f cores, %.0f txn/s, p99 %d us)  %s%s",
            seconds, watts, cores, txns, p99, reasons, knobs) + (stateProblem == null ? "" : " [" + stateProblem + "]"));
        return period;
    }

    /**
     * Workload movement for this period: each datacenter's budget and headroom (its budget less its modelled power;
     * without a budget of its own, the cluster's), and whether a quota holds one of its members back, to the
     * placement policy; its moves to the plant.
     *
     * @return what was moved, in words; empty when nothing was.
     */
    private String place(final Map<Integer, ClusterPlant.MemberSample> byMember, final Map<String, Double> headroom,
        final Map<String, Double> scopeBudget)
    {
        if (placement == null)
        {
            return "";
        }
        final Map<String, Boolean> limited = new java.util.TreeMap<>();
        for (int m = 0; m < memberDatacenters.size(); m++)
        {
            final ClusterPlant.MemberSample s = byMember.get(m);
            limited.merge(memberDatacenters.get(m), s != null && s.limited(), Boolean::logicalOr);
        }
        final double clusterHeadroom = headroom.getOrDefault(CLUSTER, 1e9);
        final double clusterBudget = scopeBudget.getOrDefault(CLUSTER, 1e9);
        final List<TenantPlacement.Datacenter> datacenters = new java.util.ArrayList<>();
        limited.forEach((dc, held) -> datacenters.add(new TenantPlacement.Datacenter(dc,
            scopeBudget.getOrDefault(dc, clusterBudget), headroom.getOrDefault(dc, clusterHeadroom), held)));
        final StringBuilder moved = new StringBuilder();
        for (final TenantPlacement.Move move : placement.decide(plant.tenants(), datacenters))
        {
            moved.append("; move ").append(move.reason()).append(": ").append(plant.move(move.database(), move.to()));
        }
        return moved.toString();
    }

    /** @return the host's watts by RAPL since the last call; NaN without a meter, on the first call, or on error. */
    private double hostWatts(final double seconds)
    {
        if (hostMeter == null)
        {
            return Double.NaN;
        }
        try
        {
            final long uj = hostMeter.microjoules();
            final double watts = lastHostMicrojoules < 0 || seconds <= lastHostSeconds ? Double.NaN :
                (uj - lastHostMicrojoules) / 1e6 / (seconds - lastHostSeconds);
            lastHostMicrojoules = uj;
            lastHostSeconds = seconds;
            return watts;
        }
        catch (final IOException ex)
        {
            stateProblem = "RAPL unreadable, so the power model serves: " + ex.getMessage();
            return Double.NaN;
        }
    }

    private void readState()
    {
        stateProblem = null;
        if (source == null)
        {
            return;
        }
        try
        {
            state = Objects.requireNonNull(source.read(), "no state");
        }
        catch (final Exception ex)
        {
            stateProblem = "cannot read the controller's instructions from the cluster, so the last ones hold: " +
                ex.getMessage();
        }
    }

    private void updateScopes() throws IOException
    {
        final Map<String, Object> wanted = new LinkedHashMap<>();
        if (state.cluster() != null)
        {
            wanted.put(CLUSTER, state.cluster());
        }
        else if (startBudget != null)
        {
            wanted.put(CLUSTER, startBudget);
        }
        for (final Map.Entry<String, BudgetSpec> dc : state.datacenters().entrySet())
        {
            if (!memberDatacenters.contains(dc.getKey()))
            {
                stateProblem = "a budget is set for datacenter " + dc.getKey() + ", which has no member in this " +
                    "cluster (its datacenters: " + String.join(", ", new java.util.TreeSet<>(memberDatacenters)) +
                    "); it is ignored";
                continue;
            }
            wanted.put(dc.getKey(), dc.getValue());
        }
        scopes.keySet().retainAll(wanted.keySet());
        for (final Map.Entry<String, Object> w : wanted.entrySet())
        {
            BudgetScope scope = scopes.get(w.getKey());
            if (scope == null)
            {
                scope = new BudgetScope(w.getKey(), members(w.getKey()), memberModel, config, curve,
                    loadLedger(w.getKey()), ledgerFile(w.getKey()), controllerStartMillis);
                scopes.put(w.getKey(), scope);
            }
            if (w.getValue() instanceof BudgetSpec spec)
            {
                scope.budget(spec, spec.budget(), spec.startMillis());
            }
            else
            {
                scope.budget(w.getValue(), (Budget)w.getValue(), controllerStartMillis);
            }
        }
    }

    private int[] members(final String scope)
    {
        final List<Integer> ids = new ArrayList<>();
        for (int m = 0; m < memberDatacenters.size(); m++)
        {
            if (scope.equals(CLUSTER) || memberDatacenters.get(m).equals(scope))
            {
                ids.add(m);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private OvershootLedger loadLedger(final String scope) throws IOException
    {
        OvershootLedger ledger = ledgers.get(scope);
        if (ledger == null)
        {
            final Path file = ledgerFile(scope);
            ledger = file == null ? new OvershootLedger(windowSeconds) : OvershootLedger.load(file, windowSeconds);
            ledgers.put(scope, ledger);
        }
        return ledger;
    }

    private Path ledgerFile(final String scope)
    {
        if (ledgerFile == null)
        {
            return null;
        }
        return scope.equals(CLUSTER) ? ledgerFile : ledgerFile.resolveSibling(ledgerFile.getFileName() + "." + scope);
    }

    private void saveLedgers() throws IOException
    {
        for (final BudgetScope scope : scopes.values())
        {
            scope.save();
        }
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

    /** @return the whole cluster's ledger. */
    /**
     * Also move databases' serving locations (workload movement): away from a datacenter whose budget holds its
     * capacity down, idle ones to the datacenter with the least headroom, and back (see {@link TenantPlacement}).
     *
     * @param placement the policy; null for none (the default).
     * @return this.
     */
    public LiveController placement(final TenantPlacement placement)
    {
        this.placement = placement;
        return this;
    }

    public OvershootLedger ledger()
    {
        return ledgers.get(CLUSTER);
    }

    /**
     * @param datacenter a datacenter's label.
     * @return its ledger; null when it has never had a budget under this controller.
     */
    public OvershootLedger ledger(final String datacenter)
    {
        return ledgers.get(datacenter);
    }

    /** @return the period in nanoseconds. */
    public long periodNanos()
    {
        return TimeUnit.MILLISECONDS.toNanos((long)(config.periodSeconds() * 1000));
    }
}
