package io.stardust.catalog;

import java.util.Arrays;
import java.util.List;

/**
 * Checks a write to a SQL table or index before it joins the log's effects: the key is the canonical encoding of the
 * key columns, a row decodes under the table's schema with every NOT NULL column set and every value within its type,
 * and the row's key columns agree with its key. Key-value tables take any bytes.
 */
public final class RowChecks
{
    private RowChecks()
    {
    }

    /**
     * @param catalog  the catalog in force.
     * @param relation the relation written.
     * @param key      the key.
     * @param delete   true for a delete.
     * @param value    the value (empty for a delete).
     * @return null when acceptable, else what is wrong.
     */
    public static String checkWrite(
        final Catalog catalog, final Catalog.Relation relation, final byte[] key, final boolean delete,
        final byte[] value)
    {
        final TableDef table = catalog.table(relation.table());
        if (table == null || table.keyValue())
        {
            return null;
        }
        try
        {
            if (relation.index())
            {
                final IndexDef index = table.index(relation.name());
                canonical(Keys.entryTypes(table, index), key, "index " + index.name());
                return delete || value.length == 0 ? null : "an entry of index " + index.name() + " has a value of " +
                    value.length + " bytes; index entries carry none";
            }
            final List<ColumnType> keyTypes = Keys.primaryKeyTypes(table);
            final Object[] keyValues = canonical(keyTypes, key, "table " + table.name());
            for (final Object v : keyValues)
            {
                if (v == null)
                {
                    return "key of table " + table.name() + " has a NULL primary key column";
                }
            }
            if (delete)
            {
                return null;
            }
            final Object[] row = RowCodec.decode(table, value);
            final List<Column> columns = table.columns();
            for (int i = 0; i < columns.size(); i++)
            {
                final Column c = columns.get(i);
                if (row[i] == null && !c.nullable())
                {
                    return "row of " + table.name() + " has no value for NOT NULL column " + c.name();
                }
                if (row[i] != null && !c.type().coerce(c.name(), row[i]).equals(row[i]))
                {
                    return "row of " + table.name() + " holds column " + c.name() + " in a form other than " +
                        c.type() + "'s";
                }
            }
            for (int k = 0; k < keyValues.length; k++)
            {
                final int position = columns.indexOf(table.columnById(table.primaryKey().get(k)));
                if (!keyValues[k].equals(row[position]))
                {
                    return "row of " + table.name() + " has " + columns.get(position).name() + " = " + row[position] +
                        " but its key says " + keyValues[k];
                }
            }
            return null;
        }
        catch (final IllegalArgumentException | ArithmeticException ex)
        {
            return ex.getMessage();
        }
    }

    private static Object[] canonical(final List<ColumnType> types, final byte[] key, final String what)
    {
        final Object[] values;
        try
        {
            values = KeyCodec.decode(types, key);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("key of " + what + " is not an encoded key of " + types + ": " +
                ex.getMessage(), ex);
        }
        for (int i = 0; i < values.length; i++)
        {
            // NULL may appear in an index's columns; a primary key's are refused by the caller.
            types.get(i).coerce("key column " + i, values[i]);
        }
        if (!Arrays.equals(KeyCodec.encode(types, values), key))
        {
            throw new IllegalArgumentException("key of " + what + " is not in canonical form");
        }
        return values;
    }
}
