package io.stardust.planner;

import io.stardust.catalog.Column;
import io.stardust.catalog.ColumnType;
import io.stardust.catalog.IndexDef;
import io.stardust.catalog.Keys;
import io.stardust.catalog.TableDef;

import java.util.ArrayList;
import java.util.List;

/**
 * How a {@link StardustScan} reaches its rows: the whole table in primary-key order, a primary-key point lookup or
 * range, or a range of an index (whose entries lead to the rows). A range is equalities on the first key columns, then
 * at most one lower and one upper bound on the next column. Bound values are literals or statement parameters,
 * evaluated when the plan runs, so a cached plan serves every parameter value.
 *
 * @param table          the table.
 * @param index          the index, or null for the primary key.
 * @param fields         positions in the table's columns that the scan outputs, in output order.
 * @param equal          values of the first key columns.
 * @param lower          lower bound on the next key column, or null.
 * @param lowerInclusive whether the lower bound is included.
 * @param upper          upper bound on the next key column, or null.
 * @param upperInclusive whether the upper bound is included.
 */
public record ScanSpec(TableDef table, IndexDef index, int[] fields, List<Bound> equal, Bound lower, boolean lowerInclusive,
    Bound upper, boolean upperInclusive)
{
    /**
     * A bound's value: a literal (already in the column's Java form where it could be), or parameter {@code param}.
     *
     * @param literal the value, when param is -1.
     * @param param   the parameter's index, or -1.
     */
    public record Bound(Object literal, int param)
    {
        @Override
        public String toString()
        {
            return param >= 0 ? "?" + param : literal instanceof String s ? "'" + s + "'" : String.valueOf(literal);
        }
    }

    /**
     * @param table a table.
     * @return a scan of all of it, every column.
     */
    static ScanSpec full(final TableDef table)
    {
        final int[] fields = new int[table.columns().size()];
        for (int i = 0; i < fields.length; i++)
        {
            fields[i] = i;
        }
        return new ScanSpec(table, null, fields, List.of(), null, false, null, false);
    }

    /** @return true for a lookup of one row by its whole primary key. */
    boolean pointLookup()
    {
        return index == null && equal.size() == table.primaryKey().size();
    }

    /** @return true for a scan of the whole table. */
    boolean isFull()
    {
        return index == null && equal.isEmpty() && lower == null && upper == null;
    }

    /** @return the name of the relation the scan reads first. */
    String relation()
    {
        return index == null ? table.name() : index.name();
    }

    /** @return the column ids of the key it follows: the index's then the primary key's, or the primary key's. */
    List<Integer> keyColumnIds()
    {
        final List<Integer> ids = new ArrayList<>();
        if (index != null)
        {
            ids.addAll(index.columnIds());
        }
        ids.addAll(table.primaryKey());
        return ids;
    }

    /** @return the types of the key it follows. */
    List<ColumnType> keyTypes()
    {
        return index == null ? Keys.primaryKeyTypes(table) : Keys.entryTypes(table, index);
    }

    /**
     * @param fieldsNow the output fields.
     * @return the same scan with other output fields.
     */
    ScanSpec withFields(final int[] fieldsNow)
    {
        return new ScanSpec(table, index, fieldsNow, equal, lower, lowerInclusive, upper, upperInclusive);
    }

    /**
     * @param stats the table's figures.
     * @return about how many rows it returns.
     */
    double rows(final TableStats stats)
    {
        final double all = Math.max(1, stats.rowCount(table));
        if (pointLookup())
        {
            return 1;
        }
        double rows = all;
        if (!equal.isEmpty())
        {
            final int keyColumns = index == null ? table.primaryKey().size() : index.columnIds().size();
            if (index != null && index.unique() && equal.size() >= keyColumns)
            {
                rows = 1;
            }
            else
            {
                rows = all / Math.max(1, stats.distinct(table, index, Math.min(equal.size(), keyColumns)));
            }
        }
        if (lower != null)
        {
            rows *= 0.3;
        }
        if (upper != null)
        {
            rows *= 0.3;
        }
        return Math.max(1, rows);
    }

    /** @return the access path as EXPLAIN shows it. */
    String describe()
    {
        final StringBuilder sb = new StringBuilder();
        if (isFull())
        {
            return "full";
        }
        sb.append(pointLookup() ? "primary key lookup" : index == null ? "primary key range" :
            (index.unique() ? "unique index " : "index ") + index.name() + " range");
        sb.append(" (");
        final List<Column> keyColumns = table.columns(keyColumnIds());
        String sep = "";
        for (int i = 0; i < equal.size(); i++)
        {
            sb.append(sep).append(keyColumns.get(i).name()).append(" = ").append(equal.get(i));
            sep = ", ";
        }
        if (lower != null)
        {
            sb.append(sep).append(keyColumns.get(equal.size()).name()).append(lowerInclusive ? " >= " : " > ")
                .append(lower);
            sep = ", ";
        }
        if (upper != null)
        {
            sb.append(sep).append(keyColumns.get(equal.size()).name()).append(upperInclusive ? " <= " : " < ")
                .append(upper);
        }
        return sb.append(')').toString();
    }
}
