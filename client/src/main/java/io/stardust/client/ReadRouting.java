package io.stardust.client;

import io.stardust.protocol.ClusterSpec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where a client's reads, read-only transactions and SQL sessions go: the routing policy, one object that the client
 * consults and that an operator or the resource controller can steer.
 * <p>
 * The policy ranks the members: those in the serving datacenter first (the client's own, unless steered elsewhere),
 * then the others by the round trip the client measured to them, nearest first. It then skips any member it has
 * reason to avoid:
 * <ul>
 *   <li>down: a request to it went unanswered, until it answers a status request again;</li>
 *   <li>catching up: its last status said it is starting, replaying or catching up from the leader;</li>
 *   <li>lagging: its last status showed it more than {@link #maxLagEpochs()} epochs behind the most advanced member
 *       seen in the same refresh;</li>
 *   <li>behind: it answered {@code BEHIND} to a read, until a status shows it reached that epoch (or, without
 *       statuses, {@link #BEHIND_HOLD_NS} passes).</li>
 * </ul>
 * When every member is to be avoided, the ranking alone decides. Commit records do not go through this: they go to
 * the leader through Aeron Cluster's ingress. A client pinned to one member ({@link ClientConfig#preferredMember})
 * reads there while it is not avoided.
 * <p>
 * Thread-safe: callers pick members on their own threads, the client's conductor reports outcomes.
 */
public final class ReadRouting
{
    /**
     * How long a member that answered {@code BEHIND} is avoided when no status shows it caught up (the client
     * refreshes statuses every second while it reads, so this is the fallback).
     */
    public static final long BEHIND_HOLD_NS = TimeUnit.SECONDS.toNanos(30);
    /** Default for {@link #maxLagEpochs()}. */
    public static final long DEFAULT_MAX_LAG_EPOCHS = 1_000;

    /** What the policy knows of one member. */
    public record MemberView(int id, String datacenter, boolean local, boolean down, boolean catchingUp,
        boolean behind, String role, long appliedEpoch, long lagEpochs, long roundTripMicros, long served)
    {
        /** @return true when the policy routes around this member. */
        public boolean avoided()
        {
            return down || catchingUp || behind;
        }
    }

    private final ClusterSpec spec;
    private final String clientDatacenter;
    private final int pinned;
    private final State[] members;
    private volatile String servingDatacenter;
    private volatile long maxLagEpochs = DEFAULT_MAX_LAG_EPOCHS;
    private int current;
    private int forced = -1;

    private static final class State
    {
        final int id;
        String datacenter;
        boolean down;
        boolean catchingUp;
        long behindUntilNs;
        long behindEpoch;
        boolean behind;
        String role = "UNKNOWN";
        long appliedEpoch = -1;
        long lagEpochs;
        long roundTripNanos = -1;
        long served;

        State(final int id, final String datacenter)
        {
            this.id = id;
            this.datacenter = datacenter;
        }
    }

    /**
     * @param spec            the cluster's members with their datacenters.
     * @param datacenter      the client's own datacenter.
     * @param preferredMember a member to read at while it is not avoided; -1 for none.
     */
    public ReadRouting(final ClusterSpec spec, final String datacenter, final int preferredMember)
    {
        if (datacenter == null || datacenter.isBlank())
        {
            throw new IllegalArgumentException("empty datacenter label for the client");
        }
        this.spec = spec;
        this.clientDatacenter = datacenter;
        this.servingDatacenter = datacenter;
        this.pinned = preferredMember;
        this.members = new State[spec.size()];
        for (final ClusterSpec.Member m : spec.members())
        {
            members[m.id()] = new State(m.id(), m.datacenter());
        }
        this.current = preferredMember >= 0 ? preferredMember : ranked(System.nanoTime()).get(0);
    }

    /** @return the client's own datacenter. */
    public String clientDatacenter()
    {
        return clientDatacenter;
    }

    /** @return the datacenter whose members serve first: the client's own unless steered. */
    public String servingDatacenter()
    {
        return servingDatacenter;
    }

    /**
     * Steer reads to another datacenter's members (a tenant's serving location, or the controller moving work away
     * from a datacenter short of power). Reads already sent finish where they are.
     *
     * @param datacenter a datacenter of the cluster; null goes back to the client's own.
     * @throws IllegalArgumentException for a datacenter no member is in.
     */
    public void steer(final String datacenter)
    {
        final String target = datacenter == null ? clientDatacenter : datacenter;
        if (target.isBlank())
        {
            throw new IllegalArgumentException("empty datacenter label");
        }
        synchronized (this)
        {
            final java.util.Set<String> known = new java.util.TreeSet<>();
            for (final State m : members)
            {
                known.add(m.datacenter);
            }
            if (datacenter != null && !known.contains(target))
            {
                throw new IllegalArgumentException("unknown datacenter '" + target + "'; the cluster's are " + known);
            }
            servingDatacenter = target;
            current = pick(Long.MIN_VALUE);
        }
    }

    /**
     * Send every new read to one member, whatever the policy knows of it (diagnostics, tests). A read it answers
     * {@code BEHIND} still moves on.
     *
     * @param member a member id, or -1 to let the policy choose again.
     */
    public synchronized void pin(final int member)
    {
        if (member < -1 || member >= members.length)
        {
            throw new IllegalArgumentException("no member " + member + " in a cluster of " + members.length);
        }
        forced = member;
        if (member >= 0)
        {
            current = member;
        }
    }

    /** @return the lag, in epochs behind the most advanced member, past which a member is avoided. */
    public long maxLagEpochs()
    {
        return maxLagEpochs;
    }

    /** @param epochs the lag past which a member is avoided (at least 1). */
    public void maxLagEpochs(final long epochs)
    {
        if (epochs < 1)
        {
            throw new IllegalArgumentException("maxLagEpochs must be at least 1, was " + epochs);
        }
        this.maxLagEpochs = epochs;
    }

    /** @return the member the next read goes to. */
    public synchronized int current()
    {
        return current;
    }

    /**
     * @param sessionEpoch the newest epoch the session has seen: a member last seen more than
     *                     {@link #maxLagEpochs()} behind it is avoided.
     * @return the member a new read should go to.
     */
    public synchronized int pick(final long sessionEpoch)
    {
        final long now = System.nanoTime();
        if (forced >= 0)
        {
            current = forced;
            return forced;
        }
        if (current >= 0 && !avoid(members[current], sessionEpoch, now) && stillFirstChoice(current, now))
        {
            return current;
        }
        for (final int id : ranked(now))
        {
            if (!avoid(members[id], sessionEpoch, now))
            {
                current = id;
                return id;
            }
        }
        return current;
    }

    /**
     * @param from         the member that could not serve a read.
     * @param tried        bit {@code i} set for each member already tried (members 0..63).
     * @param sessionEpoch the epoch the read needs.
     * @return the next member to try, or -1 when every member was tried.
     */
    public synchronized int next(final int from, final long tried, final long sessionEpoch)
    {
        final long now = System.nanoTime();
        int fallback = -1;
        for (final int id : ranked(now))
        {
            if (id == from || (id < 64 && (tried & (1L << id)) != 0))
            {
                continue;
            }
            if (!avoid(members[id], sessionEpoch, now))
            {
                return id;
            }
            if (fallback < 0)
            {
                fallback = id;
            }
        }
        return fallback;
    }

    /**
     * @return every member, best first: those the policy would pick (pinned, serving datacenter, nearest), then
     * the avoided ones in the same order. A SQL session's gateway is the first of these that answers.
     */
    public synchronized List<Integer> order()
    {
        final long now = System.nanoTime();
        final List<Integer> ranked = ranked(now);
        final List<Integer> order = new ArrayList<>();
        for (final int id : ranked)
        {
            if (!avoid(members[id], Long.MIN_VALUE, now))
            {
                order.add(id);
            }
        }
        for (final int id : ranked)
        {
            if (!order.contains(id))
            {
                order.add(id);
            }
        }
        return order;
    }

    /** A member answered a read, scan or SQL request. */
    public synchronized void onServed(final int member, final long appliedEpoch)
    {
        final State s = members[member];
        s.down = false;
        s.served++;
        if (appliedEpoch > s.appliedEpoch)
        {
            s.appliedEpoch = appliedEpoch;
        }
    }

    /** A request to the member went unanswered: avoid it until it answers a status request. */
    public synchronized void onTimeout(final int member)
    {
        members[member].down = true;
        if (current == member)
        {
            current = pick(Long.MIN_VALUE);
        }
    }

    /** The member answered that it lacks the epoch (or catalog version) a read needs. */
    public synchronized void onBehind(final int member, final long neededEpoch)
    {
        final State s = members[member];
        s.behind = true;
        s.behindEpoch = Math.max(s.behindEpoch, neededEpoch);
        s.behindUntilNs = System.nanoTime() + BEHIND_HOLD_NS;
        if (current == member)
        {
            current = pick(Long.MIN_VALUE);
        }
    }

    /**
     * The answers of one topology refresh: each member's status, or null for a member that did not answer.
     *
     * @param statuses   by member id.
     * @param roundTrips the round trip of each answer in nanoseconds, by member id (ignored for null statuses).
     */
    public synchronized void onRefresh(final MemberStatus[] statuses, final long[] roundTrips)
    {
        long newest = -1;
        for (final MemberStatus s : statuses)
        {
            if (s != null && !s.catchingUp())
            {
                newest = Math.max(newest, s.appliedEpoch());
            }
        }
        for (int id = 0; id < members.length && id < statuses.length; id++)
        {
            final MemberStatus status = statuses[id];
            if (status != null)
            {
                onStatus(status, roundTrips[id], newest);
            }
        }
    }

    private void onStatus(final MemberStatus status, final long roundTripNanos, final long newest)
    {
        final State s = members[status.memberId()];
        s.down = false;
        if (status.datacenter() != null && !status.datacenter().isBlank())
        {
            s.datacenter = status.datacenter(); // members know their labels: a client given none learns them
        }
        s.role = status.role();
        s.catchingUp = status.catchingUp();
        s.appliedEpoch = status.appliedEpoch();
        s.lagEpochs = newest < 0 ? 0 : Math.max(0, newest - status.appliedEpoch());
        s.roundTripNanos = s.roundTripNanos < 0 ? roundTripNanos : (s.roundTripNanos * 3 + roundTripNanos) / 4;
        if (s.behind && status.appliedEpoch() >= s.behindEpoch)
        {
            s.behind = false;
        }
    }

    /** @return what the policy knows of each member, by id. */
    public synchronized List<MemberView> members()
    {
        final long now = System.nanoTime();
        final List<MemberView> views = new ArrayList<>();
        for (final State s : members)
        {
            views.add(new MemberView(s.id, s.datacenter, s.datacenter.equals(servingDatacenter), s.down,
                s.catchingUp, isBehind(s, now) || s.lagEpochs > maxLagEpochs, s.role, s.appliedEpoch, s.lagEpochs,
                s.roundTripNanos < 0 ? -1 : s.roundTripNanos / 1000, s.served));
        }
        return views;
    }

    /** @return reads, scans and SQL requests each member answered for this client, by id. */
    public synchronized long[] served()
    {
        final long[] served = new long[members.length];
        for (final State s : members)
        {
            served[s.id] = s.served;
        }
        return served;
    }

    private boolean avoid(final State s, final long sessionEpoch, final long now)
    {
        return s.down || s.catchingUp || s.lagEpochs > maxLagEpochs || isBehind(s, now) ||
            (sessionEpoch > 0 && s.appliedEpoch >= 0 && sessionEpoch - s.appliedEpoch > maxLagEpochs);
    }

    private boolean isBehind(final State s, final long now)
    {
        if (s.behind && now - s.behindUntilNs > 0)
        {
            s.behind = false;
        }
        return s.behind;
    }

    /** A healthy current member stays the choice unless a better-ranked member is healthy too (stickiness). */
    private boolean stillFirstChoice(final int id, final long now)
    {
        if (pinned >= 0)
        {
            return id == pinned || avoid(members[pinned], Long.MIN_VALUE, now);
        }
        if (members[id].datacenter.equals(servingDatacenter))
        {
            return true;
        }
        for (final State m : members)
        {
            if (m.datacenter.equals(servingDatacenter) && !avoid(m, Long.MIN_VALUE, now))
            {
                return false;
            }
        }
        return true;
    }

    /** The pinned member first; then the serving datacenter's; then the rest by measured round trip, then id. */
    private List<Integer> ranked(final long now)
    {
        final List<Integer> ids = new ArrayList<>();
        for (final State s : members)
        {
            ids.add(s.id);
        }
        final String serving = servingDatacenter;
        ids.sort(Comparator.<Integer>comparingInt((id) -> id == pinned ? 0 : 1)
            .thenComparingInt((id) -> members[id].datacenter.equals(serving) ? 0 : 1)
            .thenComparingLong((id) -> members[id].roundTripNanos < 0 ? Long.MAX_VALUE : members[id].roundTripNanos)
            .thenComparingInt((id) -> id));
        return ids;
    }
}
