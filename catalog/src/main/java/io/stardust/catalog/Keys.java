package io.stardust.catalog;

import java.util.ArrayList;
import java.util.List;

/**
 * The storage keys of a SQL row: its primary key in the table's relation, and its entry in each index (the indexed
 * values followed by the primary key, so entries are unique and a scan of one indexed value is a prefix scan).
 */
public final class Keys
{
    private Keys()
    {
    }

    /**
     * @param table a SQL table.
     * @return the types of its primary key's columns.
     */
    public static List<ColumnType> primaryKeyTypes(final TableDef table)
    {
        return types(table, table.primaryKey());
    }

    /**
     * @param table the table.
     * @param index one of its indexes.
     * @return the types of an entry's key: the indexed columns, then the primary key's.
     */
    public static List<ColumnType> entryTypes(final TableDef table, final IndexDef index)
    {
        final List<ColumnType> types = types(table, index.columnIds());
        types.addAll(primaryKeyTypes(table));
        return types;
    }

    /**
     * @param table the table.
     * @param row   one value per column of {@link TableDef#columns()}.
     * @return the row's key.
     */
    public static byte[] primaryKey(final TableDef table, final Object[] row)
    {
        final KeyCodec.Writer out = new KeyCodec.Writer();
        append(out, table, table.primaryKey(), row);
        return out.toArray();
    }

    /**
     * @param table the table.
     * @param index one of its indexes.
     * @param row   one value per column of {@link TableDef#columns()}.
     * @return the row's entry key in the index.
     */
    public static byte[] entry(final TableDef table, final IndexDef index, final Object[] row)
    {
        final KeyCodec.Writer out = new KeyCodec.Writer();
        append(out, table, index.columnIds(), row);
        append(out, table, table.primaryKey(), row);
        return out.toArray();
    }

    /**
     * @param table the table.
     * @param index one of its indexes.
     * @param row   one value per column of {@link TableDef#columns()}.
     * @return the entry key's prefix of the indexed values alone: every entry with these values starts with it.
     */
    public static byte[] indexedPrefix(final TableDef table, final IndexDef index, final Object[] row)
    {
        final KeyCodec.Writer out = new KeyCodec.Writer();
        append(out, table, index.columnIds(), row);
        return out.toArray();
    }

    /**
     * @param table the table.
     * @param index one of its indexes.
     * @param row   a row.
     * @return true when an indexed value is NULL (such rows never clash in a unique index).
     */
    public static boolean hasNullIndexed(final TableDef table, final IndexDef index, final Object[] row)
    {
        for (final int id : index.columnIds())
        {
            if (row[position(table, id)] == null)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @param table a table.
     * @param id    a live column id.
     * @return its position in {@link TableDef#columns()}.
     */
    public static int position(final TableDef table, final int id)
    {
        final List<Column> columns = table.columns();
        for (int i = 0; i < columns.size(); i++)
        {
            if (columns.get(i).id() == id)
            {
                return i;
            }
        }
        throw new IllegalArgumentException("table " + table.name() + " has no column id " + id);
    }

    private static void append(
        final KeyCodec.Writer out, final TableDef table, final List<Integer> ids, final Object[] row)
    {
        for (final int id : ids)
        {
            final int p = position(table, id);
            KeyCodec.encode(out, table.columns().get(p).type(), row[p]);
        }
    }

    private static List<ColumnType> types(final TableDef table, final List<Integer> ids)
    {
        final List<ColumnType> types = new ArrayList<>(ids.size());
        for (final int id : ids)
        {
            types.add(table.columnById(id).type());
        }
        return types;
    }
}
