package io.stardust.conformance;

import io.stardust.client.RawReply;
import io.stardust.client.RejectedException;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.protocol.codecs.BooleanType;
import io.stardust.protocol.codecs.CommitRequestEncoder;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.WriteOp;
import org.agrona.ExpandableArrayBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A corpus of invalid requests, each expecting one error code and a message that names the problem.
 */
final class InvalidRequests
{
    /** One case's outcome. */
    record Result(String name, ErrorCode expected, boolean passed, String detail)
    {
    }

    private record Case(String name, ErrorCode code, String mentions, Supplier<CompletableFuture<?>> request)
    {
    }

    private InvalidRequests()
    {
    }

    /**
     * @param client a client whose own transaction size limit is above the server's (so oversized transactions
     *               reach the server); tables {@code existing} must exist.
     * @param existing an existing table.
     */
    static List<Result> run(final StardustClient client, final String existing)
    {
        final List<Case> cases = List.of(
            new Case("commit to a missing table", ErrorCode.UNKNOWN_TABLE, "no_such_table",
                () -> tx(client, (tx) -> tx.put("no_such_table", "k", "v"))),
            new Case("read of a missing table", ErrorCode.UNKNOWN_TABLE, "no_such_table",
                () -> client.begin().getAsync("no_such_table", b("k"))),
            new Case("transaction over the server's limit (1.5 MiB)", ErrorCode.TXN_TOO_LARGE, "exceeds the limit",
                () -> tx(client, (tx) ->
                {
                    for (int i = 0; i < 24; i++)
                    {
                        tx.put(existing, b("big" + i), new byte[64 * 1024]);
                    }
                })),
            new Case("transaction over the ingress message size (3 MiB)", ErrorCode.TXN_TOO_LARGE, "largest message",
                () -> tx(client, (tx) ->
                {
                    for (int i = 0; i < 48; i++)
                    {
                        tx.put(existing, b("big" + i), new byte[64 * 1024]);
                    }
                })),
            new Case("value of 1000 KiB (over the largest value)", ErrorCode.TXN_TOO_LARGE, "value of 1024000 bytes",
                () -> tx(client, (tx) -> tx.put(existing, b("huge"), new byte[1000 * 1024]))),
            new Case("range whose start sorts after its end", ErrorCode.INVALID_ARGUMENT, "sorts after its end",
                () -> raw(client, shaped(existing, (e) ->
                {
                    e.readsCount(0);
                    e.rangesCount(1).next().table(existing).putStartKey(b("m"), 0, 1).putEndKey(b("c"), 0, 1);
                    e.writesCount(1).next().op(WriteOp.PUT).table(existing).putKey(b("r"), 0, 1)
                        .putValue(b("v"), 0, 1);
                }))),
            new Case("key written twice", ErrorCode.INVALID_ARGUMENT, "written twice",
                () -> raw(client, shaped(existing, (e) ->
                {
                    e.readsCount(0);
                    e.rangesCount(0);
                    final CommitRequestEncoder.WritesEncoder w = e.writesCount(2);
                    w.next().op(WriteOp.PUT).table(existing).putKey(b("d"), 0, 1).putValue(b("1"), 0, 1);
                    w.next().op(WriteOp.PUT).table(existing).putKey(b("d"), 0, 1).putValue(b("2"), 0, 1);
                }))),
            new Case("create a table that exists", ErrorCode.TABLE_EXISTS, existing, () -> client.createTable(existing)),
            new Case("create a table with an invalid name", ErrorCode.INVALID_ARGUMENT, "bad name!",
                () -> client.createTable("bad name!")),
            new Case("negative batch window", ErrorCode.INVALID_ARGUMENT, "batch window",
                () -> client.setBatchWindow(-5)),
            new Case("read version with a negative index", ErrorCode.INVALID_ARGUMENT, "index",
                () -> raw(client, commit(existing, 0, 5, -3, b("k")))),
            new Case("snapshot epoch that is not applied yet", ErrorCode.INVALID_ARGUMENT, "snapshot epoch",
                () -> raw(client, commit(existing, Long.MAX_VALUE / 2, 0, 0, b("k")))),
            new Case("a transaction that reads and writes nothing", ErrorCode.INVALID_ARGUMENT, "reads and writes nothing",
                () -> raw(client, shaped(existing, (e) ->
                {
                    e.readsCount(0);
                    e.rangesCount(0);
                    e.writesCount(0);
                }))),
            new Case("empty key", ErrorCode.INVALID_ARGUMENT, "empty key",
                () -> raw(client, commit(existing, 0, 0, 0, new byte[0]))),
            new Case("frame shorter than a message header", ErrorCode.MALFORMED_MESSAGE, "header",
                () -> raw(client, new byte[] {1, 2, 3})),
            new Case("unknown template id", ErrorCode.UNKNOWN_TEMPLATE, "template",
                () -> raw(client, withHeaderField(commit(existing, 0, 0, 0, b("k")), 2, 999))),
            new Case("another schema's id", ErrorCode.UNSUPPORTED_SCHEMA, "schema",
                () -> raw(client, withHeaderField(commit(existing, 0, 0, 0, b("k")), 4, 4242))),
            new Case("group count past the end of the frame", ErrorCode.MALFORMED_MESSAGE, "",
                () -> raw(client, Arrays.copyOf(commit(existing, 0, 0, 0, b("k")), 60))));
        final List<Result> results = new ArrayList<>();
        for (final Case c : cases)
        {
            results.add(runCase(c));
        }
        return results;
    }

