package io.stardust.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Binary forms of schema changes (carried in the log) and of whole catalogs (in snapshots and catalog replies).
 * Decoding checks every count and length against the catalog's own limits and fails with a message on anything
 * malformed, so a record from a client can be checked whole before it joins the log's effects.
 */
public final class CatalogCodec
{
    /** Schema changes, and catalogs without databases (read, never written). */
    private static final int FORMAT = 1;
    /** Catalogs with databases (read, never written). */
    private static final int CATALOG_FORMAT_2 = 2;
    /** Catalogs with databases and procedures. */
    private static final int CATALOG_FORMAT = 3;
    private static final int VERIFIER_CHARS = 1024;
    private static final int NAME_BYTES = 256;
    private static final int CREATE_TABLE = 1;
    private static final int DROP_TABLE = 2;
    private static final int CREATE_INDEX = 3;
    private static final int DROP_INDEX = 4;
    private static final int ADD_COLUMN = 5;
    private static final int DROP_COLUMN = 6;
    private static final int CREATE_DATABASE = 7;
    private static final int DROP_DATABASE = 8;
    private static final int MOVE_DATABASE = 9;
    private static final int REGISTER_PROCEDURE = 10;
    private static final int CLASS_NAME_BYTES = 4096;

    private CatalogCodec()
    {
    }

    /**
     * @param change a schema change.
     * @return its bytes.
     */
    public static byte[] encode(final SchemaChange change)
    {
        final Wire.Out out = new Wire.Out().u8(FORMAT);
        if (change instanceof SchemaChange.CreateTable c)
        {
            out.u8(CREATE_TABLE).string(c.name()).bool(c.ifNotExists()).varint(c.columns().size());
            for (final SchemaChange.ColumnSpec spec : c.columns())
            {
                spec(out, spec);
            }
            names(out, c.primaryKey());
        }
        else if (change instanceof SchemaChange.DropTable d)
        {
            out.u8(DROP_TABLE).string(d.name()).bool(d.ifExists());
        }
        else if (change instanceof SchemaChange.CreateIndex c)
        {
            out.u8(CREATE_INDEX).string(c.name()).string(c.table()).bool(c.unique()).bool(c.ifNotExists());
            names(out, c.columns());
        }
        else if (change instanceof SchemaChange.DropIndex d)
        {
            out.u8(DROP_INDEX).string(d.name()).bool(d.ifExists());
        }
        else if (change instanceof SchemaChange.AddColumn a)
        {
            out.u8(ADD_COLUMN).string(a.table());
            spec(out, a.column());
        }
        else if (change instanceof SchemaChange.DropColumn d)
        {
            out.u8(DROP_COLUMN).string(d.table()).string(d.column());
        }
        else if (change instanceof SchemaChange.CreateDatabase c)
        {
            out.u8(CREATE_DATABASE).string(c.name()).string(c.owner()).string(c.verifier()).string(c.home());
        }
        else if (change instanceof SchemaChange.DropDatabase d)
        {
            out.u8(DROP_DATABASE).string(d.name()).bool(d.ifExists());
        }
        else if (change instanceof SchemaChange.RegisterProcedure r)
        {
            out.u8(REGISTER_PROCEDURE).string(r.name()).varint(r.version()).string(r.className()).string(r.sha256())
                .varint(r.stepBudget());
        }
        else
        {
            final SchemaChange.MoveDatabase m = (SchemaChange.MoveDatabase)change;
            out.u8(MOVE_DATABASE).string(m.name()).string(m.home());
        }
        return out.toArray();
    }

    /**
     * @param bytes  holds the change.
     * @param offset where it starts.
     * @param length its length: all of it must be the change.
     * @return the change (names are not checked against the catalog here).
     * @throws IllegalArgumentException naming what is malformed.
     */
    public static SchemaChange decodeChange(final byte[] bytes, final int offset, final int length)
    {
        final Wire.In in = new Wire.In(bytes, offset, length);
        format(in);
        final int kind = in.u8();
        final SchemaChange change;
        switch (kind)
        {
            case CREATE_TABLE:
            {
                final String name = in.string(NAME_BYTES);
                final boolean ifNotExists = in.bool();
                final int n = in.count("column count", Catalog.MAX_COLUMNS);
                final List<SchemaChange.ColumnSpec> columns = new ArrayList<>(n);
                for (int i = 0; i < n; i++)
                {
                    columns.add(spec(in));
                }
                change = new SchemaChange.CreateTable(name, columns, names(in), ifNotExists);
                break;
            }
            case DROP_TABLE:
                change = new SchemaChange.DropTable(in.string(NAME_BYTES), in.bool());
                break;
            case CREATE_INDEX:
            {
                final String name = in.string(NAME_BYTES);
                final String table = in.string(NAME_BYTES);
                final boolean unique = in.bool();
                final boolean ifNotExists = in.bool();
                change = new SchemaChange.CreateIndex(name, table, unique, names(in), ifNotExists);
                break;
            }
            case DROP_INDEX:
                change = new SchemaChange.DropIndex(in.string(NAME_BYTES), in.bool());
                break;
            case ADD_COLUMN:
                change = new SchemaChange.AddColumn(in.string(NAME_BYTES), spec(in));
                break;
            case DROP_COLUMN:
                change = new SchemaChange.DropColumn(in.string(NAME_BYTES), in.string(NAME_BYTES));
                break;
            case CREATE_DATABASE:
                change = new SchemaChange.CreateDatabase(in.string(NAME_BYTES), in.string(NAME_BYTES),
                    in.string(VERIFIER_CHARS * 4), in.string(NAME_BYTES));
                break;
            case DROP_DATABASE:
                change = new SchemaChange.DropDatabase(in.string(NAME_BYTES), in.bool());
                break;
            case MOVE_DATABASE:
                change = new SchemaChange.MoveDatabase(in.string(NAME_BYTES), in.string(NAME_BYTES));
                break;
            case REGISTER_PROCEDURE:
            {
                final String name = in.string(NAME_BYTES);
                final long version = in.varint();
                if (version > Integer.MAX_VALUE)
                {
                    throw new IllegalArgumentException("procedure version " + version + " is past " +
                        Integer.MAX_VALUE);
                }
                change = new SchemaChange.RegisterProcedure(name, (int)version, in.string(CLASS_NAME_BYTES),
                    in.string(NAME_BYTES), in.varint());
                break;
            }
            default:
                throw new IllegalArgumentException("unknown schema change kind " + kind);
        }
        in.expectEnd();
        return change;
    }

