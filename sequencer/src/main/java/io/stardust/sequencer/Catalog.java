package io.stardust.sequencer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The tables a replica knows, at one catalog version. Immutable: a DDL record produces a new catalog, so readers
 * on other threads can hold one without locks. Changes only through the log.
 */
public final class Catalog
{
    /** Most tables a catalog holds. */
    public static final int MAX_TABLES = 16_384;
    /** Allowed table names. */
    public static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

    /** The catalog of an empty log. */
    public static final Catalog EMPTY = new Catalog(0, List.of());

    /** One table: dense id, name, and the catalog version that created it. */
    public record TableInfo(int id, String name, long createdAtVersion)
    {
    }

    private final long version;
    private final List<TableInfo> tables;
    private final Map<String, TableInfo> byName = new HashMap<>();

    private Catalog(final long version, final List<TableInfo> tables)
    {
        this.version = version;
        this.tables = Collections.unmodifiableList(tables);
        for (final TableInfo t : tables)
        {
            byName.put(t.name(), t);
        }
    }

    /**
     * Rebuild a catalog, e.g. from a snapshot.
     *
     * @param version catalog version.
     * @param tables  tables in id order, ids dense from 0.
     * @return the catalog.
     */
    public static Catalog of(final long version, final List<TableInfo> tables)
    {
        for (int i = 0; i < tables.size(); i++)
        {
            if (tables.get(i).id() != i)
            {
                throw new IllegalArgumentException("table ids must be dense from 0; found " + tables.get(i).id() +
                    " at " + i);
            }
        }
        return new Catalog(version, new ArrayList<>(tables));
    }

    public long version()
    {
        return version;
    }

    /** @return tables in id order. */
    public List<TableInfo> tables()
    {
        return tables;
    }

    /**
     * @param name table name.
     * @return the table, or null.
     */
    public TableInfo table(final String name)
    {
        return byName.get(name);
    }

    /**
     * Check a name for {@link #withTable(String)}.
     *
     * @param name proposed name.
     * @return null when acceptable, else why not.
     */
    public String checkNewTable(final String name)
    {
        final String problem = nameProblem(name);
        if (problem != null)
        {
            return problem;
        }
        if (byName.containsKey(name))
        {
            return "table '" + name + "' already exists";
        }
        if (tables.size() >= MAX_TABLES)
        {
            return "the catalog is full (" + MAX_TABLES + " tables)";
        }
        return null;
    }

    /**
     * @param name proposed name.
     * @return null when it is a well-formed table name, else why not.
     */
    public static String nameProblem(final String name)
    {
        if (name == null || !TABLE_NAME.matcher(name).matches())
        {
            return "invalid table name '" + name + "': use 1-64 characters of [A-Za-z0-9_], not starting with a digit";
        }
        return null;
    }

    /**
     * @param name a name that passed {@link #checkNewTable(String)}.
     * @return the next catalog, with the table added under the next id.
     */
    public Catalog withTable(final String name)
    {
        final String problem = checkNewTable(name);
        if (problem != null)
        {
            throw new IllegalArgumentException(problem);
        }
        final List<TableInfo> next = new ArrayList<>(tables);
        next.add(new TableInfo(tables.size(), name, version + 1));
        return new Catalog(version + 1, next);
    }
}
