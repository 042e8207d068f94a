package io.stardust.sequencer;

import io.stardust.catalog.Catalog;
import io.stardust.catalog.IndexDef;
import io.stardust.catalog.KeyCodec;
import io.stardust.catalog.Keys;
import io.stardust.catalog.RowCodec;
import io.stardust.catalog.TableDef;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.scheduler.TxnRecord;
import io.stardust.storage.Storage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The entries of a new index, from its table's rows at the last applied epoch, in key order: the same on every
 * replica. They are applied as the service's own records in an epoch of their own. A unique index over rows that
 * already clash is refused, naming two of them.
 */
final class IndexBackfill
{
    /** Entries per record: bounded so no record is huge, and records stay far below an epoch's index limit. */
    static final int ENTRIES_PER_RECORD = 1024;

    private IndexBackfill()
    {
    }

    /**
     * @param catalog  the catalog with the index.
     * @param relation the index's relation.
     * @param storage  the replica's storage.
     * @param epoch    the last applied epoch.
     * @return records writing every entry (none for an empty table).
     * @throws RequestException when a unique index finds two rows with the same values.
     */
    static List<TxnRecord> records(
        final Catalog catalog, final Catalog.Relation relation, final Storage storage, final long epoch)
    {
        final TableDef table = catalog.table(relation.table());
        final IndexDef index = table.index(relation.name());
        final List<byte[]> keys = new ArrayList<>();
        storage.scan(table.relationId(), null, null, epoch, Integer.MAX_VALUE, (key, row) ->
        {
            final Object[] values = RowCodec.decode(table, row.value());
            final byte[] entry = Keys.entry(table, index, values);
            keys.add(entry);
        });
        keys.sort(Arrays::compareUnsigned);
        if (index.unique())
        {
            checkUnique(table, index, keys);
        }
        final List<TxnRecord> records = new ArrayList<>();
        for (int start = 0; start < keys.size(); start += ENTRIES_PER_RECORD)
        {
            final int end = Math.min(keys.size(), start + ENTRIES_PER_RECORD);
            final TxnRecord.Write[] writes = new TxnRecord.Write[end - start];
            for (int i = start; i < end; i++)
            {
                writes[i - start] = new TxnRecord.Write(relation.id(), keys.get(i), false, new byte[0]);
            }
            records.add(new TxnRecord(-1 - records.size(), epoch, new TxnRecord.Read[0], new TxnRecord.Range[0],
                writes));
        }
        return records;
    }

    /** @return the entries the records write. */
    static int entries(final List<TxnRecord> records)
    {
        int n = 0;
        for (final TxnRecord r : records)
        {
            n += r.writes().length;
        }
        return n;
    }

    private static void checkUnique(final TableDef table, final IndexDef index, final List<byte[]> sortedEntries)
    {
        final var types = Keys.entryTypes(table, index);
        final int indexed = index.columnIds().size();
        Object[] last = null;
        for (final byte[] entry : sortedEntries)
        {
            final Object[] values = KeyCodec.decode(types, entry);
            final Object[] head = Arrays.copyOf(values, indexed);
            boolean hasNull = false;
            for (final Object v : head)
            {
                hasNull |= v == null;
            }
            if (!hasNull && last != null && Arrays.equals(last, head))
            {
                throw new RequestException(ErrorCode.INVALID_ARGUMENT, "cannot create unique index " + index.name() +
                    ": more than one row of " + table.name() + " has " + Arrays.toString(head));
            }
            last = hasNull ? null : head;
        }
    }
}
