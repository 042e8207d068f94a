package io.stardust.planner;

import io.stardust.catalog.Catalog;
import io.stardust.catalog.SchemaChange;

import java.util.ArrayList;
import java.util.List;

/**
 * The cluster as a session bound to one database sees it: that database's tables under their own names. Reads,
 * commits and schema changes reach the cluster with the tables named as relations ({@code database/name}), so a
 * session can neither name nor reach another database's tables. Changes of databases themselves pass unchanged.
 */
public final class DatabaseBackend implements SqlBackend
{
    private final SqlBackend cluster;
    private final String database;

    /**
     * @param cluster  the whole cluster.
     * @param database the session's database.
     */
    public DatabaseBackend(final SqlBackend cluster, final String database)
    {
        this.cluster = cluster;
        this.database = database;
    }

    /** @return the session's database. */
    public String database()
    {
        return database;
    }

    /**
     * @param backend  the whole cluster.
     * @param database a database.
     * @return a backend bound to it (null: the default database, which sees no other database's tables either).
     */
    public static SqlBackend of(final SqlBackend backend, final String database)
    {
        return new DatabaseBackend(backend, database == null ? Catalog.DEFAULT_DATABASE : database);
    }

    @Override
    public Catalog catalog(final long minVersion)
    {
        return cluster.catalog(minVersion).viewOf(database);
    }

    @Override
    public Snapshot snapshot(final long minEpoch)
    {
        final Snapshot snapshot = cluster.snapshot(minEpoch);
        return new Snapshot()
        {
            @Override
            public long epoch()
            {
                return snapshot.epoch();
            }

            @Override
            public Row get(final String relation, final byte[] key)
            {
                return snapshot.get(qualify(relation), key);
            }

            @Override
            public List<Row> scan(final String relation, final byte[] start, final byte[] end, final int limit)
            {
                return snapshot.scan(qualify(relation), start, end, limit);
            }
        };
    }

    @Override
    public long commit(final Commit commit)
    {
        final List<Read> reads = new ArrayList<>(commit.reads().size());
        for (final Read r : commit.reads())
        {
            reads.add(new Read(qualify(r.relation()), r.key(), r.version()));
        }
        final List<Range> ranges = new ArrayList<>(commit.ranges().size());
        for (final Range r : commit.ranges())
        {
            ranges.add(new Range(qualify(r.relation()), r.start(), r.end()));
        }
        final List<Write> writes = new ArrayList<>(commit.writes().size());
        for (final Write w : commit.writes())
        {
            writes.add(new Write(qualify(w.relation()), w.key(), w.value()));
        }
        return cluster.commit(new Commit(commit.catalogVersion(), commit.snapshotEpoch(), reads, ranges, writes));
    }

    @Override
    public RowUpdated updateRow(final long catalogVersion, final String relation, final byte[] key,
        final byte[] assignments)
    {
        return cluster.updateRow(catalogVersion, qualify(relation), key, assignments);
    }

    @Override
    public long changeSchema(final SchemaChange change)
    {
        return cluster.changeSchema(SchemaChange.inDatabase(change, database));
    }

    private String qualify(final String relation)
    {
        return Catalog.qualify(database, relation);
    }
}
