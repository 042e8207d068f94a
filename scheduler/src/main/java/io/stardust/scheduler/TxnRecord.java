package io.stardust.scheduler;

/**
 * A sequenced transaction as the scheduler sees it: what it read (with versions), which ranges it scanned (at
 * {@code snapshotEpoch}) and what it wants to write. Tables are catalog ids, already resolved by the sequencer.
 *
 * @param txnId         client's transaction id, for diagnostics.
 * @param snapshotEpoch epoch the reads were served at; range reads are checked against it.
 * @param reads         point reads in the order the client made them.
 * @param ranges        range reads.
 * @param writes        buffered writes; a later write of the same key wins.
 * @param ops           one-shot operations, run at the transaction's log position ({@link OneShots}); a record with
 *                      ops has no reads, ranges or writes.
 * @param call          a procedure call over the keys its ops (all {@link OpKind#KEY}) name, or null.
 */
public record TxnRecord(long txnId, long snapshotEpoch, Read[] reads, Range[] ranges, Write[] writes, Op[] ops,
    Call call)
{
    /** No ops: a validated transaction. */
    public static final Op[] NO_OPS = new Op[0];

    /** A validated (read-then-validate) transaction. */
    public TxnRecord(final long txnId, final long snapshotEpoch, final Read[] reads, final Range[] ranges,
        final Write[] writes)
    {
        this(txnId, snapshotEpoch, reads, ranges, writes, NO_OPS, null);
    }

    /** A validated transaction, or a one-shot with ops and no procedure call. */
    public TxnRecord(final long txnId, final long snapshotEpoch, final Read[] reads, final Range[] ranges,
        final Write[] writes, final Op[] ops)
    {
        this(txnId, snapshotEpoch, reads, ranges, writes, ops, null);
    }

    /**
     * A procedure call.
     *
     * @param txnId client's transaction id.
     * @param call  the procedure, version and arguments.
     * @param keys  the keys it may read and write, in the order it addresses them.
     * @return the record.
     */
    public static TxnRecord call(final long txnId, final Call call, final Op... keys)
    {
        return new TxnRecord(txnId, 0, new Read[0], new Range[0], new Write[0], keys, call);
    }

    /**
     * A one-shot transaction.
     *
     * @param txnId client's transaction id.
     * @param ops   its operations, in order.
     * @return the record.
     */
    public static TxnRecord oneShot(final long txnId, final Op... ops)
    {
        return new TxnRecord(txnId, 0, new Read[0], new Range[0], new Write[0], ops);
    }

    /** @return true when this transaction runs its ops at its log position instead of being validated. */
    public boolean isOneShot()
    {
        return ops.length > 0 || call != null;
    }

    /**
     * A call of a registered procedure version.
     *
     * @param procedure its name.
     * @param version   its version.
     * @param args      the arguments' bytes as the record carried them ({@code ProcedureArgs}).
     * @param values    the arguments, decoded and checked against the procedure's parameters.
     */
    public record Call(String procedure, int version, byte[] args, java.util.List<Object> values)
    {
        public Call
        {
            values = java.util.List.copyOf(values);
        }
    }

    /** A point read of {@code key} that saw {@code version} ({@code 0} when absent). */
    public record Read(int tableId, byte[] key, long version)
    {
    }

    /** A scan of {@code [start, end)}; an empty end is unbounded. */
    public record Range(int tableId, byte[] start, byte[] end)
    {
    }

    /** A put (or delete when {@code delete}) of {@code key}. */
    public record Write(int tableId, byte[] key, boolean delete, byte[] value)
    {
    }

    /**
     * A one-shot operation on {@code key}.
     *
     * @param kind    what it does.
     * @param tableId table id.
     * @param key     key bytes.
     * @param value   PUT: the value; CHECK_EQUALS: the expected value; empty otherwise.
     * @param delta   ADD: the amount.
     * @param min     ADD: the least result allowed.
     * @param max     ADD: the greatest result allowed.
     */
    public record Op(OpKind kind, int tableId, byte[] key, byte[] value, long delta, long min, long max)
    {
        private static final byte[] NONE = new byte[0];

        /** @return an op with no value and no bounds. */
        public static Op of(final OpKind kind, final int tableId, final byte[] key)
        {
            return new Op(kind, tableId, key, NONE, 0, Long.MIN_VALUE, Long.MAX_VALUE);
        }

        /** @return a PUT of {@code value}, or a CHECK_EQUALS of it. */
        public static Op withValue(final OpKind kind, final int tableId, final byte[] key, final byte[] value)
        {
            return new Op(kind, tableId, key, value, 0, Long.MIN_VALUE, Long.MAX_VALUE);
        }

        /** @return an ADD of {@code delta} whose result must stay in {@code [min, max]}. */
        public static Op add(final int tableId, final byte[] key, final long delta, final long min, final long max)
        {
            return new Op(OpKind.ADD, tableId, key, NONE, delta, min, max);
        }

        /** @return true when the op may write its key. */
        public boolean writes()
        {
            return kind == OpKind.PUT || kind == OpKind.DELETE || kind == OpKind.ADD || kind == OpKind.APPEND ||
                kind == OpKind.KEY || kind == OpKind.UPDATE_ROW;
        }
    }

    /** What a one-shot operation does. Ordinals match the wire enum of the same name. */
    public enum OpKind
    {
        /** Read the key. */
        GET,
        /** Write a value. */
        PUT,
        /** Delete the key. */
        DELETE,
        /** Add to the key's 8-byte big-endian signed counter (absent is 0), within bounds. */
        ADD,
        /** Condition: the key's value equals the op's value. */
        CHECK_EQUALS,
        /** Condition: the key has no live value. */
        CHECK_ABSENT,
        /** Condition: the key has a live value. */
        CHECK_PRESENT,
        /** Append the op's value to the key's value (absent is empty), within what storage holds. */
        APPEND,
        /** A key a procedure call may read and write. */
        KEY,
        /** Update a SQL row by the op's assignments ({@link RowOps}); an absent row stays absent. */
        UPDATE_ROW
    }
}
