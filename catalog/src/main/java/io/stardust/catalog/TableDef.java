package io.stardust.catalog;

import java.util.ArrayList;
import java.util.List;

/**
 * A table at one catalog version. A table created without columns is a key-value table: its keys and values are the
 * client's own bytes, as before SQL. A SQL table's rows are keyed by its primary key (or a hidden row id) in the
 * order-preserving {@link KeyCodec} form, and their values are {@link RowCodec} rows.
 *
 * @param relationId       the storage relation holding its rows.
 * @param name             the table's name.
 * @param columns          live columns in declared order (a hidden row id, when there is one, comes first).
 * @param primaryKey       ids of the primary key's columns, in key order; empty for a key-value table.
 * @param indexes          secondary indexes, in creation order.
 * @param schemaVersion    starts at 1 and grows with each ADD or DROP COLUMN; rows carry the one they were written
 *                         under.
 * @param nextColumnId     the id the next added column gets.
 * @param createdAtVersion the catalog version that created the table.
 * @param changedAtVersion the catalog version of its last change (columns, indexes): a transaction planned before it
 *                         is refused with "schema changed, retry".
 */
public record TableDef(
    int relationId,
    String name,
    List<Column> columns,
    List<Integer> primaryKey,
    List<IndexDef> indexes,
    int schemaVersion,
    int nextColumnId,
    long createdAtVersion,
    long changedAtVersion)
{
    public TableDef
    {
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
        indexes = List.copyOf(indexes);
    }

    /**
     * @param localName the table's name within its database.
     * @return this table, and its indexes, under their names within their database.
     */
    TableDef renamed(final String localName)
    {
        final java.util.List<IndexDef> local = new java.util.ArrayList<>(indexes.size());
        for (final IndexDef i : indexes)
        {
            local.add(new IndexDef(i.relationId(), Catalog.localName(i.name()), i.unique(), i.columnIds(),
                i.createdAtVersion()));
        }
        return new TableDef(relationId, localName, columns, primaryKey, local, schemaVersion, nextColumnId,
            createdAtVersion, changedAtVersion);
    }

    /** @return true for a table of raw keys and values, without columns. */
    public boolean keyValue()
    {
        return columns.isEmpty();
    }

    /**
     * @param columnName a name.
     * @return the live column with that name, or null.
     */
    public Column column(final String columnName)
    {
        for (final Column c : columns)
        {
            if (c.name().equals(columnName))
            {
                return c;
            }
        }
        return null;
    }

    /**
     * @param id a column id.
     * @return the live column with that id, or null (dropped, or never used).
     */
    public Column columnById(final int id)
    {
        for (final Column c : columns)
        {
            if (c.id() == id)
            {
                return c;
            }
        }
        return null;
    }

    /** @return the primary key's columns, in key order. */
    public List<Column> primaryKeyColumns()
    {
        return columns(primaryKey);
    }

    /**
     * @param ids column ids.
     * @return their columns, in the same order.
     */
    public List<Column> columns(final List<Integer> ids)
    {
        final List<Column> out = new ArrayList<>(ids.size());
        for (final int id : ids)
        {
            out.add(columnById(id));
        }
        return out;
    }

    /** @return the columns SQL shows: all but a hidden row id. */
    public List<Column> visibleColumns()
    {
        final List<Column> out = new ArrayList<>(columns.size());
        for (final Column c : columns)
        {
            if (!c.hidden())
            {
                out.add(c);
            }
        }
        return out;
    }

    /** @return true when the key is a hidden row id, not a declared primary key. */
    public boolean hasRowId()
    {
        return !keyValue() && columnById(primaryKey.get(0)).hidden();
    }

    /**
     * @param indexName a name.
     * @return the index with that name, or null.
     */
    public IndexDef index(final String indexName)
    {
        for (final IndexDef i : indexes)
        {
            if (i.name().equals(indexName))
            {
                return i;
            }
        }
        return null;
    }

    /** @return the SQL that would create this table (without its indexes). */
    public String describe()
    {
        if (keyValue())
        {
            return "key-value table " + name;
        }
        final StringBuilder sb = new StringBuilder("CREATE TABLE ").append(name).append(" (");
        String sep = "";
        for (final Column c : visibleColumns())
        {
            sb.append(sep).append(c);
            sep = ", ";
        }
        if (!hasRowId())
        {
            sb.append(sep).append("PRIMARY KEY (");
            String keySep = "";
            for (final Column c : primaryKeyColumns())
            {
                sb.append(keySep).append(c.name());
                keySep = ", ";
            }
            sb.append(')');
        }
        return sb.append(')').toString();
    }
}
