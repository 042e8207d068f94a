package io.stardust.client;

import io.stardust.protocol.Versions;
import io.stardust.protocol.codecs.BooleanType;
import io.stardust.protocol.codecs.CommitRequestEncoder;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.WriteOp;
import org.agrona.ExpandableArrayBuffer;

import java.util.Arrays;
import java.util.List;

/**
 * A transaction whose reads were made elsewhere (a SQL gateway reads its member's storage at a snapshot): what it read
 * with the versions seen, the ranges it scanned, and what it writes. {@link StardustClient#commit(CommitRecord)}
 * sends it as one commit record; the cluster validates it at its log position like any transaction.
 *
 * @param catalogVersion the catalog version it was planned against (0: do not check).
 * @param snapshotEpoch  the epoch its reads were served at.
 * @param reads          point reads, each key once per table.
 * @param ranges         scanned ranges.
 * @param writes         writes, each key once per table.
 */
public record CommitRecord(long catalogVersion, long snapshotEpoch, List<Read> reads, List<Range> ranges,
    List<Write> writes)
{
    /**
     * @param table   the table or index.
     * @param key     the key.
     * @param version the version seen, packed as {@link Versions#pack} does (0 when absent).
     */
    public record Read(String table, byte[] key, long version)
    {
    }

    /**
     * @param table the table or index.
     * @param start inclusive start.
     * @param end   exclusive end; empty for no bound.
     */
    public record Range(String table, byte[] start, byte[] end)
    {
    }

    /**
     * @param table the table or index.
     * @param key   the key.
     * @param value the value, or null for a delete.
     */
    public record Write(String table, byte[] key, byte[] value)
    {
    }

    /**
     * @param correlationId the id its answer carries.
     * @param txnId         the transaction's id.
     * @param maxBytes      the largest record the client sends.
     * @return the CommitRequest frame.
     * @throws RejectedException when it is larger than that, or has more than 65,535 reads, ranges or writes.
     */
    byte[] encode(final long correlationId, final long txnId, final int maxBytes)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final CommitRequestEncoder encoder = new CommitRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId)
            .txnId(txnId)
            .catalogVersion(catalogVersion)
            .snapshotEpoch(snapshotEpoch)
            .resend(BooleanType.FALSE);
        final CommitRequestEncoder.ReadsEncoder readsEncoder = encoder.readsCount(count(reads.size(), "reads"));
        for (final Read r : reads)
        {
            readsEncoder.next()
                .versionEpoch(Versions.epoch(r.version()))
                .versionIndex(Versions.index(r.version()))
                .table(r.table())
                .putKey(r.key(), 0, r.key().length);
        }
        final CommitRequestEncoder.RangesEncoder rangesEncoder = encoder.rangesCount(count(ranges.size(), "ranges"));
        for (final Range r : ranges)
        {
            rangesEncoder.next()
                .table(r.table())
                .putStartKey(r.start(), 0, r.start().length)
                .putEndKey(r.end(), 0, r.end().length);
        }
        final CommitRequestEncoder.WritesEncoder writesEncoder = encoder.writesCount(count(writes.size(), "writes"));
        for (final Write w : writes)
        {
            final byte[] value = w.value() == null ? new byte[0] : w.value();
            writesEncoder.next()
                .op(w.value() == null ? WriteOp.DELETE : WriteOp.PUT)
                .table(w.table())
                .putKey(w.key(), 0, w.key().length)
                .putValue(value, 0, value.length);
        }
        encoder.opsCount(0);
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        if (length > maxBytes)
        {
            throw new RejectedException(ErrorCode.TXN_TOO_LARGE, "transaction of " + length +
                " bytes exceeds the client's limit of " + maxBytes + " bytes");
        }
        return Arrays.copyOf(buffer.byteArray(), length);
    }

    private static int count(final int n, final String what)
    {
        if (n > 65_535)
        {
            throw new RejectedException(ErrorCode.TXN_TOO_LARGE, "transaction has " + n + " " + what +
                "; at most 65535");
        }
        return n;
    }
}
