package io.stardust.catalog;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The tables and indexes a replica knows, at one catalog version. Immutable: a schema change produces a new catalog,
 * so readers on other threads hold one without locks. Changes only through the log ({@link CatalogChanges}).
 * <p>
 * Every table and every index owns one storage relation, numbered densely from 0 in creation order; a dropped
 * relation's number is never reused. Tables and indexes share one namespace, as in PostgreSQL.
 */
public final class Catalog
{
    /** Most relations (tables and indexes, dropped ones included) a catalog holds. */
    public static final int MAX_RELATIONS = 16_384;
    /** Most columns in a table, dropped ones included. */
    public static final int MAX_COLUMNS = 1_000;
    /** Most columns in a key (primary or index). */
    public static final int MAX_KEY_COLUMNS = 16;
    /** Allowed names of tables, indexes and columns. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

    /** The database of tables whose names are not qualified; it always exists and has no entry. */
    public static final String DEFAULT_DATABASE = "default";
    /** Separates a database's name from a table's or index's in a relation name: {@code sales/orders}. */
    public static final char QUALIFIER = '/';
    /** Most databases a catalog holds. */
    public static final int MAX_DATABASES = 4_096;

    /** The catalog of an empty log. */
    public static final Catalog EMPTY = new Catalog(0, List.of(), Map.of(), Map.of(), Map.of());

    /**
     * One storage relation: a table's rows or an index's entries.
     *
     * @param id               its storage id.
     * @param name             the table's or the index's name.
     * @param table            the table it belongs to (its own name for a table).
     * @param index            true for an index.
     * @param createdAtVersion the catalog version that created it.
     */
    public record Relation(int id, String name, String table, boolean index, long createdAtVersion)
    {
    }

    private final long version;
    /** By id; null where a relation was dropped. */
    private final List<Relation> relations;
    private final Map<String, TableDef> tables;
    private final Map<String, Relation> byName = new TreeMap<>();
    /** Names of dropped relations, with the catalog version that dropped them. */
    private final Map<String, Long> dropped;
    private final Map<String, DatabaseDef> databases;
    /** Registered procedure versions by {@link ProcedureDef#id()}: cluster-wide, in every view. */
    private final Map<String, ProcedureDef> procedures;
    /** The database this is a view of ({@link #viewOf}), or null for the whole catalog. */
    private final String view;

    Catalog(
        final long version,
        final List<Relation> relations,
        final Map<String, TableDef> tables,
        final Map<String, Long> dropped,
        final Map<String, DatabaseDef> databases)
    {
        this(version, relations, tables, dropped, databases, Map.of(), null);
    }

    Catalog(
        final long version,
        final List<Relation> relations,
        final Map<String, TableDef> tables,
        final Map<String, Long> dropped,
        final Map<String, DatabaseDef> databases,
        final Map<String, ProcedureDef> procedures,
        final String view)
    {
        this.view = view;
        this.procedures = Collections.unmodifiableMap(new TreeMap<>(procedures));
        this.version = version;
        this.databases = Collections.unmodifiableMap(new TreeMap<>(databases));
        this.relations = Collections.unmodifiableList(new ArrayList<>(relations));
        this.tables = Collections.unmodifiableMap(new TreeMap<>(tables));
        this.dropped = Collections.unmodifiableMap(new TreeMap<>(dropped));
        for (final Relation r : relations)
        {
            if (r != null)
            {
                byName.put(r.name(), r);
            }
        }
    }

    /**
     * The catalog of a snapshot from before SQL, which held key-value tables only.
     *
     * @param version   its version.
     * @param names     table names, in id order.
     * @param createdAt the version that created each.
     * @return the catalog.
     */
    public static Catalog ofKeyValueTables(final long version, final List<String> names, final List<Long> createdAt)
    {
        final List<Relation> relations = new ArrayList<>();
        final Map<String, TableDef> tables = new TreeMap<>();
        for (int i = 0; i < names.size(); i++)
        {
            final String name = names.get(i);
            relations.add(new Relation(i, name, name, false, createdAt.get(i)));
            tables.put(name, new TableDef(i, name, List.of(), List.of(), List.of(), 1, 0, createdAt.get(i),
                createdAt.get(i)));
        }
        return new Catalog(version, relations, tables, Map.of(), Map.of());
    }

    public long version()
    {
        return version;
    }

    /** @return the number of relation ids handed out, dropped ones included: the next relation's id. */
    public int relationCount()
    {
        return relations.size();
    }

    /** @return live relations, in id order. */
    public List<Relation> relations()
    {
        final List<Relation> live = new ArrayList<>(relations.size());
        for (final Relation r : relations)
        {
            if (r != null)
            {
                live.add(r);
            }
        }
        return live;
    }

    /**
     * @param id a relation id.
     * @return the live relation, or null when dropped or never handed out.
     */
    public Relation relation(final int id)
    {
        return id >= 0 && id < relations.size() ? relations.get(id) : null;
    }

    /**
     * @param name a table's or index's name.
     * @return the live relation, or null.
     */
    public Relation relation(final String name)
    {
        return byName.get(name);
    }

    /**
     * @param name a table's name.
     * @return the table, or null.
     */
    public TableDef table(final String name)
    {
        return tables.get(name);
    }

    /** @return the tables, by name. */
    public Collection<TableDef> tables()
    {
        return tables.values();
    }

    /**
     * @param name a name.
     * @return the catalog version that last dropped a relation of that name, or 0.
     */
    public long droppedAt(final String name)
    {
        return dropped.getOrDefault(name, 0L);
    }

