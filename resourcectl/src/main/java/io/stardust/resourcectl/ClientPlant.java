package io.stardust.resourcectl;

import io.stardust.client.MemberStatus;
import io.stardust.client.StardustClient;
import io.stardust.protocol.codecs.Knob;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A running cluster as the live controller sees it, through the Java client: telemetry from each member's status,
 * and capacity mapped onto the knobs in this order:
 * <ol>
 *   <li>the CPU quota of each member's cgroup: capacity times the cores a member may use. It caps power directly and
 *   at once, on one member, with no log record;</li>
 *   <li>on a cluster whose members have no quota knob, the replicated admission rate: the lowest member's capacity
 *   times the peak throughput given, since admission is one rate for the whole cluster. It goes through the log, so
 *   it is set only when it changes by more than 5%.</li>
 * </ol>
 * A member that cannot be reached is left out of the sample and keeps its knobs.
 */
public final class ClientPlant implements ClusterPlant
{
    private final StardustClient client;
    private final int members;
    private final double memberCores;
    private final double peakTps;
    private final MemberStatus[] previous;
    private long admissionRate = -1;
    private io.stardust.client.TenantInfo[] previousTenants;

    /**
     * @param client      a client of the cluster.
     * @param members     how many members it has (ids 0 to members - 1).
     * @param memberCores cores each member may use: a capacity of 1 gives each this quota.
     * @param peakTps     the cluster's peak throughput, for the admission fallback; 0 for none.
     */
    public ClientPlant(final StardustClient client, final int members, final double memberCores,
        final double peakTps)
    {
        this.client = client;
        this.members = members;
        this.memberCores = memberCores;
        this.peakTps = peakTps;
        this.previous = new MemberStatus[members];
    }

    @Override
    public List<TenantPlacement.Tenant> tenants()
    {
        final io.stardust.client.TenantInfo[] now = new io.stardust.client.TenantInfo[members];
        for (int m = 0; m < members; m++)
        {
            try
            {
                now[m] = client.tenants(m).get(5, java.util.concurrent.TimeUnit.SECONDS);
            }
            catch (final Exception ex)
            {
                now[m] = null; // a member that does not answer adds no reads this period
            }
        }
        final io.stardust.client.TenantInfo newest = io.stardust.client.TenantInfo.newest(now);
        final List<TenantPlacement.Tenant> tenants = new ArrayList<>();
        if (newest != null && previousTenants != null)
        {
            for (final io.stardust.client.TenantInfo.Database db : newest.databases())
            {
                if (db.home().isEmpty())
                {
                    continue; // the default database is served where each client is
                }
                double commits = 0;
                double reads = 0;
                for (int m = 0; m < members; m++)
                {
                    final double[] rates = io.stardust.client.TenantInfo.rates(previousTenants[m], now[m], db.name());
                    if (rates != null)
                    {
                        commits = Math.max(commits, rates[0]); // every member sequences every commit
                        reads += rates[1];
                    }
                }
                tenants.add(new TenantPlacement.Tenant(db.name(), db.home(), commits + reads));
            }
        }
        previousTenants = now;
        return tenants;
    }

    @Override
    public String move(final String database, final String datacenter)
    {
        try
        {
            return client.moveDatabase(database, datacenter).get(30, java.util.concurrent.TimeUnit.SECONDS).detail();
        }
        catch (final Exception ex)
        {
            return "not moved: " + (ex.getCause() == null ? ex : ex.getCause()).getMessage();
        }
    }

    @Override
    public List<MemberSample> sample()
    {
        final List<MemberSample> samples = new ArrayList<>(members);
        for (int m = 0; m < members; m++)
        {
            final MemberStatus now = status(m);
            final MemberStatus before = previous[m];
            previous[m] = now;
            if (now == null || before == null || now.telemetry() == null || before.telemetry() == null)
            {
                continue;
            }
            final double seconds = now.telemetry().secondsSince(before.telemetry());
            if (seconds <= 0)
            {
                continue;
            }
            final double cores = now.telemetry().coresSince(before.telemetry());
            final double txns = (now.committed() + now.aborted() - before.committed() - before.aborted()) / seconds;
            final long quota = now.telemetry().cpuQuotaMillicores();
            samples.add(new MemberSample(m, cores, quota < 0 ? -1 : quota / 1000.0, txns,
                now.telemetry().epochLatencyP99Micros()));
        }
        return samples;
    }

    @Override
    public String apply(final double[] capacity)
    {
        final StringBuilder knobs = new StringBuilder();
        final java.util.TreeMap<Long, List<Integer>> set = new java.util.TreeMap<>();
        double lowest = 1;
        for (int m = 0; m < members; m++)
        {
            lowest = Math.min(lowest, capacity[m]);
            final long millicores = Math.max(10, Math.round(capacity[m] * memberCores * 1000));
            try
            {
                client.setKnob(m, Knob.CPU_QUOTA_MILLICORES, millicores).get(5, TimeUnit.SECONDS);
                set.computeIfAbsent(millicores, (k) -> new ArrayList<>()).add(m);
            }
            catch (final Exception ex)
            {
                knobs.append("member ").append(m).append(" quota not set (").append(rootMessage(ex)).append("); ");
            }
        }
        final boolean anyQuota = !set.isEmpty();
        if (anyQuota && set.size() == 1)
        {
            knobs.append(String.format(Locale.ROOT, "cpu quota %d millicores a member", set.firstKey()));
        }
        else if (anyQuota)
        {
            knobs.append("cpu quota");
            set.forEach((mc, ids) -> knobs.append(String.format(Locale.ROOT, " %d millicores on %s", mc,
                ids.size() == 1 ? "member " + ids.get(0) : "members " + ids)));
        }
        else if (peakTps > 0)
        {
            final long rate = Math.max(1, Math.round(lowest * peakTps));
            if (admissionRate < 0 || Math.abs(rate - admissionRate) > 0.05 * admissionRate)
            {
                try
                {
                    client.setAdmission(rate, (int)Math.max(1, Math.min(1_000_000, rate / 10))).get(10,
                        TimeUnit.SECONDS);
                    admissionRate = rate;
                }
                catch (final Exception ex)
                {
                    knobs.append("admission not set (").append(rootMessage(ex)).append("); ");
                }
            }
            knobs.append("admission ").append(admissionRate).append(" txn/s");
        }
        else
        {
            knobs.append("no knob turned: no member has a CPU quota knob and no peak throughput was given for the " +
                "admission rate");
        }
        return knobs.toString();
    }

    private MemberStatus status(final int m)
    {
        try
        {
            return client.status(m).get(2, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            return null;
        }
    }

    private static String rootMessage(final Throwable ex)
    {
        Throwable t = ex;
        while (t.getCause() != null)
        {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
