package io.stardust.planner;

import io.stardust.catalog.Column;
import io.stardust.catalog.IndexDef;
import io.stardust.catalog.KeyCodec;
import io.stardust.catalog.Keys;
import io.stardust.catalog.RowCodec;
import io.stardust.catalog.TableDef;

import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Turns the rows of INSERT, UPDATE and DELETE into writes of one transaction: the row under its primary key and an
 * entry in every index, in the same commit. A duplicate primary key or unique value visible to the transaction is an
 * error at the statement (23505); one written concurrently is caught at validation, because the absent key, or the
 * scanned range of the unique index, joined the read set.
 */
final class RowWriter
{
    private static final byte[] NO_VALUE = new byte[0];

    private final TxnContext txn;
    private final TableDef table;

    RowWriter(final TxnContext txn, final TableDef table)
    {
        this.txn = txn;
        this.table = table;
    }

    /**
     * @param rows   one value per table column, in column order.
     * @param rowIds where a table without a primary key gets new row ids.
     * @return rows inserted.
     */
    long insert(final List<Object[]> rows, final LongSupplier rowIds)
    {
        for (final Object[] source : rows)
        {
            final Object[] row = coerce(source);
            if (table.hasRowId())
            {
                final int p = Keys.position(table, table.primaryKey().get(0));
                if (row[p] != null)
                {
                    throw new SqlError(SqlError.SYNTAX_OR_ACCESS, "column " + Column.ROW_ID + " of " + table.name() +
                        " is assigned by the database");
                }
                row[p] = rowIds.getAsLong();
            }
            checkNotNull(row);
            final byte[] key = Keys.primaryKey(table, row);
            if (txn.get(table.name(), key) != null)
            {
                throw duplicate("the primary key of " + table.name(), table.primaryKey(), row);
            }
            put(key, row);
            for (final IndexDef index : table.indexes())
            {
                checkUnique(index, row);
                txn.put(index.name(), Keys.entry(table, index, row), NO_VALUE);
            }
        }
        return rows.size();
    }

    /**
     * @param rows    each the old row's values, then the new values of {@code columns}.
     * @param columns the columns set, by name.
     * @return rows updated.
     */
    long update(final List<Object[]> rows, final List<String> columns)
    {
        final int n = table.columns().size();
        final int[] positions = new int[columns.size()];
        for (int j = 0; j < positions.length; j++)
        {
            final Column c = table.column(columns.get(j));
            if (c.hidden())
            {
                throw new SqlError(SqlError.SYNTAX_OR_ACCESS, "column " + Column.ROW_ID + " of " + table.name() +
                    " is assigned by the database");
            }
            positions[j] = table.columns().indexOf(c);
        }
        for (final Object[] source : rows)
        {
            final Object[] old = Arrays.copyOf(source, n);
            final Object[] row = old.clone();
            for (int j = 0; j < positions.length; j++)
            {
                row[positions[j]] = source[n + j];
            }
            final Object[] next = coerce(row);
            checkNotNull(next);
            final byte[] oldKey = Keys.primaryKey(table, old);
            final byte[] newKey = Keys.primaryKey(table, next);
            if (!Arrays.equals(oldKey, newKey))
            {
                if (txn.get(table.name(), newKey) != null)
                {
                    throw duplicate("the primary key of " + table.name(), table.primaryKey(), next);
                }
                txn.delete(table.name(), oldKey);
            }
            put(newKey, next);
            for (final IndexDef index : table.indexes())
            {
                final byte[] oldEntry = Keys.entry(table, index, old);
                final byte[] newEntry = Keys.entry(table, index, next);
                if (!Arrays.equals(oldEntry, newEntry))
                {
                    txn.delete(index.name(), oldEntry);
                    checkUnique(index, next);
                    txn.put(index.name(), newEntry, NO_VALUE);
                }
            }
        }
        return rows.size();
    }

    /**
     * @param rows the rows to delete, one value per table column.
     * @return rows deleted.
     */
    long delete(final List<Object[]> rows)
    {
        for (final Object[] row : rows)
        {
            txn.delete(table.name(), Keys.primaryKey(table, row));
            for (final IndexDef index : table.indexes())
            {
                txn.delete(index.name(), Keys.entry(table, index, row));
            }
        }
        return rows.size();
    }

    private void put(final byte[] key, final Object[] row)
    {
        txn.put(table.name(), key, RowCodec.encode(table, row));
    }

    private Object[] coerce(final Object[] source)
    {
        final List<Column> columns = table.columns();
        final Object[] row = new Object[columns.size()];
        for (int i = 0; i < row.length; i++)
        {
            row[i] = Values.toColumn(columns.get(i).name(), columns.get(i).type(), source[i]);
        }
        return row;
    }

    private void checkNotNull(final Object[] row)
    {
        final List<Column> columns = table.columns();
        for (int i = 0; i < row.length; i++)
        {
            if (row[i] == null && !columns.get(i).nullable())
            {
                throw new SqlError(SqlError.NOT_NULL_VIOLATION, "null value in column " + columns.get(i).name() +
                    " of " + table.name() + " violates its NOT NULL constraint");
            }
        }
    }

    /** A unique index holds one row per indexed value; rows with a NULL in it never clash. */
    private void checkUnique(final IndexDef index, final Object[] row)
    {
        if (!index.unique() || Keys.hasNullIndexed(table, index, row))
        {
            return;
        }
        final byte[] prefix = Keys.indexedPrefix(table, index, row);
        final byte[] own = Keys.entry(table, index, row);
        for (final Snapshot.Row entry : txn.scan(index.name(), prefix, KeyCodec.prefixEnd(prefix)))
        {
            if (!Arrays.equals(entry.key(), own))
            {
                throw duplicate("unique index " + index.name(), index.columnIds(), row);
            }
        }
    }

    private SqlError duplicate(final String what, final List<Integer> columnIds, final Object[] row)
    {
        final StringBuilder names = new StringBuilder();
        final StringBuilder values = new StringBuilder();
        for (final int id : columnIds)
        {
            final int p = Keys.position(table, id);
            names.append(names.length() == 0 ? "" : ", ").append(table.columns().get(p).name());
            values.append(values.length() == 0 ? "" : ", ").append(row[p]);
        }
        return new SqlError(SqlError.UNIQUE_VIOLATION, "duplicate key value violates " + what + ": (" + names +
            ")=(" + values + ") already exists");
    }
}