    /**
     * @param name a database.
     * @return it, or null (also for the default database, which has no entry).
     */
    public DatabaseDef database(final String name)
    {
        return databases.get(name);
    }

    /** @return the databases other than the default one, by name. */
    public Collection<DatabaseDef> databases()
    {
        return databases.values();
    }

    /**
     * @param database a database.
     * @param name     a table's or index's name in it.
     * @return the relation's name: unqualified in the default database, {@code database/name} in any other; a name
     * that names its database already is left as it is (the cluster decides whether the session may use it).
     */
    public static String qualify(final String database, final String name)
    {
        return database == null || DEFAULT_DATABASE.equals(database) || name.indexOf(QUALIFIER) >= 0 ? name :
            database + QUALIFIER + name;
    }

    /**
     * @param relationName a relation's name.
     * @return the database it belongs to.
     */
    public static String databaseOf(final String relationName)
    {
        final int q = relationName.indexOf(QUALIFIER);
        return q < 0 ? DEFAULT_DATABASE : relationName.substring(0, q);
    }

    /**
     * @param relationName a relation's name.
     * @return its name within its database.
     */
    public static String localName(final String relationName)
    {
        final int q = relationName.indexOf(QUALIFIER);
        return q < 0 ? relationName : relationName.substring(q + 1);
    }

    /**
     * The catalog as a session bound to one database sees it: that database's tables and indexes under their own
     * names, with their relation ids. The default database's view leaves out every other database's relations.
     *
     * @param database a database.
     * @return the view (the same version).
     */
    public Catalog viewOf(final String database)
    {
        final String db = database == null ? DEFAULT_DATABASE : database;
        final List<Relation> visible = new ArrayList<>(relations.size());
        for (final Relation r : relations)
        {
            visible.add(r == null || !databaseOf(r.name()).equals(db) ? null :
                new Relation(r.id(), localName(r.name()), localName(r.table()), r.index(), r.createdAtVersion()));
        }
        final Map<String, TableDef> viewTables = new TreeMap<>();
        for (final TableDef t : tables.values())
        {
            if (databaseOf(t.name()).equals(db))
            {
                final TableDef local = t.renamed(localName(t.name()));
                viewTables.put(local.name(), local);
            }
        }
        final Map<String, Long> viewDropped = new TreeMap<>();
        for (final Map.Entry<String, Long> e : dropped.entrySet())
        {
            if (databaseOf(e.getKey()).equals(db))
            {
                viewDropped.put(localName(e.getKey()), e.getValue());
            }
        }
        final DatabaseDef self = databases.get(db);
        return new Catalog(version, visible, viewTables, viewDropped, self == null ? Map.of() : Map.of(db, self),
            procedures, db);
    }

    /** @return the database this catalog is a view of, or null for the whole catalog. */
    public String viewDatabase()
    {
        return view;
    }

    Map<String, DatabaseDef> databaseMap()
    {
        return databases;
    }

    /**
     * @param version catalog version of the next catalog.
     * @return a catalog with these parts and this one's procedures.
     */
    Catalog next(final long version, final List<Relation> relations, final Map<String, TableDef> tables,
        final Map<String, Long> dropped, final Map<String, DatabaseDef> databases)
    {
        return new Catalog(version, relations, tables, dropped, databases, procedures, null);
    }

    /** @return registered procedure versions by {@code name@version}. */
    public Map<String, ProcedureDef> procedureMap()
    {
        return procedures;
    }

    /**
     * @param name    a procedure's name.
     * @param version a version.
     * @return its registration, or null.
     */
    public ProcedureDef procedure(final String name, final int version)
    {
        return procedures.get(ProcedureDef.id(name, version));
    }

    Map<String, TableDef> tableMap()
    {
        return tables;
    }

    List<Relation> relationList()
    {
        return relations;
    }

    Map<String, Long> droppedMap()
    {
        return dropped;
    }

    /**
     * @param name a proposed name.
     * @return null when it is well formed, else why not.
     */
    public static String nameProblem(final String name)
    {
        if (name == null || !NAME.matcher(name).matches())
        {
            return "invalid name '" + name + "': use 1-64 characters of [A-Za-z0-9_], not starting with a digit";
        }
        return null;
    }

    /**
     * @param change a schema change.
     * @return null when {@link #apply} would accept it, else why not.
     */
    public SchemaProblem check(final SchemaChange change)
    {
        return new CatalogChanges(this).check(change);
    }

    /**
     * @param change a schema change that {@link #check} accepts.
     * @return the catalog after it, with what it did to storage relations.
     * @throws SchemaException when it is refused.
     */
    public CatalogChanges.Applied apply(final SchemaChange change)
    {
        return new CatalogChanges(this).apply(change);
    }

    /**
     * @param name a key-value table's name.
     * @return the catalog with it added.
     * @throws SchemaException when refused.
     */
    public Catalog withKeyValueTable(final String name)
    {
        return apply(SchemaChange.CreateTable.keyValue(name)).catalog();
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof Catalog c && c.version == version && c.relations.equals(relations) &&
            c.tables.equals(tables) && c.dropped.equals(dropped) && c.databases.equals(databases) &&
            c.procedures.equals(procedures) &&
            java.util.Objects.equals(c.view, view);
    }

    @Override
    public int hashCode()
    {
        return Long.hashCode(version) * 31 + tables.hashCode();
    }
}
