package io.stardust.server.sql;

import io.stardust.catalog.ColumnType;
import io.stardust.catalog.IndexDef;
import io.stardust.catalog.KeyCodec;
import io.stardust.catalog.Keys;
import io.stardust.catalog.TableDef;
import io.stardust.planner.TableStats;
import io.stardust.sequencer.ReplicaView;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Table statistics from the member's storage: row counts as storage keeps them (current to the last epoch), and the
 * distinct values of an index's leading columns, from a sample of its first entries, refreshed every few seconds.
 */
final class GatewayStats implements TableStats
{
    /** Entries sampled for distinct values. */
    static final int SAMPLE = 2_000;
    private static final long REFRESH_NS = TimeUnit.SECONDS.toNanos(10);

    private record Sampled(double distinct, long atNs)
    {
    }

    private final ReplicaView replica;
    private final Map<String, Sampled> distinct = new ConcurrentHashMap<>();

    GatewayStats(final ReplicaView replica)
    {
        this.replica = replica;
    }

    @Override
    public double rowCount(final TableDef table)
    {
        try
        {
            return Math.max(1, replica.storage().size(table.relationId()));
        }
        catch (final RuntimeException ex)
        {
            return 1; // dropped meanwhile
        }
    }

    @Override
    public double distinct(final TableDef table, final IndexDef index, final int columns)
    {
        // By relation id: sessions of different databases see tables of the same name.
        final String key = (index == null ? table.relationId() : index.relationId()) + "/" + columns + "@" +
            table.changedAtVersion();
        final Sampled known = distinct.get(key);
        final long now = System.nanoTime();
        if (known != null && now - known.atNs() < REFRESH_NS)
        {
            return known.distinct();
        }
        final double value = sample(table, index, columns);
        distinct.put(key, new Sampled(value, now));
        return value;
    }

    private double sample(final TableDef table, final IndexDef index, final int columns)
    {
        try
        {
            final List<ColumnType> types = index == null ? Keys.primaryKeyTypes(table) : Keys.entryTypes(table, index);
            final int relation = index == null ? table.relationId() : index.relationId();
            final Set<List<Object>> seen = new HashSet<>();
            final int[] sampled = {0};
            replica.storage().scan(relation, null, null, replica.storage().appliedEpoch(), SAMPLE, (k, row) ->
            {
                sampled[0]++;
                seen.add(new ArrayList<>(Arrays.asList(KeyCodec.decode(types, k)).subList(0, columns)));
            });
            final double rows = rowCount(table);
            if (sampled[0] < SAMPLE)
            {
                return Math.max(1, seen.size());
            }
            return Math.max(1, Math.min(rows, seen.size() * rows / sampled[0]));
        }
        catch (final RuntimeException ex)
        {
            return Math.max(1, rowCount(table) / 10);
        }
    }
}