    /**
     * @param catalog a catalog.
     * @return its bytes.
     */
    public static byte[] encode(final Catalog catalog)
    {
        final Wire.Out out = new Wire.Out().u8(CATALOG_FORMAT).varint(catalog.version())
            .varint(catalog.relationCount());
        for (final Catalog.Relation r : catalog.relationList())
        {
            out.bool(r != null);
            if (r != null)
            {
                out.string(r.name()).string(r.table()).bool(r.index()).varint(r.createdAtVersion());
            }
        }
        out.varint(catalog.tableMap().size());
        for (final TableDef t : catalog.tableMap().values())
        {
            out.varint(t.relationId()).varint(t.schemaVersion()).varint(t.nextColumnId())
                .varint(t.createdAtVersion()).varint(t.changedAtVersion()).varint(t.columns().size());
            for (final Column c : t.columns())
            {
                out.varint(c.id()).string(c.name()).bool(c.nullable()).bool(c.hidden());
                type(out, c.type());
            }
            ids(out, t.primaryKey());
            out.varint(t.indexes().size());
            for (final IndexDef i : t.indexes())
            {
                out.varint(i.relationId()).bool(i.unique()).varint(i.createdAtVersion());
                ids(out, i.columnIds());
            }
        }
        out.varint(catalog.droppedMap().size());
        for (final Map.Entry<String, Long> e : catalog.droppedMap().entrySet())
        {
            out.string(e.getKey()).varint(e.getValue());
        }
        out.varint(catalog.databaseMap().size());
        for (final DatabaseDef d : catalog.databaseMap().values())
        {
            out.string(d.name()).string(d.owner()).string(d.verifier()).string(d.home()).varint(d.createdAtVersion())
                .varint(d.movedAtVersion());
        }
        out.varint(catalog.procedureMap().size());
        for (final ProcedureDef p : catalog.procedureMap().values())
        {
            out.string(p.name()).varint(p.version()).string(p.className()).string(p.sha256()).varint(p.stepBudget())
                .varint(p.registeredAtVersion());
        }
        return out.toArray();
    }

