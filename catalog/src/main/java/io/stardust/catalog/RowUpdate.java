package io.stardust.catalog;

import java.util.ArrayList;
import java.util.List;

/**
 * An UPDATE of one row that runs at its log position (a one-shot {@code UPDATE_ROW} op): integer columns set to a
 * value or moved by an amount, as in {@code UPDATE t SET v = v + 1 WHERE k = ?}. Pure: the same row, table and
 * assignments give the same bytes on every replica. Only columns outside the primary key and every index may be
 * assigned, so the row's key and its index entries never move and are known before the log runs it.
 */
public final class RowUpdate
{
    /** What an assignment does. */
    public enum Kind
    {
        /** {@code c = value}. */
        SET,
        /** {@code c = c + value} (NULL stays NULL). */
        ADD,
        /** {@code c = NULL}. */
        SET_NULL
    }

    /**
     * One assignment.
     *
     * @param columnId the column's id.
     * @param kind     what it does.
     * @param value    SET: the value; ADD: the amount; SET_NULL: 0.
     */
    public record Assignment(int columnId, Kind kind, long value)
    {
    }

    private static final int FORMAT = 1;

    private RowUpdate()
    {
    }

    /** @return the assignments' bytes. */
    public static byte[] encode(final List<Assignment> assignments)
    {
        final KeyCodec.Writer out = new KeyCodec.Writer().u8(FORMAT).varint(assignments.size());
        for (final Assignment a : assignments)
        {
            out.varint(a.columnId()).u8(a.kind().ordinal()).u64(a.value());
        }
        return out.toArray();
    }

    /**
     * @return the assignments.
     * @throws IllegalArgumentException naming what is malformed.
     */
    public static List<Assignment> decode(final byte[] bytes)
    {
        final KeyCodec.Reader in = new KeyCodec.Reader(bytes, 0, bytes.length);
        final int format = in.u8();
        if (format != FORMAT)
        {
            throw new IllegalArgumentException("unknown row update format " + format);
        }
        final long n = in.varint();
        if (n < 1 || n > Catalog.MAX_COLUMNS)
        {
            throw new IllegalArgumentException("a row update of " + n + " assignments; 1 to " + Catalog.MAX_COLUMNS);
        }
        final List<Assignment> out = new ArrayList<>((int)n);
        for (long i = 0; i < n; i++)
        {
            final long id = in.varint();
            if (id < 0 || id >= Catalog.MAX_COLUMNS)
            {
                throw new IllegalArgumentException("column id " + id + " is out of range");
            }
            final int kind = in.u8();
            if (kind >= Kind.values().length)
            {
                throw new IllegalArgumentException("unknown assignment kind " + kind);
            }
            out.add(new Assignment((int)id, Kind.values()[kind], in.u64()));
        }
        in.expectEnd();
        return out;
    }

    /**
     * @return null when the assignments suit the table, else why not: each names an integer column once, outside
     * the primary key and every index; a SET fits the column's type; SET_NULL only a nullable column.
     */
    public static String problem(final TableDef table, final List<Assignment> assignments)
    {
        final java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (final Assignment a : assignments)
        {
            final Column c = byId(table, a.columnId());
            if (c == null || c.hidden())
            {
                return "table " + table.name() + " has no column of id " + a.columnId();
            }
            if (!seen.add(a.columnId()))
            {
                return "column " + c.name() + " is assigned twice";
            }
            final SqlType type = c.type().type();
            if (type != SqlType.BIGINT && type != SqlType.INTEGER && type != SqlType.SMALLINT)
            {
                return "column " + c.name() + " is " + type + "; a one-shot update assigns integer columns";
            }
            if (table.primaryKey().contains(c.id()))
            {
                return "column " + c.name() + " is in the primary key of " + table.name();
            }
            for (final IndexDef index : table.indexes())
            {
                if (index.columnIds().contains(c.id()))
                {
                    return "column " + c.name() + " is in index " + index.name();
                }
            }
            if (a.kind() == Kind.SET_NULL && !c.nullable())
            {
                return "column " + c.name() + " is NOT NULL";
            }
            if (a.kind() == Kind.SET && outOfRange(type, a.value()))
            {
                return a.value() + " is out of range for column " + c.name() + " (" + type + ")";
            }
        }
        return null;
    }

    /**
     * @param table       the table at the catalog version the row is updated under.
     * @param row         the row's bytes.
     * @param assignments assignments {@link #problem} accepts.
     * @return the updated row's bytes, or null when a sum leaves its column's range (the update's condition).
     */
    public static byte[] apply(final TableDef table, final byte[] row, final List<Assignment> assignments)
    {
        final Object[] values = RowCodec.decode(table, row);
        for (final Assignment a : assignments)
        {
            final int p = position(table, a.columnId());
            final SqlType type = table.columns().get(p).type().type();
            final long next;
            switch (a.kind())
            {
                case SET_NULL ->
                {
                    values[p] = null;
                    continue;
                }
                case SET -> next = a.value();
                default ->
                {
                    if (values[p] == null)
                    {
                        continue;
                    }
                    try
                    {
                        next = Math.addExact(((Number)values[p]).longValue(), a.value());
                    }
                    catch (final ArithmeticException ex)
                    {
                        return null;
                    }
                }
            }
            if (outOfRange(type, next))
            {
                return null;
            }
            values[p] = switch (type)
            {
                case BIGINT -> next;
                case INTEGER -> (int)next;
                default -> (short)next;
            };
        }
        return RowCodec.encode(table, values);
    }

    private static boolean outOfRange(final SqlType type, final long v)
    {
        return switch (type)
        {
            case INTEGER -> v < Integer.MIN_VALUE || v > Integer.MAX_VALUE;
            case SMALLINT -> v < Short.MIN_VALUE || v > Short.MAX_VALUE;
            default -> false;
        };
    }

    private static Column byId(final TableDef table, final int id)
    {
        final int p = position(table, id);
        return p < 0 ? null : table.columns().get(p);
    }

    private static int position(final TableDef table, final int id)
    {
        for (int i = 0; i < table.columns().size(); i++)
        {
            if (table.columns().get(i).id() == id)
            {
                return i;
            }
        }
        return -1;
    }
}
