package io.stardust.planner;

import io.stardust.catalog.ColumnType;
import io.stardust.catalog.KeyCodec;
import io.stardust.catalog.Keys;
import io.stardust.catalog.RowCodec;
import io.stardust.catalog.TableDef;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Linq4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the generated code of a plan calls to read rows: each call reads through the transaction, so rows and ranges
 * join its read set and its own writes are seen.
 */
public final class StardustRuntime
{
    private static final byte[] EMPTY = new byte[0];

    private StardustRuntime()
    {
    }

    /**
     * @param root the plan's data context: the transaction and the statement's parameters.
     * @param spec the scan.
     * @return its rows, as arrays of its output fields.
     */
    public static Enumerable<Object[]> scan(final DataContext root, final ScanSpec spec)
    {
        final TxnContext txn = (TxnContext)root.get(TxnContext.KEY);
        final byte[][] range = range(root, spec);
        if (range == null)
        {
            return Linq4j.emptyEnumerable();
        }
        return Linq4j.asEnumerable(rows(txn, spec, range[0], range[1], spec.pointLookup()));
    }

    /**
     * @param root  the plan's data context.
     * @param outer the outer side's rows.
     * @param spec  the lookups.
     * @return each outer row joined with the inner rows its key finds (with NULLs for none, in a LEFT join).
     */
    public static Enumerable<Object[]> indexJoin(
        final DataContext root, final Enumerable<Object[]> outer, final StardustIndexJoin.Spec spec)
    {
        final TxnContext txn = (TxnContext)root.get(TxnContext.KEY);
        final ScanSpec inner = spec.inner();
        final List<ColumnType> types = inner.keyTypes();
        final int[] keys = spec.outerKeys();
        final boolean point = inner.index() == null && keys.length == inner.table().primaryKey().size();
        final List<Object[]> out = new ArrayList<>();
        for (final Object[] o : outer)
        {
            final KeyCodec.Writer prefix = new KeyCodec.Writer();
            boolean none = false;
            for (int i = 0; i < keys.length && !none; i++)
            {
                final Object v = KeyBounds.equal(types.get(i), o[keys[i]]);
                if (v == KeyBounds.NONE)
                {
                    none = true;
                }
                else
                {
                    KeyCodec.encode(prefix, types.get(i), v);
                }
            }
            final byte[] p = prefix.toArray();
            final List<Object[]> matches = none ? List.of() : rows(txn, inner, p, KeyCodec.prefixEnd(p), point);
            if (matches.isEmpty() && spec.left())
            {
                out.add(Arrays.copyOf(o, o.length + spec.width()));
            }
            for (final Object[] m : matches)
            {
                final Object[] joined = Arrays.copyOf(o, o.length + m.length);
                System.arraycopy(m, 0, joined, o.length, m.length);
                out.add(joined);
            }
        }
        return Linq4j.asEnumerable(out);
    }

    /** Rows of [start, end) of the spec's key (start alone for a point lookup), projected onto its fields. */
    private static List<Object[]> rows(
        final TxnContext txn, final ScanSpec spec, final byte[] start, final byte[] end, final boolean point)
    {
        final TableDef table = spec.table();
        final List<Object[]> out = new ArrayList<>();
        if (point)
        {
            final byte[] value = txn.get(table.name(), start);
            if (value != null)
            {
                out.add(project(spec, RowCodec.decode(table, value)));
            }
        }
        else if (spec.index() == null)
        {
            for (final Snapshot.Row row : txn.scan(table.name(), start, end))
            {
                out.add(project(spec, RowCodec.decode(table, row.value())));
            }
        }
        else
        {
            final List<ColumnType> entryTypes = spec.keyTypes();
            final List<ColumnType> keyTypes = Keys.primaryKeyTypes(table);
            final int indexed = spec.index().columnIds().size();
            for (final Snapshot.Row entry : txn.scan(spec.index().name(), start, end))
            {
                final Object[] values = KeyCodec.decode(entryTypes, entry.key());
                final byte[] key = KeyCodec.encode(keyTypes, Arrays.copyOfRange(values, indexed, values.length));
                final byte[] value = txn.get(table.name(), key);
                if (value != null)
                {
                    out.add(project(spec, RowCodec.decode(table, value)));
                }
            }
        }
        return out;
    }

    private static Object[] project(final ScanSpec spec, final Object[] row)
    {
        final int[] fields = spec.fields();
        final Object[] out = new Object[fields.length];
        for (int i = 0; i < fields.length; i++)
        {
            out[i] = row[fields[i]];
        }
        return out;
    }

    /**
     * @return {start, end} of the keys the spec reads, or null when its bounds exclude every row.
     */
    static byte[][] range(final DataContext root, final ScanSpec spec)
    {
        final List<ColumnType> types = spec.keyTypes();
        final KeyCodec.Writer prefix = new KeyCodec.Writer();
        for (int i = 0; i < spec.equal().size(); i++)
        {
            final Object v = KeyBounds.equal(types.get(i), value(root, spec.equal().get(i)));
            if (v == KeyBounds.NONE)
            {
                return null;
            }
            KeyCodec.encode(prefix, types.get(i), v);
        }
        final byte[] p = prefix.toArray();
        byte[] start = p;
        byte[] end = p.length == 0 ? EMPTY : KeyCodec.prefixEnd(p);
        final int k = spec.equal().size();
        if (spec.lower() != null || spec.upper() != null)
        {
            // A comparison is never true of NULL: keep to the values, which sort before the NULLs.
            start = concat(p, new byte[] {KeyCodec.VALUE});
            end = concat(p, new byte[] {KeyCodec.NULL});
        }
        if (spec.lower() != null)
        {
            final Object edge = KeyBounds.lower(types.get(k), value(root, spec.lower()), spec.lowerInclusive());
            if (edge == KeyBounds.NONE)
            {
                return null;
            }
            if (edge instanceof KeyBounds.Edge e)
            {
                final byte[] at = concat(p, KeyCodec.encode(List.of(types.get(k)), e.value()));
                start = e.inclusive() ? at : KeyCodec.prefixEnd(at);
            }
        }
        if (spec.upper() != null)
        {
            final Object edge = KeyBounds.upper(types.get(k), value(root, spec.upper()), spec.upperInclusive());
            if (edge == KeyBounds.NONE)
            {
                return null;
            }
            if (edge instanceof KeyBounds.Edge e)
            {
                final byte[] at = concat(p, KeyCodec.encode(List.of(types.get(k)), e.value()));
                end = e.inclusive() ? KeyCodec.prefixEnd(at) : at;
            }
        }
        if (end.length > 0 && Arrays.compareUnsigned(start, end) >= 0)
        {
            return null;
        }
        return new byte[][] {start, end};
    }

    private static Object value(final DataContext root, final ScanSpec.Bound bound)
    {
        return bound.param() >= 0 ? root.get("?" + bound.param()) : bound.literal();
    }

    private static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
