package io.stardust.resourcectl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Workload movement, a knob of the resource controller: where each database (tenant) is served. Every replica
 * applies every write whatever the placement; what moves is a database's reads, read-only transactions and SQL
 * sessions, with the planning and execution they bring. Pure: the controller gives it each period's figures and
 * carries out the moves it returns ({@code stardust ops move} does one by hand).
 * <ul>
 *   <li><b>Idle databases go where capacity is scarce.</b> A database whose rate stayed under {@link #idleRate} for
 *       {@link #idlePeriods} periods moves to the datacenter with the least headroom: it costs little there, and it
 *       frees nothing where capacity is plentiful. When its rate comes back above the threshold it goes home.</li>
 *   <li><b>Busy databases leave a datacenter under pressure.</b> A datacenter is under pressure when its headroom (its
 *       budget less its power) is under {@link #pressure} of its budget, or its members are held at their CPU quota.
 *       Its busy databases then move to the datacenter with the most headroom that is not under pressure, busiest
 *       first, one a period (a move is not free: sessions reconnect and caches go cold). They come back, one a period,
 *       once their home's budget is at least a quarter above what it was when they left and the home has not been
 *       under pressure for {@link #returnPeriods} periods (so a database does not bounce back into the drop that
 *       sent it away).</li>
 * </ul>
 * A database's home is where it was before the first move the placement made, which it remembers.
 */
public final class TenantPlacement
{
    /** A database as the controller sees it in one period. */
    public record Tenant(String name, String location, double ratePerSecond)
    {
    }

    /**
     * A datacenter in one period.
     *
     * @param name     its label.
     * @param budget   its budget in watts (without one of its own, its share of the cluster's, or a large number).
     * @param headroom its budget less its modelled power, in watts (negative: over budget).
     * @param limited  true when a CPU quota held one of its members back.
     */
    public record Datacenter(String name, double budget, double headroom, boolean limited)
    {
    }

    /** A move to make, with its reason for the decision log. */
    public record Move(String database, String from, String to, String reason)
    {
    }

    private final double idleRate;
    private final int idlePeriods;
    private final double pressure;
    private final int returnPeriods;
    /** The budget of the datacenter a database left, when it left. */
    private final Map<String, Double> leftAtBudget = new TreeMap<>();
    private final Map<String, String> home = new TreeMap<>();
    private final Map<String, Integer> quietFor = new TreeMap<>();
    /** Periods in a row a database's home has had its budget back and no pressure. */
    private final Map<String, Integer> homeReadyFor = new TreeMap<>();
    /** Why each database is away from home: "idle" or the datacenter it left. */
    private final Map<String, String> awayBecause = new TreeMap<>();

    /**
     * @param idleRate      a database under this many requests per second (commits and reads) is quiet.
     * @param idlePeriods   periods it must stay quiet before it counts as idle.
     * @param pressure      a datacenter whose headroom is under this fraction of its budget is under pressure.
     * @param returnPeriods periods a home must be free of pressure before its databases come back.
     */
    public TenantPlacement(final double idleRate, final int idlePeriods, final double pressure,
        final int returnPeriods)
    {
        if (idleRate < 0 || idlePeriods < 1 || pressure < 0 || pressure >= 1 || returnPeriods < 1)
        {
            throw new IllegalArgumentException("tenant placement: idle rate >= 0, idle periods >= 1, pressure in " +
                "[0, 1), return periods >= 1");
        }
        this.idleRate = idleRate;
        this.idlePeriods = idlePeriods;
        this.pressure = pressure;
        this.returnPeriods = returnPeriods;
    }

    /**
     * @return defaults: idle under 1 request/s for 5 periods; under pressure with less than 10% of the budget as
     * headroom; back after 5 periods without pressure.
     */
    public static TenantPlacement defaults()
    {
        return new TenantPlacement(1.0, 5, 0.1, 5);
    }

    private boolean pressed(final Datacenter d)
    {
        return d.limited() || d.headroom() < pressure * d.budget();
    }

    /**
     * @param database a database.
     * @return where it belongs when nothing drives it away; null when the placement never saw it.
     */
    public String home(final String database)
    {
        return home.get(database);
    }

    /**
     * One period: what to move.
     *
     * @param tenants     every database with a serving location (the default database has none and is not moved).
     * @param datacenters every datacenter with members.
     * @return the moves, at most one that sheds and one that brings back per period, plus idle moves.
     */
    public List<Move> decide(final List<Tenant> tenants, final List<Datacenter> datacenters)
    {
        final Map<String, Datacenter> dcs = new LinkedHashMap<>();
        for (final Datacenter d : datacenters)
        {
            dcs.put(d.name(), d);
        }
        final List<Move> moves = new ArrayList<>();
        if (dcs.isEmpty())
        {
            return moves;
        }
        final Datacenter scarcest = datacenters.stream().min(Comparator.comparingDouble(Datacenter::headroom)
            .thenComparing(Datacenter::name)).orElseThrow();
        final Datacenter roomiest = datacenters.stream().max(Comparator.comparingDouble(Datacenter::headroom)
            .thenComparing(Datacenter::name, Comparator.reverseOrder())).orElseThrow();
        boolean shed = false;
        boolean returned = false;
        final List<Tenant> busiestFirst = new ArrayList<>(tenants);
        busiestFirst.sort(Comparator.comparingDouble(Tenant::ratePerSecond).reversed().thenComparing(Tenant::name));
        for (final Tenant t : busiestFirst)
        {
            if (t.location() == null || t.location().isEmpty() || !dcs.containsKey(t.location()))
            {
                continue;
            }
            home.putIfAbsent(t.name(), t.location());
            final String homeDc = home.get(t.name());
            final int quiet = t.ratePerSecond() < idleRate ? quietFor.merge(t.name(), 1, Integer::sum) : 0;
            if (t.ratePerSecond() >= idleRate)
            {
                quietFor.put(t.name(), 0);
            }
            final String away = awayBecause.get(t.name());
            if (quiet >= idlePeriods)
            {
                // Parked once (or found where capacity is scarcest already), it stays until it wakes, however the
                // headrooms shift: no churn.
                if (away == null)
                {
                    if (!t.location().equals(scarcest.name()))
                    {
                        moves.add(move(t, scarcest.name(), String.format(Locale.ROOT, "idle (%.2f requests/s for " +
                            "%d periods): served where capacity is scarcest (%s, %.1f W of headroom)",
                            t.ratePerSecond(), quiet, scarcest.name(), scarcest.headroom())));
                    }
                    awayBecause.put(t.name(), "idle");
                }
                continue;
            }
            if ("idle".equals(away) && t.ratePerSecond() >= idleRate)
            {
                if (!t.location().equals(homeDc) && dcs.containsKey(homeDc) && !pressed(dcs.get(homeDc)))
                {
                    moves.add(move(t, homeDc, String.format(Locale.ROOT, "awake again (%.1f requests/s): home",
                        t.ratePerSecond())));
                    awayBecause.remove(t.name());
                    continue;
                }
                awayBecause.remove(t.name());
            }
            final Datacenter here = dcs.get(t.location());
            if (!shed && t.ratePerSecond() >= idleRate && pressed(here) && !roomiest.name().equals(here.name()) &&
                !pressed(roomiest))
            {
                moves.add(move(t, roomiest.name(), String.format(Locale.ROOT, "%s is under pressure (%.1f W of " +
                    "headroom of a %.1f W budget%s): busy (%.1f requests/s), served from %s (%.1f W of headroom)",
                    here.name(), here.headroom(), here.budget(), here.limited() ? ", held at its quota" : "",
                    t.ratePerSecond(), roomiest.name(), roomiest.headroom())));
                if (awayBecause.putIfAbsent(t.name(), here.name()) == null)
                {
                    leftAtBudget.put(t.name(), here.budget());
                }
                shed = true;
                continue;
            }
            final Datacenter homeNow = dcs.get(homeDc);
            if (away != null && !"idle".equals(away) && !t.location().equals(homeDc) && homeNow != null)
            {
                final boolean ready = !pressed(homeNow) &&
                    homeNow.budget() >= 1.25 * leftAtBudget.getOrDefault(t.name(), 0.0);
                final int readyFor = ready ? homeReadyFor.merge(t.name(), 1, Integer::sum) : 0;
                homeReadyFor.put(t.name(), readyFor);
                if (!returned && readyFor >= returnPeriods)
                {
                    moves.add(move(t, homeDc, String.format(Locale.ROOT, "%s's budget is back (%.1f W, %.1f W when " +
                        "it left) and it has been free of pressure for %d periods: home", homeDc, homeNow.budget(),
                        leftAtBudget.getOrDefault(t.name(), 0.0), readyFor)));
                    awayBecause.remove(t.name());
                    leftAtBudget.remove(t.name());
                    homeReadyFor.remove(t.name());
                    returned = true;
                }
            }
        }
        return moves;
    }

    private static Move move(final Tenant t, final String to, final String reason)
    {
        return new Move(t.name(), t.location(), to, t.name() + " " + t.location() + " -> " + to + ": " + reason);
    }
}
