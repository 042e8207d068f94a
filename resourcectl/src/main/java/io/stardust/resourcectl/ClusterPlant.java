package io.stardust.resourcectl;

import java.util.List;

/** What the live controller sees of a running cluster and what it does to it, once a control period. */
public interface ClusterPlant
{
    /**
     * One member over the period just past.
     *
     * @param memberId   the member.
     * @param cores      CPU it used, in cores (CPU-seconds per second).
     * @param quotaCores its CPU quota in cores; 0 for none; -1 when it has no quota knob.
     * @param txnPerSecond transactions it decided per second (commits and aborts).
     * @param p99Micros  its epoch latency p99 over the last 10 to 20 s; -1 when none.
     */
    record MemberSample(int memberId, double cores, double quotaCores, double txnPerSecond, long p99Micros)
    {
        /** @return true when a quota held the member back: it used nearly all of it. */
        public boolean limited()
        {
            return quotaCores > 0 && cores >= 0.85 * quotaCores;
        }
    }

    /**
     * @return every member reachable, over the time since the previous call (the first call only sets the start).
     */
    List<MemberSample> sample();

    /**
     * Set the knobs for a capacity per member.
     *
     * @param capacity by member id, a fraction of full capacity in (0, 1].
     * @return the knobs now, in words, for the decision log.
     */
    String apply(double[] capacity);

    /**
     * @return every database with a serving location, where it is served and the requests per second (commits and
     * reads) it drew over the time since the previous call; empty from a plant that has no databases.
     */
    default List<TenantPlacement.Tenant> tenants()
    {
        return List.of();
    }

    /**
     * Move a database's serving location (workload movement).
     *
     * @param database the database.
     * @param datacenter where it is served from now on.
     * @return what happened, in words, for the decision log.
     */
    default String move(final String database, final String datacenter)
    {
        return "this plant cannot move databases";
    }
}