    /**
     * @param bytes  holds a catalog from {@link #encode(Catalog)}.
     * @param offset where it starts.
     * @param length its length.
     * @return the catalog.
     * @throws IllegalArgumentException when malformed.
     */
    public static Catalog decodeCatalog(final byte[] bytes, final int offset, final int length)
    {
        final Wire.In in = new Wire.In(bytes, offset, length);
        final int format = in.u8();
        if (format != FORMAT && format != CATALOG_FORMAT_2 && format != CATALOG_FORMAT)
        {
            throw new IllegalArgumentException("unknown catalog format " + format + " (this build reads " + FORMAT +
                " to " + CATALOG_FORMAT + ")");
        }
        final long version = in.varint();
        final int relationCount = in.count("relation count", Catalog.MAX_RELATIONS);
        final List<Catalog.Relation> relations = new ArrayList<>(relationCount);
        for (int id = 0; id < relationCount; id++)
        {
            relations.add(in.bool() ?
                new Catalog.Relation(id, in.string(NAME_BYTES), in.string(NAME_BYTES), in.bool(), in.varint()) : null);
        }
        final int tableCount = in.count("table count", Catalog.MAX_RELATIONS);
        final Map<String, TableDef> tables = new TreeMap<>();
        for (int t = 0; t < tableCount; t++)
        {
            final int relationId = in.count("relation id", relationCount - 1);
            final Catalog.Relation relation = relations.get(relationId);
            if (relation == null || relation.index())
            {
                throw new IllegalArgumentException("table at relation " + relationId + " is not a live table");
            }
            final int schemaVersion = (int)in.varint();
            final int nextColumnId = in.count("next column id", Catalog.MAX_COLUMNS);
            final long created = in.varint();
            final long changed = in.varint();
            final int columnCount = in.count("column count", Catalog.MAX_COLUMNS);
            final List<Column> columns = new ArrayList<>(columnCount);
            for (int c = 0; c < columnCount; c++)
            {
                final int id = in.count("column id", Catalog.MAX_COLUMNS);
                final String name = in.string(NAME_BYTES);
                final boolean nullable = in.bool();
                final boolean hidden = in.bool();
                columns.add(new Column(id, name, type(in), nullable, hidden));
            }
            final List<Integer> key = ids(in);
            final int indexCount = in.count("index count", Catalog.MAX_RELATIONS);
            final List<IndexDef> indexes = new ArrayList<>(indexCount);
            for (int i = 0; i < indexCount; i++)
            {
                final int indexRelation = in.count("relation id", relationCount - 1);
                final Catalog.Relation ir = relations.get(indexRelation);
                if (ir == null || !ir.index())
                {
                    throw new IllegalArgumentException("index at relation " + indexRelation + " is not a live index");
                }
                final boolean unique = in.bool();
                final long indexCreated = in.varint();
                indexes.add(new IndexDef(indexRelation, ir.name(), unique, ids(in), indexCreated));
            }
            tables.put(relation.name(), new TableDef(relationId, relation.name(), columns, key, indexes,
                schemaVersion, nextColumnId, created, changed));
        }
        final int droppedCount = in.count("dropped count", Catalog.MAX_RELATIONS);
        final Map<String, Long> dropped = new TreeMap<>();
        for (int d = 0; d < droppedCount; d++)
        {
            dropped.put(in.string(NAME_BYTES), in.varint());
        }
        final Map<String, DatabaseDef> databases = new TreeMap<>();
        if (format != FORMAT)
        {
            final int databaseCount = in.count("database count", Catalog.MAX_DATABASES);
            for (int d = 0; d < databaseCount; d++)
            {
                final DatabaseDef db = new DatabaseDef(in.string(NAME_BYTES), in.string(NAME_BYTES),
                    in.string(VERIFIER_CHARS * 4), in.string(NAME_BYTES), in.varint(), in.varint());
                databases.put(db.name(), db);
            }
        }
        final Map<String, ProcedureDef> procedures = new TreeMap<>();
        if (format == CATALOG_FORMAT)
        {
            final int procedureCount = in.count("procedure count", CatalogChanges.MAX_PROCEDURES);
            for (int p = 0; p < procedureCount; p++)
            {
                final String name = in.string(NAME_BYTES);
                final int procVersion = in.count("procedure version", Integer.MAX_VALUE);
                final ProcedureDef def = new ProcedureDef(name, procVersion, in.string(CLASS_NAME_BYTES),
                    in.string(NAME_BYTES), in.varint(), in.varint());
                procedures.put(def.id(), def);
            }
        }
        in.expectEnd();
        return new Catalog(version, relations, tables, dropped, databases, procedures, null);
    }

    private static void format(final Wire.In in)
    {
        final int format = in.u8();
        if (format != FORMAT)
        {
            throw new IllegalArgumentException("unknown catalog format " + format + " (this build reads " + FORMAT +
                ")");
        }
    }

    private static void spec(final Wire.Out out, final SchemaChange.ColumnSpec spec)
    {
        out.string(spec.name()).bool(spec.nullable());
        type(out, spec.type());
    }

    private static SchemaChange.ColumnSpec spec(final Wire.In in)
    {
        final String name = in.string(NAME_BYTES);
        final boolean nullable = in.bool();
        return new SchemaChange.ColumnSpec(name, type(in), nullable);
    }

    private static void type(final Wire.Out out, final ColumnType type)
    {
        out.u8(type.type().ordinal()).varint(type.precision()).varint(type.scale());
    }

    private static ColumnType type(final Wire.In in)
    {
        final SqlType type = SqlType.ofCode(in.u8());
        return new ColumnType(type, in.count("type precision", ColumnType.MAX_VARCHAR_LENGTH),
            in.count("type scale", ColumnType.MAX_DECIMAL_PRECISION));
    }

    private static void names(final Wire.Out out, final List<String> names)
    {
        out.varint(names.size());
        for (final String n : names)
        {
            out.string(n);
        }
    }

    private static List<String> names(final Wire.In in)
    {
        final int n = in.count("name count", Catalog.MAX_COLUMNS);
        final List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++)
        {
            names.add(in.string(NAME_BYTES));
        }
        return names;
    }

    private static void ids(final Wire.Out out, final List<Integer> ids)
    {
        out.varint(ids.size());
        for (final int id : ids)
        {
            out.varint(id);
        }
    }

    private static List<Integer> ids(final Wire.In in)
    {
        final int n = in.count("key column count", Catalog.MAX_KEY_COLUMNS);
        final List<Integer> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++)
        {
            ids.add(in.count("column id", Catalog.MAX_COLUMNS));
        }
        return ids;
    }
}
