package io.stardust.catalog;

import java.util.List;

/**
 * A SQL row as a storage value: a format byte, the table's schema version it was written under, and each non-null
 * value as (column id, length, value). Rows are never rewritten by ALTER TABLE: a row read under a later schema gets
 * NULL for columns added since, and the values of dropped columns (ids no longer in the table) are skipped.
 */
public final class RowCodec
{
    private static final int FORMAT = 1;

    private RowCodec()
    {
    }

    /**
     * @param table  the table at the catalog version the row is written under.
     * @param values one value per column of {@link TableDef#columns()}, in that order, already coerced.
     * @return the row's bytes.
     */
    public static byte[] encode(final TableDef table, final Object[] values)
    {
        final List<Column> columns = table.columns();
        if (values.length != columns.size())
        {
            throw new IllegalArgumentException("table " + table.name() + " has " + columns.size() + " columns, not " +
                values.length);
        }
        int present = 0;
        for (final Object v : values)
        {
            present += v == null ? 0 : 1;
        }
        final KeyCodec.Writer out = new KeyCodec.Writer().u8(FORMAT).varint(table.schemaVersion()).varint(present);
        for (int i = 0; i < values.length; i++)
        {
            if (values[i] != null)
            {
                final KeyCodec.Writer one = new KeyCodec.Writer();
                KeyCodec.encodeValue(one, columns.get(i).type(), values[i]);
                out.varint(columns.get(i).id()).varint(one.length()).bytes(one.toArray());
            }
        }
        return out.toArray();
    }

    /**
     * @param table the table at the reader's catalog version.
     * @param row   a row's bytes.
     * @return one value per column of {@link TableDef#columns()}.
     * @throws IllegalArgumentException when the bytes are not a row.
     */
    public static Object[] decode(final TableDef table, final byte[] row)
    {
        final List<Column> columns = table.columns();
        final Object[] values = new Object[columns.size()];
        final KeyCodec.Reader in = new KeyCodec.Reader(row, 0, row.length);
        final int format = in.u8();
        if (format != FORMAT)
        {
            throw new IllegalArgumentException("unknown row format " + format);
        }
        in.varint(); // the schema version it was written under; ids say all decoding needs
        final long present = in.varint();
        for (long p = 0; p < present; p++)
        {
            final long id = in.varint();
            final long length = in.varint();
            final int start = in.position();
            final int position = position(columns, id);
            if (position < 0)
            {
                skip(in, length);
                continue;
            }
            values[position] = KeyCodec.decodeValue(in, columns.get(position).type());
            if (in.position() - start != length)
            {
                throw new IllegalArgumentException("value of column id " + id + " is " + (in.position() - start) +
                    " bytes, not " + length);
            }
        }
        in.expectEnd();
        return values;
    }

    /**
     * @param row a row's bytes.
     * @return the schema version it was written under.
     */
    public static int schemaVersion(final byte[] row)
    {
        final KeyCodec.Reader in = new KeyCodec.Reader(row, 0, row.length);
        in.u8();
        return (int)in.varint();
    }

    private static int position(final List<Column> columns, final long id)
    {
        for (int i = 0; i < columns.size(); i++)
        {
            if (columns.get(i).id() == id)
            {
                return i;
            }
        }
        return -1;
    }

    private static void skip(final KeyCodec.Reader in, final long length)
    {
        for (long i = 0; i < length; i++)
        {
            in.u8();
        }
    }
}
