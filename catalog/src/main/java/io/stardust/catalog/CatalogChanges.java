package io.stardust.catalog;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks and applies schema changes to a catalog. Pure: the same catalog and change give the same result on every
 * replica. A change that names something already in the state it asks for, with IF [NOT] EXISTS, changes nothing and
 * keeps the version.
 */
public final class CatalogChanges
{
    /**
     * The result of a change.
     *
     * @param catalog the catalog after it (the same one when nothing changed).
     * @param created relations to create in storage (an index's must be filled from its table's rows).
     * @param dropped relations whose storage goes.
     * @param detail  what happened, for the ack.
     */
    public record Applied(Catalog catalog, List<Catalog.Relation> created, List<Catalog.Relation> dropped,
        String detail)
    {
    }

    /** Most procedure versions a catalog holds. */
    static final int MAX_PROCEDURES = 4_096;
    private static final java.util.regex.Pattern JAVA_CLASS =
        java.util.regex.Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*){0,63}");
    private static final java.util.regex.Pattern SHA256 = java.util.regex.Pattern.compile("[0-9a-f]{64}");

    private final Catalog catalog;

    CatalogChanges(final Catalog catalog)
    {
        this.catalog = catalog;
    }

    SchemaProblem check(final SchemaChange change)
    {
        try
        {
            apply(change);
            return null;
        }
        catch (final SchemaException ex)
        {
            return ex.problem();
        }
    }

    Applied apply(final SchemaChange change)
    {
        if (change instanceof SchemaChange.CreateTable c)
        {
            return createTable(c);
        }
        if (change instanceof SchemaChange.DropTable d)
        {
            return dropTable(d);
        }
        if (change instanceof SchemaChange.CreateIndex c)
        {
            return createIndex(c);
        }
        if (change instanceof SchemaChange.DropIndex d)
        {
            return dropIndex(d);
        }
        if (change instanceof SchemaChange.AddColumn a)
        {
            return addColumn(a);
        }
        if (change instanceof SchemaChange.CreateDatabase c)
        {
            return createDatabase(c);
        }
        if (change instanceof SchemaChange.DropDatabase d)
        {
            return dropDatabase(d);
        }
        if (change instanceof SchemaChange.RegisterProcedure r)
        {
            return registerProcedure(r);
        }
        if (change instanceof SchemaChange.MoveDatabase m)
        {
            return moveDatabase(m);
        }
        return dropColumn((SchemaChange.DropColumn)change);
    }

    private Applied createTable(final SchemaChange.CreateTable c)
    {
        checkRelationName("table", c.name());
        if (catalog.relation(c.name()) != null)
        {
            if (c.ifNotExists() && catalog.table(c.name()) != null)
            {
                return unchanged("table " + c.name() + " exists; nothing done");
            }
            throw new SchemaException(SchemaProblem.exists(existsMessage(c.name())));
        }
        checkRoom(1);
        if (c.columns().isEmpty() && !c.primaryKey().isEmpty())
        {
            throw invalid("table " + c.name() + " has a primary key but no columns");
        }
        if (c.columns().size() > Catalog.MAX_COLUMNS)
        {
            throw invalid("table " + c.name() + " has " + c.columns().size() + " columns; at most " +
                Catalog.MAX_COLUMNS + " are allowed");
        }
        final Set<String> keyNames = new HashSet<>();
        for (final String k : c.primaryKey())
        {
            if (!keyNames.add(k))
            {
                throw invalid("column " + k + " is named twice in the primary key of " + c.name());
            }
        }
        checkKeySize("the primary key of " + c.name(), c.primaryKey().size());
        final long version = catalog.version() + 1;
        final List<Column> columns = new ArrayList<>();
        final boolean rowId = !c.columns().isEmpty() && c.primaryKey().isEmpty();
        if (rowId)
        {
            columns.add(new Column(0, Column.ROW_ID, ColumnType.BIGINT, false, true));
        }
        final Set<String> names = new HashSet<>();
        for (final SchemaChange.ColumnSpec spec : c.columns())
        {
            checkColumn(c.name(), spec);
            if (!names.add(spec.name()))
            {
                throw new SchemaException(SchemaProblem.exists("column " + spec.name() + " is declared twice in " +
                    c.name()));
            }
            columns.add(new Column(columns.size(), spec.name(), spec.type(),
                spec.nullable() && !keyNames.contains(spec.name()), false));
        }
        final List<Integer> key = new ArrayList<>();
        if (rowId)
        {
            key.add(0);
        }
        for (final String k : c.primaryKey())
        {
            final Column column = find(columns, k);
            if (column == null)
            {
                throw unknownColumn(c.name(), k);
            }
            key.add(column.id());
        }
        final Catalog.Relation relation =
            new Catalog.Relation(catalog.relationCount(), c.name(), c.name(), false, version);
        final TableDef table = new TableDef(relation.id(), c.name(), columns, key, List.of(), 1, columns.size(),
            version, version);
        final List<Catalog.Relation> relations = new ArrayList<>(catalog.relationList());
        relations.add(relation);
        final Map<String, TableDef> tables = new TreeMap<>(catalog.tableMap());
        tables.put(c.name(), table);
        final Catalog next = catalog.next(version, relations, tables, catalog.droppedMap(), catalog.databaseMap());
        return new Applied(next, List.of(relation), List.of(), "created " +
            (table.keyValue() ? "key-value table " : "table ") + c.name() + " at catalog version " + version);
    }

    private Applied dropTable(final SchemaChange.DropTable d)
    {
        final TableDef table = catalog.table(d.name());
        if (table == null)
        {
            if (d.ifExists() && catalog.relation(d.name()) == null)
            {
                return unchanged("no table " + d.name() + "; nothing done");
            }
            throw new SchemaException(SchemaProblem.unknown(catalog.relation(d.name()) != null ?
                d.name() + " is an index, not a table: use DROP INDEX" : "table " + d.name() + " does not exist"));
        }
        final long version = catalog.version() + 1;
        final List<Catalog.Relation> relations = new ArrayList<>(catalog.relationList());
        final Map<String, Long> dropped = new TreeMap<>(catalog.droppedMap());
        final List<Catalog.Relation> gone = new ArrayList<>();
        gone.add(relations.get(table.relationId()));
        for (final IndexDef index : table.indexes())
        {
            gone.add(relations.get(index.relationId()));
        }
        for (final Catalog.Relation r : gone)
        {
            relations.set(r.id(), null);
            dropped.put(r.name(), version);
        }
        final Map<String, TableDef> tables = new TreeMap<>(catalog.tableMap());
        tables.remove(d.name());
        return new Applied(catalog.next(version, relations, tables, dropped, catalog.databaseMap()), List.of(), gone,
            "dropped table " + d.name() + (table.indexes().isEmpty() ? "" : " and its " + table.indexes().size() +
            " index(es)") + " at catalog version " + version);
    }

    private Applied createIndex(final SchemaChange.CreateIndex c)
    {
        checkRelationName("index", c.name());
        if (!Catalog.databaseOf(c.name()).equals(Catalog.databaseOf(c.table())))
        {
            throw invalid("index " + c.name() + " and table " + c.table() + " are in different databases");
        }
        if (catalog.relation(c.name()) != null)
        {
            final Catalog.Relation existing = catalog.relation(c.name());
            if (c.ifNotExists() && existing.index())
            {
                return unchanged("index " + c.name() + " exists; nothing done");
            }
            throw new SchemaException(SchemaProblem.exists(existsMessage(c.name())));
        }
        final TableDef table = sqlTable(c.table());
        checkRoom(1);
        if (c.columns().isEmpty())
        {
            throw invalid("index " + c.name() + " names no columns");
        }
        checkKeySize("index " + c.name(), c.columns().size());
        final List<Integer> ids = new ArrayList<>();
        for (final String name : c.columns())
        {
            final Column column = table.column(name);
            if (column == null || column.hidden())
            {
                throw unknownColumn(table.name(), name);
            }
            if (ids.contains(column.id()))
            {
                throw invalid("column " + name + " is named twice in index " + c.name());
            }
            ids.add(column.id());
        }
        final long version = catalog.version() + 1;
        final Catalog.Relation relation =
            new Catalog.Relation(catalog.relationCount(), c.name(), table.name(), true, version);
        final List<IndexDef> indexes = new ArrayList<>(table.indexes());
        indexes.add(new IndexDef(relation.id(), c.name(), c.unique(), ids, version));
        final TableDef changed = new TableDef(table.relationId(), table.name(), table.columns(), table.primaryKey(),
            indexes, table.schemaVersion(), table.nextColumnId(), table.createdAtVersion(), version);
        final List<Catalog.Relation> relations = new ArrayList<>(catalog.relationList());
        relations.add(relation);
        return new Applied(next(version, relations, changed, catalog.droppedMap()), List.of(relation), List.of(),
            "created " + (c.unique() ? "unique " : "") + "index " + c.name() + " on " + table.name() +
            " at catalog version " + version);
    }

    private Applied dropIndex(final SchemaChange.DropIndex d)
    {
        final Catalog.Relation relation = catalog.relation(d.name());
        if (relation == null || !relation.index())
        {
            if (d.ifExists() && relation == null)
            {
                return unchanged("no index " + d.name() + "; nothing done");
            }
            throw new SchemaException(SchemaProblem.unknown(relation != null ?
                d.name() + " is a table, not an index: use DROP TABLE" : "index " + d.name() + " does not exist"));
        }
        final TableDef table = catalog.table(relation.table());
        final long version = catalog.version() + 1;
        final List<IndexDef> indexes = new ArrayList<>(table.indexes());
        indexes.removeIf(i -> i.name().equals(d.name()));
        final TableDef changed = new TableDef(table.relationId(), table.name(), table.columns(), table.primaryKey(),
            indexes, table.schemaVersion(), table.nextColumnId(), table.createdAtVersion(), version);
        final List<Catalog.Relation> relations = new ArrayList<>(catalog.relationList());
        relations.set(relation.id(), null);
        final Map<String, Long> dropped = new TreeMap<>(catalog.droppedMap());
        dropped.put(d.name(), version);
        return new Applied(next(version, relations, changed, dropped), List.of(), List.of(relation),
            "dropped index " + d.name() + " at catalog version " + version);
    }

    private Applied addColumn(final SchemaChange.AddColumn a)
    {
        final TableDef table = sqlTable(a.table());
        checkColumn(table.name(), a.column());
        if (table.column(a.column().name()) != null)
        {
            throw new SchemaException(SchemaProblem.exists("column " + a.column().name() + " already exists in " +
                table.name()));
        }
        if (!a.column().nullable())
        {
            throw invalid("column " + a.column().name() + " cannot be NOT NULL: the rows " + table.name() +
                " already has would have no value for it");
        }
        if (table.nextColumnId() >= Catalog.MAX_COLUMNS)
        {
            throw invalid("table " + table.name() + " has used all " + Catalog.MAX_COLUMNS + " column ids");
        }
        final long version = catalog.version() + 1;
        final List<Column> columns = new ArrayList<>(table.columns());
        columns.add(new Column(table.nextColumnId(), a.column().name(), a.column().type(), true, false));
        final TableDef changed = new TableDef(table.relationId(), table.name(), columns, table.primaryKey(),
            table.indexes(), table.schemaVersion() + 1, table.nextColumnId() + 1, table.createdAtVersion(), version);
        return new Applied(next(version, catalog.relationList(), changed, catalog.droppedMap()), List.of(), List.of(),
            "added column " + a.column().name() + " to " + table.name() + " at catalog version " + version);
    }

    private Applied dropColumn(final SchemaChange.DropColumn d)
    {
        final TableDef table = sqlTable(d.table());
        final Column column = table.column(d.column());
        if (column == null || column.hidden())
        {
            throw unknownColumn(table.name(), d.column());
        }
        if (table.primaryKey().contains(column.id()))
        {
            throw invalid("column " + d.column() + " is part of the primary key of " + table.name());
        }
        for (final IndexDef index : table.indexes())
        {
            if (index.columnIds().contains(column.id()))
            {
                throw invalid("column " + d.column() + " is in index " + index.name() + ": drop the index first");
            }
        }
        if (table.visibleColumns().size() == 1)
        {
            throw invalid("column " + d.column() + " is the last column of " + table.name() + ": drop the table");
        }
        final long version = catalog.version() + 1;
        final List<Column> columns = new ArrayList<>(table.columns());
        columns.remove(column);
        final TableDef changed = new TableDef(table.relationId(), table.name(), columns, table.primaryKey(),
            table.indexes(), table.schemaVersion() + 1, table.nextColumnId(), table.createdAtVersion(), version);
        return new Applied(next(version, catalog.relationList(), changed, catalog.droppedMap()), List.of(), List.of(),
            "dropped column " + d.column() + " from " + table.name() + " at catalog version " + version);
    }

    private Catalog next(
        final long version,
        final List<Catalog.Relation> relations,
        final TableDef changed,
        final Map<String, Long> dropped)
    {
        final Map<String, TableDef> tables = new TreeMap<>(catalog.tableMap());
        tables.put(changed.name(), changed);
        return catalog.next(version, relations, tables, dropped, catalog.databaseMap());
    }

    private Applied unchanged(final String detail)
    {
        return new Applied(catalog, List.of(), List.of(), detail);
    }

    private TableDef sqlTable(final String name)
    {
        final TableDef table = catalog.table(name);
        if (table == null)
        {
            throw new SchemaException(SchemaProblem.unknown("table " + name + " does not exist"));
        }
        if (table.keyValue())
        {
            throw invalid("table " + name + " is a key-value table, without columns");
        }
        return table;
    }

    private String existsMessage(final String name)
    {
        final Catalog.Relation r = catalog.relation(name);
        return (r.index() ? "index " : "table ") + name + " already exists";
    }

    private void checkRoom(final int relations)
    {
        if (catalog.relationCount() + relations > Catalog.MAX_RELATIONS)
        {
            throw invalid("the catalog is full (" + Catalog.MAX_RELATIONS + " tables and indexes)");
        }
    }

    /** A table's or index's name: a name, or {@code database/name} for a database that exists. */
    private void checkRelationName(final String what, final String name)
    {
        final String database = Catalog.databaseOf(name);
        if (!Catalog.DEFAULT_DATABASE.equals(database))
        {
            checkName("database", database);
            if (catalog.database(database) == null)
            {
                throw new SchemaException(SchemaProblem.unknown("database " + database + " does not exist"));
            }
        }
        checkName(what, Catalog.localName(name));
    }

    private Applied createDatabase(final SchemaChange.CreateDatabase c)
    {
        checkName("database", c.name());
        checkName("owner", c.owner());
        checkName("datacenter", c.home());
        if (Catalog.DEFAULT_DATABASE.equals(c.name()) || catalog.database(c.name()) != null)
        {
            throw new SchemaException(SchemaProblem.exists("database " + c.name() + " already exists"));
        }
        if (catalog.databaseMap().size() >= Catalog.MAX_DATABASES)
        {
            throw invalid("the catalog is full (" + Catalog.MAX_DATABASES + " databases)");
        }
        if (c.verifier().length() > 1024)
        {
            throw invalid("the credential verifier of database " + c.name() + " is " + c.verifier().length() +
                " characters; at most 1024");
        }
        final long version = catalog.version() + 1;
        final Map<String, DatabaseDef> databases = new TreeMap<>(catalog.databaseMap());
        databases.put(c.name(), new DatabaseDef(c.name(), c.owner(), c.verifier(), c.home(), version, version));
        return new Applied(catalog.next(version, catalog.relationList(), catalog.tableMap(), catalog.droppedMap(),
            databases), List.of(), List.of(), "created database " + c.name() + " (owner " + c.owner() + ", home " +
            c.home() + ") at catalog version " + version);
    }

    private Applied dropDatabase(final SchemaChange.DropDatabase d)
    {
        if (catalog.database(d.name()) == null)
        {
            if (d.ifExists() && !Catalog.DEFAULT_DATABASE.equals(d.name()))
            {
                return unchanged("no database " + d.name() + "; nothing done");
            }
            throw new SchemaException(Catalog.DEFAULT_DATABASE.equals(d.name()) ?
                SchemaProblem.invalid("the default database cannot be dropped") :
                SchemaProblem.unknown("database " + d.name() + " does not exist"));
        }
        final long version = catalog.version() + 1;
        final List<Catalog.Relation> relations = new ArrayList<>(catalog.relationList());
        final Map<String, Long> dropped = new TreeMap<>(catalog.droppedMap());
        final Map<String, TableDef> tables = new TreeMap<>(catalog.tableMap());
        final List<Catalog.Relation> gone = new ArrayList<>();
        for (final Catalog.Relation r : catalog.relationList())
        {
            if (r != null && Catalog.databaseOf(r.name()).equals(d.name()))
            {
                gone.add(r);
                relations.set(r.id(), null);
                dropped.put(r.name(), version);
                tables.remove(r.name());
            }
        }
        final Map<String, DatabaseDef> databases = new TreeMap<>(catalog.databaseMap());
        databases.remove(d.name());
        return new Applied(catalog.next(version, relations, tables, dropped, databases), List.of(), gone,
            "dropped database " + d.name() + " with its " + gone.size() + " table(s) and index(es) at catalog " +
            "version " + version);
    }

    private Applied moveDatabase(final SchemaChange.MoveDatabase m)
    {
        checkName("datacenter", m.home());
        final DatabaseDef db = catalog.database(m.name());
        if (db == null)
        {
            throw new SchemaException(SchemaProblem.unknown("database " + m.name() + " does not exist"));
        }
        if (db.home().equals(m.home()))
        {
            return unchanged("database " + m.name() + " is served from " + m.home() + "; nothing done");
        }
        final long version = catalog.version() + 1;
        final Map<String, DatabaseDef> databases = new TreeMap<>(catalog.databaseMap());
        databases.put(m.name(), db.movedTo(m.home(), version));
        return new Applied(catalog.next(version, catalog.relationList(), catalog.tableMap(), catalog.droppedMap(),
            databases), List.of(), List.of(), "database " + m.name() + " served from " + m.home() + " (was " +
            db.home() + ") from catalog version " + version);
    }

    private Applied registerProcedure(final SchemaChange.RegisterProcedure r)
    {
        checkName("procedure", r.name());
        if (r.version() < 1)
        {
            throw invalid("procedure " + r.name() + ": version " + r.version() + "; versions start at 1");
        }
        if (r.className() == null || !JAVA_CLASS.matcher(r.className()).matches())
        {
            throw invalid("procedure " + r.name() + ": '" + r.className() + "' is not a Java class name");
        }
        if (r.sha256() == null || !SHA256.matcher(r.sha256()).matches())
        {
            throw invalid("procedure " + r.name() + ": the class hash must be SHA-256 as 64 lowercase hex digits");
        }
        if (r.stepBudget() < 1 || r.stepBudget() > ProcedureDef.MAX_STEP_BUDGET)
        {
            throw invalid("procedure " + r.name() + ": step budget " + r.stepBudget() + "; it must be 1 to " +
                ProcedureDef.MAX_STEP_BUDGET);
        }
        final ProcedureDef now = catalog.procedure(r.name(), r.version());
        if (now != null)
        {
            if (now.className().equals(r.className()) && now.sha256().equals(r.sha256()) &&
                now.stepBudget() == r.stepBudget())
            {
                return unchanged("procedure " + r.name() + " version " + r.version() + " is registered as asked; " +
                    "nothing done");
            }
            throw new SchemaException(SchemaProblem.exists("procedure " + r.name() + " version " + r.version() +
                " is registered with class " + now.className() + " (sha256 " + now.sha256() + ", step budget " +
                now.stepBudget() + "); a registered version never changes: register version " +
                (highestVersion(r.name()) + 1)));
        }
        if (catalog.procedureMap().size() >= MAX_PROCEDURES)
        {
            throw invalid("the catalog is full (" + MAX_PROCEDURES + " procedure versions)");
        }
        final long version = catalog.version() + 1;
        final Map<String, ProcedureDef> procedures = new TreeMap<>(catalog.procedureMap());
        final ProcedureDef def = new ProcedureDef(r.name(), r.version(), r.className(), r.sha256(), r.stepBudget(),
            version);
        procedures.put(def.id(), def);
        return new Applied(new Catalog(version, catalog.relationList(), catalog.tableMap(), catalog.droppedMap(),
            catalog.databaseMap(), procedures, null), List.of(), List.of(), "registered procedure " + r.name() +
            " version " + r.version() + " (" + r.className() + ", step budget " + r.stepBudget() + ") at catalog " +
            "version " + version);
    }

    private int highestVersion(final String name)
    {
        int highest = 0;
        for (final ProcedureDef p : catalog.procedureMap().values())
        {
            if (p.name().equals(name))
            {
                highest = Math.max(highest, p.version());
            }
        }
        return highest;
    }

    private static void checkName(final String what, final String name)
    {
        final String problem = Catalog.nameProblem(name);
        if (problem != null)
        {
            throw invalid(what + " name: " + problem);
        }
    }

    private static void checkKeySize(final String what, final int columns)
    {
        if (columns > Catalog.MAX_KEY_COLUMNS)
        {
            throw invalid(what + " has " + columns + " columns; at most " + Catalog.MAX_KEY_COLUMNS + " are allowed");
        }
    }

    private static void checkColumn(final String table, final SchemaChange.ColumnSpec spec)
    {
        checkName("column", spec.name());
        if (spec.name().equals(Column.ROW_ID))
        {
            throw invalid("column name " + Column.ROW_ID + " is reserved for the hidden row id");
        }
        final String typeProblem = spec.type().problem();
        if (typeProblem != null)
        {
            throw invalid("column " + spec.name() + " of " + table + ": " + typeProblem);
        }
    }

    private static Column find(final List<Column> columns, final String name)
    {
        for (final Column c : columns)
        {
            if (c.name().equals(name) && !c.hidden())
            {
                return c;
            }
        }
        return null;
    }

    private static SchemaException unknownColumn(final String table, final String column)
    {
        return new SchemaException(SchemaProblem.unknown("column " + column + " does not exist in " + table));
    }

    private static SchemaException invalid(final String message)
    {
        return new SchemaException(SchemaProblem.invalid(message));
    }
}
