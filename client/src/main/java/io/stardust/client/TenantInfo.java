package io.stardust.client;

import java.util.List;

/**
 * Every database as one member knows it, with the work each drew on that member.
 *
 * @param memberId       the member that answered.
 * @param catalogVersion its catalog version.
 * @param sampledAtNanos its monotonic clock when it answered: rates come from two of these.
 * @param databases      the default database first, then the others by name.
 */
public record TenantInfo(int memberId, long catalogVersion, long sampledAtNanos, List<Database> databases)
{
    /**
     * One database.
     *
     * @param name           its name.
     * @param owner          its owner; empty for the default database.
     * @param home           the datacenter that serves it; empty for the default database (served where each client
     *                       is).
     * @param tables         its tables.
     * @param commits        commit records of it sequenced since the member started.
     * @param reads          reads, scans and SQL requests of it the member served since it started.
     * @param movedAtVersion the catalog version that last set its home.
     */
    public record Database(String name, String owner, String home, int tables, long commits, long reads,
        long movedAtVersion)
    {
    }

    /**
     * @param answers members' answers; null for a member that gave none.
     * @return the answer with the newest catalog, or null when there is none.
     */
    public static TenantInfo newest(final TenantInfo[] answers)
    {
        TenantInfo newest = null;
        for (final TenantInfo t : answers)
        {
            if (t != null && (newest == null || t.catalogVersion() > newest.catalogVersion()))
            {
                newest = t;
            }
        }
        return newest;
    }

    /**
     * One member's rates for one database between two of its answers.
     *
     * @param before   the member's earlier answer, or null.
     * @param after    its later answer, or null.
     * @param database the database.
     * @return {commits per second, reads per second}; null when either answer lacks it or no time passed.
     */
    public static double[] rates(final TenantInfo before, final TenantInfo after, final String database)
    {
        final Database a = before == null ? null : before.database(database);
        final Database b = after == null ? null : after.database(database);
        if (a == null || b == null || after.sampledAtNanos() <= before.sampledAtNanos())
        {
            return null;
        }
        final double seconds = (after.sampledAtNanos() - before.sampledAtNanos()) / 1e9;
        return new double[] {(b.commits() - a.commits()) / seconds, (b.reads() - a.reads()) / seconds};
    }

    /**
     * @param name a database.
     * @return it, or null.
     */
    public Database database(final String name)
    {
        return databases.stream().filter((d) -> d.name().equals(name)).findFirst().orElse(null);
    }
}
