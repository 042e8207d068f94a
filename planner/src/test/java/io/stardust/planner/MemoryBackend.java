package io.stardust.planner;

import io.stardust.catalog.Catalog;
import io.stardust.catalog.CatalogChanges;
import io.stardust.catalog.IndexDef;
import io.stardust.catalog.Keys;
import io.stardust.catalog.RowCodec;
import io.stardust.catalog.SchemaChange;
import io.stardust.catalog.SchemaException;
import io.stardust.catalog.TableDef;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A cluster in memory for the planner's tests, with the spine's semantics: versioned rows, snapshot reads at an
 * epoch, and validation of point reads (the version read is still the latest) and ranges (nothing in the range was
 * written after the snapshot) when a transaction commits, each commit in an epoch of its own.
 */
final class MemoryBackend implements SqlBackend
{
    private record Version(long epoch, byte[] value)
    {
    }

    private Catalog catalog = Catalog.EMPTY;
    private long epoch = 1;
    private final Map<String, TreeMap<byte[], List<Version>>> relations = new HashMap<>();
    int commits;

    @Override
    public synchronized Catalog catalog(final long minVersion)
    {
        return catalog;
    }

    @Override
    public synchronized Snapshot snapshot(final long minEpoch)
    {
        final long at = epoch;
        return new Snapshot()
        {
            @Override
            public long epoch()
            {
                return at;
            }

            @Override
            public Row get(final String relation, final byte[] key)
            {
                synchronized (MemoryBackend.this)
                {
                    final Version v = visible(relation, key, at);
                    return v == null ? new Row(key, null, 0) : new Row(key, v.value(), v.epoch() << 20);
                }
            }

            @Override
            public List<Row> scan(final String relation, final byte[] start, final byte[] end, final int limit)
            {
                synchronized (MemoryBackend.this)
                {
                    final List<Row> rows = new ArrayList<>();
                    for (final byte[] key : range(relation, start, end).keySet())
                    {
                        final Version v = visible(relation, key, at);
                        if (v != null && v.value() != null && rows.size() < limit)
                        {
                            rows.add(new Row(key, v.value(), v.epoch() << 20));
                        }
                    }
                    return rows;
                }
            }
        };
    }

    int oneShots;

    @Override
    public synchronized RowUpdated updateRow(final long catalogVersion, final String relation, final byte[] key,
        final byte[] assignments)
    {
        final Catalog.Relation r = catalog.relation(relation);
        if (r == null || catalog.table(r.table()).changedAtVersion() > catalogVersion)
        {
            throw new SqlError(SqlError.SERIALIZATION_FAILURE, "schema changed, retry: " + relation);
        }
        oneShots++;
        final Version now = visible(relation, key, Long.MAX_VALUE);
        if (now == null || now.value() == null)
        {
            return new RowUpdated(0, epoch);
        }
        final byte[] next = io.stardust.catalog.RowUpdate.apply(catalog.table(r.table()), now.value(),
            io.stardust.catalog.RowUpdate.decode(assignments));
        if (next == null)
        {
            throw new SqlError(SqlError.NUMERIC_OUT_OF_RANGE, "value out of range");
        }
        return new RowUpdated(1, commit(new Commit(catalogVersion, epoch, List.of(), List.of(),
            List.of(new Write(relation, key, next)))));
    }

    @Override
    public synchronized long commit(final Commit commit)
    {
        if (commit.catalogVersion() < catalog.version())
        {
            for (final Write w : commit.writes())
            {
                final Catalog.Relation r = catalog.relation(w.relation());
                if (r == null || catalog.table(r.table()).changedAtVersion() > commit.catalogVersion())
                {
                    throw new SqlError(SqlError.SERIALIZATION_FAILURE, "schema changed, retry: " + w.relation());
                }
            }
        }
        for (final Read r : commit.reads())
        {
            final Version v = visible(r.relation(), r.key(), Long.MAX_VALUE);
            final long now = v == null ? 0 : v.epoch() << 20;
            if (now != r.version())
            {
                throw new SqlError(SqlError.SERIALIZATION_FAILURE, "conflict on " + r.relation());
            }
        }
        for (final Range r : commit.ranges())
        {
            for (final Map.Entry<byte[], List<Version>> e : range(r.relation(), r.start(), r.end()).entrySet())
            {
                final List<Version> versions = e.getValue();
                if (versions.get(versions.size() - 1).epoch() > commit.snapshotEpoch())
                {
                    throw new SqlError(SqlError.SERIALIZATION_FAILURE, "phantom in " + r.relation());
                }
            }
        }
        epoch++;
        for (final Write w : commit.writes())
        {
            relations.computeIfAbsent(w.relation(), (n) -> new TreeMap<>(Arrays::compareUnsigned))
                .computeIfAbsent(w.key(), (k) -> new ArrayList<>()).add(new Version(epoch, w.value()));
        }
        commits++;
        return epoch;
    }

    @Override
    public synchronized long changeSchema(final SchemaChange change)
    {
        final CatalogChanges.Applied applied;
        try
        {
            applied = catalog.apply(change);
        }
        catch (final SchemaException ex)
        {
            throw Errors.schema(ex.problem().kind(), ex.getMessage());
        }
        catalog = applied.catalog();
        for (final Catalog.Relation r : applied.dropped())
        {
            relations.remove(r.name());
        }
        for (final Catalog.Relation r : applied.created())
        {
            if (r.index())
            {
                final TableDef table = catalog.table(r.table());
                final IndexDef index = table.index(r.name());
                epoch++;
                for (final Map.Entry<byte[], List<Version>> e : range(table.name(), new byte[0], new byte[0])
                    .entrySet())
                {
                    final Version v = e.getValue().get(e.getValue().size() - 1);
                    if (v.value() != null)
                    {
                        relations.computeIfAbsent(r.name(), (n) -> new TreeMap<>(Arrays::compareUnsigned))
                            .computeIfAbsent(Keys.entry(table, index, RowCodec.decode(table, v.value())),
                                (k) -> new ArrayList<>()).add(new Version(epoch, new byte[0]));
                    }
                }
            }
        }
        return catalog.version();
    }

    private NavigableMap<byte[], List<Version>> range(final String relation, final byte[] start, final byte[] end)
    {
        final TreeMap<byte[], List<Version>> rows = relations.getOrDefault(relation,
            new TreeMap<>(Arrays::compareUnsigned));
        return end.length == 0 ? rows.tailMap(start, true) : rows.subMap(start, true, end, false);
    }

    private Version visible(final String relation, final byte[] key, final long at)
    {
        final TreeMap<byte[], List<Version>> rows = relations.get(relation);
        final List<Version> versions = rows == null ? null : rows.get(key);
        if (versions == null)
        {
            return null;
        }
        for (int i = versions.size() - 1; i >= 0; i--)
        {
            if (versions.get(i).epoch() <= at)
            {
                return versions.get(i);
            }
        }
        return null;
    }
}
