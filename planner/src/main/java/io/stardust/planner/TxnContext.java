package io.stardust.planner;

import io.stardust.catalog.Catalog;
import io.stardust.catalog.KeyCodec;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One transaction of a SQL session: every read at one snapshot joins the read set with its version, every scanned
 * range joins the range set (so validation at the log position also catches phantoms), and writes are buffered until
 * COMMIT. Reads see the transaction's own writes: point reads, scans, and so index lookups too.
 */
public final class TxnContext
{
    /** The DataContext key under which the generated code finds the transaction. */
    public static final String KEY = "stardust.txn";

    private final Snapshot snapshot;
    private final Catalog catalog;
    private final Map<String, Map<ByteBuffer, Long>> reads = new LinkedHashMap<>();
    private final List<SqlBackend.Range> ranges = new ArrayList<>();
    /** Per relation, key to value; a null value is a delete. */
    private final Map<String, TreeMap<byte[], byte[]>> writes = new HashMap<>();

    /**
     * @param snapshot what it reads.
     * @param catalog  the catalog it plans against.
     */
    public TxnContext(final Snapshot snapshot, final Catalog catalog)
    {
        this.snapshot = snapshot;
        this.catalog = catalog;
    }

    /** @return the catalog the transaction plans against. */
    public Catalog catalog()
    {
        return catalog;
    }

    /** @return the snapshot epoch. */
    public long snapshotEpoch()
    {
        return snapshot.epoch();
    }

    /**
     * @param relation a relation.
     * @param key      a key.
     * @return the value the transaction sees (its own write, else the snapshot's), or null.
     */
    public byte[] get(final String relation, final byte[] key)
    {
        final TreeMap<byte[], byte[]> own = writes.get(relation);
        if (own != null && own.containsKey(key))
        {
            return own.get(key);
        }
        final Snapshot.Row row = snapshot.get(relation, key);
        reads.computeIfAbsent(relation, (r) -> new LinkedHashMap<>()).putIfAbsent(ByteBuffer.wrap(key.clone()),
            row.version());
        return row.value();
    }

    /**
     * @param relation a relation.
     * @param start    inclusive start.
     * @param end      exclusive end; empty for no bound.
     * @return the live rows the transaction sees in the range, in key order (key and value only).
     */
    public List<Snapshot.Row> scan(final String relation, final byte[] start, final byte[] end)
    {
        final List<Snapshot.Row> stored = snapshot.scan(relation, start, end, Integer.MAX_VALUE);
        ranges.add(new SqlBackend.Range(relation, start.clone(), end.clone()));
        final TreeMap<byte[], byte[]> own = writes.get(relation);
        if (own == null)
        {
            return stored;
        }
        final Map<byte[], byte[]> overlay = end.length == 0 ? own.tailMap(start, true) : own.subMap(start, end);
        if (overlay.isEmpty())
        {
            return stored;
        }
        final TreeMap<byte[], byte[]> merged = new TreeMap<>(Arrays::compareUnsigned);
        for (final Snapshot.Row r : stored)
        {
            merged.put(r.key(), r.value());
        }
        merged.putAll(overlay);
        final List<Snapshot.Row> rows = new ArrayList<>(merged.size());
        for (final Map.Entry<byte[], byte[]> e : merged.entrySet())
        {
            if (e.getValue() != null)
            {
                rows.add(new Snapshot.Row(e.getKey(), e.getValue(), 0));
            }
        }
        return rows;
    }

    /**
     * @param relation a relation.
     * @param prefix   an encoded key prefix.
     * @return live rows whose key starts with the prefix.
     */
    public List<Snapshot.Row> scanPrefix(final String relation, final byte[] prefix)
    {
        return scan(relation, prefix, prefix.length == 0 ? new byte[0] : KeyCodec.prefixEnd(prefix));
    }

    /**
     * Buffer a put.
     *
     * @param relation a relation.
     * @param key      its key.
     * @param value    the value.
     */
    public void put(final String relation, final byte[] key, final byte[] value)
    {
        write(relation, key, value);
    }

    /**
     * Buffer a delete.
     *
     * @param relation a relation.
     * @param key      its key.
     */
    public void delete(final String relation, final byte[] key)
    {
        write(relation, key, null);
    }

    private void write(final String relation, final byte[] key, final byte[] value)
    {
        writes.computeIfAbsent(relation, (r) -> new TreeMap<>(Arrays::compareUnsigned)).put(key, value);
    }

    /** @return the buffered writes as they are now, for {@link #rollbackTo}. */
    Object mark()
    {
        final Map<String, TreeMap<byte[], byte[]>> copy = new HashMap<>();
        for (final Map.Entry<String, TreeMap<byte[], byte[]>> e : writes.entrySet())
        {
            copy.put(e.getKey(), new TreeMap<>(e.getValue()));
        }
        return copy;
    }

    /**
     * Undo the writes of a statement that failed: the transaction goes on as it was before it. (What the statement
     * read stays in the read set, which can only make validation stricter.)
     *
     * @param mark from {@link #mark()}.
     */
    @SuppressWarnings("unchecked")
    void rollbackTo(final Object mark)
    {
        writes.clear();
        writes.putAll((Map<String, TreeMap<byte[], byte[]>>)mark);
    }

    /** @return true when the transaction read a row or scanned a range. */
    public boolean hasReads()
    {
        return !reads.isEmpty() || !ranges.isEmpty();
    }

    /** @return true when the transaction wrote anything. */
    public boolean hasWrites()
    {
        return !writes.isEmpty();
    }

    /** @return how many keys the transaction writes. */
    public int writeCount()
    {
        int n = 0;
        for (final TreeMap<byte[], byte[]> w : writes.values())
        {
            n += w.size();
        }
        return n;
    }

    /**
     * @return the commit record of this transaction: a key the transaction read and then wrote stays in the read
     * set, so a concurrent writer of it aborts one of them.
     */
    public SqlBackend.Commit toCommit()
    {
        final List<SqlBackend.Read> readList = new ArrayList<>();
        for (final Map.Entry<String, Map<ByteBuffer, Long>> r : reads.entrySet())
        {
            for (final Map.Entry<ByteBuffer, Long> k : r.getValue().entrySet())
            {
                readList.add(new SqlBackend.Read(r.getKey(), k.getKey().array(), k.getValue()));
            }
        }
        final List<SqlBackend.Write> writeList = new ArrayList<>();
        for (final Map.Entry<String, TreeMap<byte[], byte[]>> w : new TreeMap<>(writes).entrySet())
        {
            for (final Map.Entry<byte[], byte[]> k : w.getValue().entrySet())
            {
                writeList.add(new SqlBackend.Write(w.getKey(), k.getKey(), k.getValue()));
            }
        }
        return new SqlBackend.Commit(catalog.version(), snapshot.epoch(), readList, dedupRanges(), writeList);
    }

    private List<SqlBackend.Range> dedupRanges()
    {
        final List<SqlBackend.Range> out = new ArrayList<>();
        for (final SqlBackend.Range r : ranges)
        {
            boolean seen = false;
            for (final SqlBackend.Range o : out)
            {
                seen |= o.relation().equals(r.relation()) && Arrays.equals(o.start(), r.start()) &&
                    Arrays.equals(o.end(), r.end());
            }
            if (!seen)
            {
                out.add(r);
            }
        }
        return out;
    }
}
