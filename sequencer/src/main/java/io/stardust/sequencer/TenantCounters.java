package io.stardust.sequencer;

import io.stardust.catalog.Catalog;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The work each database (tenant) drew on this member since it started: commit records sequenced (every member
 * sequences every record, so these agree) and reads, scans and SQL requests this member served. Telemetry only:
 * nothing that decides state reads it. Thread-safe: the service, the read endpoint and the SQL gateway count.
 */
public final class TenantCounters
{
    /** Counts for one database. */
    public record Counts(long commits, long reads)
    {
    }

    private final Map<String, LongAdder[]> byDatabase = new ConcurrentHashMap<>();

    /** @param database a commit record of this database was sequenced. */
    public void commit(final String database)
    {
        counters(database)[0].increment();
    }

    /** @param database this member served a read, scan or SQL request of this database. */
    public void read(final String database)
    {
        counters(database)[1].increment();
    }

    /** @param relationName a relation read: its database's read count goes up. */
    public void readOf(final String relationName)
    {
        read(Catalog.databaseOf(relationName));
    }

    /** @return every database counted so far, by name. */
    public Map<String, Counts> snapshot()
    {
        final Map<String, Counts> out = new TreeMap<>();
        byDatabase.forEach((db, c) -> out.put(db, new Counts(c[0].sum(), c[1].sum())));
        return out;
    }

    private LongAdder[] counters(final String database)
    {
        return byDatabase.computeIfAbsent(database == null ? Catalog.DEFAULT_DATABASE : database,
            (d) -> new LongAdder[] {new LongAdder(), new LongAdder()});
    }
}
