package io.stardust.client;

import io.stardust.protocol.codecs.BooleanType;
import io.stardust.protocol.codecs.CommitRequestEncoder;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.OpKind;
import org.agrona.ExpandableArrayBuffer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A one-shot transaction: operations that every replica runs at the transaction's log position, against the state
 * every earlier transaction left. It reads nothing beforehand, so nothing it depends on can change under it: it never
 * aborts on a conflict, only when one of its own conditions is false, and then none of it applies.
 * <p>
 * Ops run in the order they are added. A key may be named by several ops; each sees what the ones before it left.
 * One-shot ops work on key-value tables ({@link StardustClient#createTable}).
 * <pre>{@code
 * // A transfer that needs the balance: it commits, or fails its first op, never conflicts.
 * OneShotResult r = client.oneShot()
 *     .add("accounts", alice, -10, 0, Long.MAX_VALUE)
 *     .add("accounts", bob, 10)
 *     .commitSync();
 * }</pre>
 */
public final class OneShot
{
    private static final byte[] NONE = new byte[0];

    private record Op(OpKind kind, String table, byte[] key, byte[] value, long delta, long min, long max)
    {
    }

    private final StardustClient client;
    private final List<Op> ops = new ArrayList<>();
    private boolean sent;
    private long catalogVersion;
    private String procedure;
    private int procedureVersion;
    private byte[] procedureArgs;

    OneShot(final StardustClient client)
    {
        this.client = client;
    }

    /** Read {@code key}: its value at the log position comes back in the result. */
    public OneShot get(final String table, final byte[] key)
    {
        return op(OpKind.GET, table, key, NONE, 0, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** Write {@code value}. */
    public OneShot put(final String table, final byte[] key, final byte[] value)
    {
        return op(OpKind.PUT, table, key, value, 0, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** Delete {@code key}. */
    public OneShot delete(final String table, final byte[] key)
    {
        return op(OpKind.DELETE, table, key, NONE, 0, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** Add {@code delta} to the key's counter (8 bytes, big-endian, signed; absent counts as 0). */
    public OneShot add(final String table, final byte[] key, final long delta)
    {
        return add(table, key, delta, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /**
     * Add {@code delta} to the key's counter, on condition that the result stays in {@code [min, max]} (and does not
     * overflow, and that the key holds a counter or nothing).
     */
    public OneShot add(final String table, final byte[] key, final long delta, final long min, final long max)
    {
        if (min > max)
        {
            throw new IllegalArgumentException("least result " + min + " is above the greatest " + max);
        }
        return op(OpKind.ADD, table, key, NONE, delta, min, max);
    }

    /**
     * Append {@code bytes} to the key's value (absent counts as empty). The condition: the result fits the largest
     * value storage holds.
     */
    public OneShot append(final String table, final byte[] key, final byte[] bytes)
    {
        return op(OpKind.APPEND, table, key, bytes, 0, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** Condition: the key's value equals {@code expected}. */
    public OneShot checkEquals(final String table, final byte[] key, final byte[] expected)
    {
        return op(OpKind.CHECK_EQUALS, table, key, expected, 0, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** Condition: the key has no value. */
    public OneShot checkAbsent(final String table, final byte[] key)
    {
        return op(OpKind.CHECK_ABSENT, table, key, NONE, 0, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** Condition: the key has a value. */
    public OneShot checkPresent(final String table, final byte[] key)
    {
        return op(OpKind.CHECK_PRESENT, table, key, NONE, 0, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    private OneShot op(final OpKind kind, final String table, final byte[] key, final byte[] value, final long delta,
        final long min, final long max)
    {
        if (sent)
        {
            throw new IllegalStateException("this one-shot transaction was already committed");
        }
        if (table == null || key == null || value == null)
        {
            throw new IllegalArgumentException("table, key and value must not be null");
        }
        ops.add(new Op(kind, table, key.clone(), value.clone(), delta, min, max));
        return this;
    }

    /**
     * Make this transaction a call of a registered procedure, which runs at the log position over the keys named
     * with {@link #key}, and only those. A call's ops are its keys alone.
     *
     * @param name    the procedure's registered name.
     * @param version the version called.
     * @param args    its arguments: {@code long} (or a smaller integer), {@code String} or {@code byte[]} values.
     * @return this.
     * @throws IllegalArgumentException for an argument of another type.
     */
    public OneShot call(final String name, final int version, final Object... args)
    {
        if (name == null || name.isEmpty())
        {
            throw new IllegalArgumentException("a call names a procedure");
        }
        procedureArgs = io.stardust.procedure.ProcedureArgs.encode(List.of(args));
        procedure = name;
        procedureVersion = version;
        return this;
    }

    /** A key the procedure call may read and write; the procedure addresses keys by the order they are added. */
    public OneShot key(final String table, final byte[] key)
    {
        return op(OpKind.KEY, table, key, NONE, 0, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /**
     * Update a SQL row at the log position by {@code assignments} ({@code io.stardust.catalog.RowUpdate}): integer
     * columns outside the primary key and every index, set or moved by an amount. An absent row stays absent (its
     * result is absent); a sum out of its column's range fails the condition. Used by the SQL gateway for
     * {@code UPDATE t SET v = v + ? WHERE k = ?}.
     *
     * @param table       the SQL table.
     * @param key         the row's primary key, encoded.
     * @param assignments the encoded assignments.
     * @return this.
     */
    public OneShot updateRow(final String table, final byte[] key, final byte[] assignments)
    {
        return op(OpKind.UPDATE_ROW, table, key, assignments, 0, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /**
     * @param version the catalog version the ops were planned against: a table changed since aborts the
     *                transaction ({@code SCHEMA_CHANGED}); 0 (default) skips the check.
     * @return this.
     */
    public OneShot catalogVersion(final long version)
    {
        this.catalogVersion = version;
        return this;
    }

    /** @return the number of ops so far. */
    public int size()
    {
        return ops.size();
    }

    /**
     * Send it through the log.
     *
     * @return completes with what it did (a false condition included); fails with {@link RejectedException} for a
     * request the cluster refused (an unknown table, a SQL table, a value over the limit) or a timeout.
     */
    public CompletableFuture<OneShotResult> commit()
    {
        if (ops.isEmpty() && procedure == null)
        {
            return CompletableFuture.failedFuture(new RejectedException(ErrorCode.INVALID_ARGUMENT,
                "a one-shot transaction needs at least one op"));
        }
        sent = true;
        final long txnId = client.newTxnId();
        final long correlationId = client.newCorrelationId();
        final byte[] frame;
        try
        {
            frame = encode(correlationId, txnId, client.config().maxTransactionBytes());
        }
        catch (final RejectedException ex)
        {
            return CompletableFuture.failedFuture(ex);
        }
        return client.commitOneShot(frame, correlationId, txnId);
    }

    /** @return {@link #commit()}'s result, waited for. */
    public OneShotResult commitSync()
    {
        return StardustClient.await(commit());
    }

    byte[] encode(final long correlationId, final long txnId, final int maxBytes)
    {
        if (ops.size() > 65_535)
        {
            throw new RejectedException(ErrorCode.TXN_TOO_LARGE, "one-shot transaction has " + ops.size() +
                " ops; at most 65535");
        }
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final CommitRequestEncoder encoder = new CommitRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .txnId(txnId)
            .catalogVersion(catalogVersion)
            .snapshotEpoch(0)
            .resend(BooleanType.FALSE);
        encoder.readsCount(0);
        encoder.rangesCount(0);
        encoder.writesCount(0);
        final CommitRequestEncoder.OpsEncoder e = encoder.opsCount(ops.size());
        for (final Op op : ops)
        {
            e.next().kind(op.kind()).delta(op.delta()).min(op.min()).max(op.max())
                .table(op.table())
                .putKey(op.key(), 0, op.key().length)
                .putValue(op.value(), 0, op.value().length);
        }
        if (procedure != null)
        {
            // Only a call has the group: a record without one stays readable by members of protocol version 7.
            encoder.callCount(1).next().version(procedureVersion).procedure(procedure)
                .putArgs(procedureArgs, 0, procedureArgs.length);
        }
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        if (length > maxBytes)
        {
            throw new RejectedException(ErrorCode.TXN_TOO_LARGE, "one-shot transaction of " + length +
                " bytes exceeds the client's limit of " + maxBytes + " bytes");
        }
        return Arrays.copyOf(buffer.byteArray(), length);
    }

    /** @return {@code value} as a counter's 8 bytes, big-endian. */
    public static byte[] counter(final long value)
    {
        return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
    }
}