    private static Result runCase(final Case c)
    {
        try
        {
            final Object reply = c.request().get().get(30, TimeUnit.SECONDS);
            if (reply instanceof RawReply raw)
            {
                return check(c, raw.errorCode(), raw.message());
            }
            return new Result(c.name(), c.code(), false, "accepted: " + reply);
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            if (ex.getCause() instanceof RejectedException rejected)
            {
                return check(c, rejected.code(), rejected.getMessage());
            }
            return new Result(c.name(), c.code(), false, "failed with " + ex.getCause());
        }
        catch (final Exception ex)
        {
            return new Result(c.name(), c.code(), false, "failed with " + ex);
        }
    }

    private static Result check(final Case c, final ErrorCode code, final String message)
    {
        final boolean ok = code == c.code() && message != null &&
            message.toLowerCase().contains(c.mentions().toLowerCase());
        return new Result(c.name(), c.code(), ok, code + ": " + message);
    }

    private static CompletableFuture<?> tx(final StardustClient client, final Consumer<Transaction> body)
    {
        final Transaction tx = client.begin();
        body.accept(tx);
        return tx.commit();
    }

    /** Send a frame as it is; the server answers with the correlation id it can read from it, else -1. */
    private static CompletableFuture<?> raw(final StardustClient client, final byte[] frame)
    {
        final boolean readable = frame.length >= 16 && frame[4] == (byte)MessageHeaderEncoder.SCHEMA_ID &&
            frame[5] == (byte)(MessageHeaderEncoder.SCHEMA_ID >>> 8);
        return client.sendRawIngress(frame, readable ?
            java.nio.ByteBuffer.wrap(frame, 8, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong() : -1);
    }

    /** A commit frame (correlation id 9,000,000 + its length) with one read of {@code key} and one write. */
    private static byte[] commit(final String table, final long snapshotEpoch, final long versionEpoch,
        final int versionIndex, final byte[] key)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final CommitRequestEncoder e = new CommitRequestEncoder().wrapAndApplyHeader(buffer, 0,
            new MessageHeaderEncoder()).txnId(System.nanoTime()).catalogVersion(0)
            .snapshotEpoch(snapshotEpoch).resend(BooleanType.FALSE);
        e.readsCount(1).next().versionEpoch(versionEpoch).versionIndex(versionIndex).table(table)
            .putKey(key, 0, key.length);
        e.rangesCount(0);
        e.writesCount(1).next().op(WriteOp.PUT).table(table).putKey(key, 0, key.length).putValue(b("v"), 0, 1);
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        e.correlationId(9_000_000 + length);
        return Arrays.copyOf(buffer.byteArray(), length);
    }

    /** A commit frame at snapshot 0 whose groups {@code groups} writes (correlation id 8,000,000 + its length). */
    private static byte[] shaped(final String table, final Consumer<CommitRequestEncoder> groups)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final CommitRequestEncoder e = new CommitRequestEncoder().wrapAndApplyHeader(buffer, 0,
            new MessageHeaderEncoder()).txnId(System.nanoTime()).catalogVersion(0).snapshotEpoch(0)
            .resend(BooleanType.FALSE);
        groups.accept(e);
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        e.correlationId(8_000_000 + length);
        return Arrays.copyOf(buffer.byteArray(), length);
    }

    private static byte[] withHeaderField(final byte[] frame, final int offset, final int value)
    {
        final byte[] f = frame.clone();
        f[offset] = (byte)value;
        f[offset + 1] = (byte)(value >>> 8);
        return f;
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
