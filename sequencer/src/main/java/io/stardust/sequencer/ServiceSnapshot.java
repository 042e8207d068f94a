package io.stardust.sequencer;

import io.stardust.catalog.Catalog;
import io.stardust.catalog.CatalogCodec;
import io.stardust.scheduler.OneShotEffect;
import io.stardust.scheduler.Outcome;
import io.stardust.scheduler.TxnRecord;

import io.aeron.Image;
import io.stardust.protocol.codecs.MessageHeaderDecoder;
import org.agrona.concurrent.IdleStrategy;

import java.util.ArrayList;
import java.util.List;

/**
 * The service's replicated state as a byte stream: the replicated settings, counters, digest chain, catalog, the dedup
 * window, remembered control requests, the open epoch (its timer is in the consensus module's own snapshot), and the
 * name of the {@link RowCheckpoint} file that holds the rows (or the rows inline). Closed by a CRC-32.
 */
final class ServiceSnapshot
{
    /**
     * Format 8: format 7 with procedure calls: an open transaction's call, and a remembered one-shot decision's abort
     * reason and message.
     */
    private static final int MAGIC = 0x53445338;
    /**
     * Format 7: format 6 with one-shot transactions: the ops of open transactions, and each remembered one-shot
     * decision's failed op and results.
     */
    private static final int MAGIC_V7 = 0x53445337;
    /** Format 6: format 5 with the whole catalog (columns, keys, indexes, dropped names) in its own binary form. */
    private static final int MAGIC_V6 = 0x53445336;
    /** Format 5: format 4 plus the admission rate and its token bucket, after the remembered control requests. */
    private static final int MAGIC_V5 = 0x53445335;
    /**
     * Format 4: the last epoch and digest right after the rows file; the whole {@link ReplicatedSettings} and whether
     * the log set them; remembered control requests.
     */
    private static final int MAGIC_V4 = 0x53445334;
    /** Format 3: format 2 with the rows in a {@link RowCheckpoint} file named after the magic (or inline). */
    private static final int MAGIC_V3 = 0x53445333;
    /** Format 2: format 1 plus the open epoch's deadline. */
    private static final int MAGIC_V2 = 0x53445332;
    private static final int MAGIC_V1 = 0x53445331;

    private ServiceSnapshot()
    {
    }

    /**
     * Load a snapshot into a freshly reset service, after checking its checksum.
     *
     * @param stream bytes written by {@link #write}.
     * @param s      the service.
     * @throws IllegalStateException naming what is wrong when the snapshot is corrupt or truncated.
     */
    static void decode(final byte[] stream, final StardustService s)
    {
        checkCrc(stream, s.memberId());
        try (java.io.DataInputStream in = new java.io.DataInputStream(
            new java.io.ByteArrayInputStream(stream, 0, stream.length - 8)))
        {
            read(in, s);
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException("member " + s.memberId() + ": snapshot is corrupt: " + ex, ex);
        }
    }

    /**
     * @param stream   bytes written by {@link #write}.
     * @param memberId for the error message.
     * @throws IllegalStateException when the trailing CRC-32 does not match the bytes before it.
     */
    static void checkCrc(final byte[] stream, final int memberId)
    {
        if (stream.length < 8)
        {
            throw new IllegalStateException("member " + memberId + ": snapshot of " + stream.length +
                " bytes is too short to hold its checksum");
        }
        final java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(stream, 0, stream.length - 8);
        final long stored = java.nio.ByteBuffer.wrap(stream, stream.length - 8, 8).getLong();
        if (stored != crc.getValue())
        {
            throw new IllegalStateException("member " + memberId + ": snapshot checksum mismatch (stored " +
                Long.toHexString(stored) + ", computed " + Long.toHexString(crc.getValue()) +
                "): the snapshot is corrupt; refusing to start from it");
        }
    }

    /** @return the row checkpoint a sound format-3 stream names, or "" (rows inline, or an older format). */
    static String rowsFile(final byte[] stream)
    {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(stream)))
        {
            final int magic = in.readInt();
            return magic == MAGIC || magic == MAGIC_V7 || magic == MAGIC_V6 || magic == MAGIC_V5 || magic == MAGIC_V4 || magic == MAGIC_V3 ? in.readUTF() : "";
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException("snapshot is corrupt: " + ex, ex);
        }
    }

    /** @return the last applied epoch a sound format-3 stream records. */
    static long lastEpoch(final byte[] stream)
    {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(stream)))
        {
            final int magic = in.readInt();
            in.readUTF();
            if (magic == MAGIC_V3)
            {
                // nextEpoch, batch window, epoch limits (2 ints), deadline, committed, aborted, then lastEpoch.
                in.skipNBytes(8 + 8 + 4 + 4 + 8 + 8 + 8);
            }
            return in.readLong();
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException("snapshot is corrupt: " + ex, ex);
        }
    }

    static void write(final java.io.DataOutputStream out, final StardustService s) throws java.io.IOException
    {
        write(out, s, "");
    }

    /**
     * @param rowsFile the row checkpoint the rows go to, or "" to write them here.
     */
    static void write(final java.io.DataOutputStream out, final StardustService s, final String rowsFile)
        throws java.io.IOException
    {
        out.writeInt(MAGIC);
        out.writeUTF(rowsFile);
        out.writeLong(s.scheduler.lastEpoch());
        out.writeLong(s.scheduler.lastDigest());
        out.writeLong(s.nextEpoch);
        s.settings.write(out);
        out.writeBoolean(s.settingsFromLog);
        out.writeBoolean(s.settingsOffered);
        out.writeLong(s.open.deadline);
        out.writeLong(s.committed);
        out.writeLong(s.aborted);

        writeBytes(out, CatalogCodec.encode(s.catalog));

        out.writeInt(s.decided.size());
        final java.io.IOException[] failed = {null};
        s.decided.forEach((txnId, epoch, index, outcome, effect) ->
        {
            try
            {
                out.writeLong(txnId);
                out.writeLong(epoch);
                out.writeInt(index);
                writeOutcome(out, outcome);
                writeEffect(out, effect);
            }
            catch (final java.io.IOException ex)
            {
                failed[0] = ex;
            }
        });
        if (failed[0] != null)
        {
            throw failed[0];
        }

        s.controlRequests.write(out);
        s.admission.write(out);
        out.writeInt(s.open.bytes);
        out.writeInt(s.open.txns.size());
        for (int i = 0; i < s.open.txns.size(); i++)
        {
            writeTxn(out, s.open.txns.get(i));
            final OpenEpoch.PendingReply r = s.open.replies.get(i);
            out.writeLong(r.sessionId());
            out.writeLong(r.correlationId());
        }
        out.writeInt(s.open.retries.size());
        for (final OpenEpoch.PendingReply r : s.open.retries)
        {
            out.writeLong(r.sessionId());
            out.writeLong(r.correlationId());
            out.writeLong(r.txnId());
        }

        for (final Catalog.Relation t : rowsFile.isEmpty() ? s.catalog.relations() : List.<Catalog.Relation>of())
        {
            final long[] count = {s.storage().size(t.id())};
            out.writeLong(count[0]);
            final java.io.IOException[] failure = {null};
            s.storage().forEachEncoded(t.id(), (key, row) ->
            {
                try
                {
                    writeBytes(out, key);
                    writeBytes(out, row);
                    count[0]--;
                }
                catch (final java.io.IOException ex)
                {
                    failure[0] = ex;
                }
            });
            if (failure[0] != null)
            {
                throw failure[0];
            }
            if (count[0] != 0)
            {
                throw new IllegalStateException("table '" + t.name() + "' changed while being snapshotted");
            }
        }
        out.writeInt(MAGIC);
    }

    static void read(final java.io.DataInputStream in, final StardustService s) throws java.io.IOException
    {
        final int magic = in.readInt();
        if (magic != MAGIC && magic != MAGIC_V7 && magic != MAGIC_V6 && magic != MAGIC_V5 && magic != MAGIC_V4 && magic != MAGIC_V3 && magic != MAGIC_V2 && magic != MAGIC_V1)
        {
            throw new java.io.IOException("not a Stardust service snapshot (bad magic)");
        }
        final String rowsFile = magic == MAGIC || magic == MAGIC_V7 || magic == MAGIC_V6 || magic == MAGIC_V5 || magic == MAGIC_V4 || magic == MAGIC_V3 ? in.readUTF() : "";
        final long lastEpoch;
        final long lastDigest;
        if (magic == MAGIC || magic == MAGIC_V7 || magic == MAGIC_V6 || magic == MAGIC_V5 || magic == MAGIC_V4)
        {
            lastEpoch = in.readLong();
            lastDigest = in.readLong();
            s.nextEpoch = in.readLong();
            s.settings = ReplicatedSettings.read(in);
            s.settingsFromLog = in.readBoolean();
            s.settingsOffered = in.readBoolean();
            s.open.deadline = in.readLong();
            s.committed = in.readLong();
            s.aborted = in.readLong();
        }
        else
        {
            // Older formats held only the batch window and epoch limits: the rest are the defaults, and the
            // leader appends its settings record (the log has none).
            s.nextEpoch = in.readLong();
            final long window = in.readLong();
            s.settings = ReplicatedSettings.DEFAULTS.withBatchWindow(window)
                .withEpochLimits(in.readInt(), in.readInt());
            s.settingsFromLog = false;
            // Format 1 had no deadline: its open epoch is closed by its timer, which is in the log.
            s.open.deadline = magic != MAGIC_V1 ? in.readLong() : Long.MAX_VALUE;
            s.committed = in.readLong();
            s.aborted = in.readLong();
            lastEpoch = in.readLong();
            lastDigest = in.readLong();
        }
        s.scheduler.restore(lastEpoch, lastDigest);
        s.digests.record(lastEpoch, lastDigest);
        s.decided = new DecisionWindow(s.settings.dedupWindowTransactions());

        if (magic == MAGIC || magic == MAGIC_V7 || magic == MAGIC_V6)
        {
            final byte[] catalog = readBytes(in);
            s.catalog = CatalogCodec.decodeCatalog(catalog, 0, catalog.length);
        }
        else
        {
            // Formats before 6 knew only key-value tables, by name.
            final long catalogVersion = in.readLong();
            final int tableCount = in.readInt();
            final List<String> names = new ArrayList<>();
            final List<Long> created = new ArrayList<>();
            for (int i = 0; i < tableCount; i++)
            {
                names.add(in.readUTF());
                created.add(in.readLong());
            }
            s.catalog = Catalog.ofKeyValueTables(catalogVersion, names, created);
        }
        for (final Catalog.Relation r : s.catalog.relations())
        {
            s.storage().createTable(r.id(), r.name());
        }
        s.loadProcedures();

        final int decidedCount = in.readInt();
        for (int i = 0; i < decidedCount; i++)
        {
            final long txnId = in.readLong();
            final long epoch = in.readLong();
            final int index = in.readInt();
            final Outcome outcome = readOutcome(in);
            s.decided.put(txnId, epoch, index, outcome,
                magic == MAGIC || magic == MAGIC_V7 ? readEffect(in, magic == MAGIC) : null);
        }

        if (magic == MAGIC || magic == MAGIC_V7 || magic == MAGIC_V6 || magic == MAGIC_V5 || magic == MAGIC_V4)
        {
            s.controlRequests.read(in);
        }
        if (magic == MAGIC || magic == MAGIC_V7 || magic == MAGIC_V6 || magic == MAGIC_V5)
        {
            s.admission.read(in);
        }
        s.open.bytes = in.readInt();
        final int openCount = in.readInt();
        for (int i = 0; i < openCount; i++)
        {
            final TxnRecord txn = readTxn(in, magic == MAGIC || magic == MAGIC_V7, magic == MAGIC);
            s.open.txns.add(txn);
            s.open.replies.add(new OpenEpoch.PendingReply(in.readLong(), in.readLong(), txn.txnId()));
        }
        final int retries = in.readInt();
        for (int i = 0; i < retries; i++)
        {
            s.open.retries.add(new OpenEpoch.PendingReply(in.readLong(), in.readLong(), in.readLong()));
        }

        if (!rowsFile.isEmpty())
        {
            if (s.config().checkpointDirectory() == null)
            {
                throw new java.io.IOException("rows are in " + rowsFile + " but no checkpoint directory is set");
            }
            RowCheckpoint.load(new java.io.File(s.config().checkpointDirectory(), rowsFile), lastEpoch, s.storage());
        }
        for (final Catalog.Relation t : rowsFile.isEmpty() ? s.catalog.relations() : List.<Catalog.Relation>of())
        {
            final long rows = in.readLong();
            for (long r = 0; r < rows; r++)
            {
                s.storage().loadEncoded(t.id(), readBytes(in), readBytes(in));
            }
        }
        s.storage().restoredTo(lastEpoch);
        if (in.readInt() != magic)
        {
            throw new java.io.IOException("snapshot does not end where its contents say (bad trailer)");
        }
    }

    private static void writeOutcome(final java.io.DataOutputStream out, final Outcome o)
        throws java.io.IOException
    {
        out.writeByte(o.reason().ordinal());
        out.writeInt(o.conflictTable());
        writeBytes(out, o.conflictKey() == null ? new byte[0] : o.conflictKey());
    }

    private static Outcome readOutcome(final java.io.DataInputStream in) throws java.io.IOException
    {
        final io.stardust.scheduler.AbortReason reason = io.stardust.scheduler.AbortReason.values()[in.readByte()];
        final int table = in.readInt();
        final byte[] key = readBytes(in);
        return reason == io.stardust.scheduler.AbortReason.NONE ? Outcome.COMMITTED :
            new Outcome(reason, table, key);
    }

    private static void writeTxn(final java.io.DataOutputStream out, final TxnRecord txn)
        throws java.io.IOException
    {
        out.writeLong(txn.txnId());
        out.writeLong(txn.snapshotEpoch());
        out.writeInt(txn.reads().length);
        for (final TxnRecord.Read r : txn.reads())
        {
            out.writeInt(r.tableId());
            writeBytes(out, r.key());
            out.writeLong(r.version());
        }
        out.writeInt(txn.ranges().length);
        for (final TxnRecord.Range r : txn.ranges())
        {
            out.writeInt(r.tableId());
            writeBytes(out, r.start());
            writeBytes(out, r.end());
        }
        out.writeInt(txn.writes().length);
        for (final TxnRecord.Write w : txn.writes())
        {
            out.writeInt(w.tableId());
            writeBytes(out, w.key());
            out.writeBoolean(w.delete());
            writeBytes(out, w.value());
        }
        out.writeInt(txn.ops().length);
        for (final TxnRecord.Op op : txn.ops())
        {
            out.writeByte(op.kind().ordinal());
            out.writeInt(op.tableId());
            writeBytes(out, op.key());
            writeBytes(out, op.value());
            out.writeLong(op.delta());
            out.writeLong(op.min());
            out.writeLong(op.max());
        }
        out.writeBoolean(txn.call() != null);
        if (txn.call() != null)
        {
            out.writeUTF(txn.call().procedure());
            out.writeInt(txn.call().version());
            writeBytes(out, txn.call().args());
        }
    }

    /** A one-shot decision's failed op and results: -2 for none (a validated transaction's). */
    private static void writeEffect(final java.io.DataOutputStream out, final OneShotEffect effect)
        throws java.io.IOException
    {
        if (effect == null)
        {
            out.writeInt(-2);
            return;
        }
        out.writeInt(effect.failedOp());
        out.writeByte(effect.reason().ordinal());
        out.writeUTF(effect.message());
        final byte[][] results = effect.results();
        out.writeInt(results == null ? -1 : results.length);
        for (final byte[] r : results == null ? new byte[0][] : results)
        {
            out.writeBoolean(r != null);
            if (r != null)
            {
                writeBytes(out, r);
            }
        }
    }

    private static OneShotEffect readEffect(final java.io.DataInputStream in, final boolean withReason)
        throws java.io.IOException
    {
        final int failedOp = in.readInt();
        if (failedOp == -2)
        {
            return null;
        }
        io.stardust.scheduler.AbortReason reason = failedOp < 0 ? io.stardust.scheduler.AbortReason.NONE :
            io.stardust.scheduler.AbortReason.CONDITION_FAILED;
        String message = "";
        if (withReason)
        {
            final int code = in.readByte();
            if (code < 0 || code >= io.stardust.scheduler.AbortReason.values().length)
            {
                throw new java.io.IOException("snapshot holds a one-shot decision with abort reason " + code);
            }
            reason = io.stardust.scheduler.AbortReason.values()[code];
            message = in.readUTF();
        }
        final int count = in.readInt();
        if (count < -1 || count > 1 << 20)
        {
            throw new java.io.IOException("snapshot holds a one-shot decision with " + count + " results");
        }
        final byte[][] results = count < 0 ? null : new byte[count][];
        for (int i = 0; i < count; i++)
        {
            results[i] = in.readBoolean() ? readBytes(in) : null;
        }
        return OneShotEffect.withoutWrites(failedOp, results, reason, message);
    }

    private static TxnRecord readTxn(final java.io.DataInputStream in, final boolean withOps,
        final boolean withCall)
        throws java.io.IOException
    {
        final long txnId = in.readLong();
        final long snapshotEpoch = in.readLong();
        final TxnRecord.Read[] reads = new TxnRecord.Read[in.readInt()];
        for (int i = 0; i < reads.length; i++)
        {
            reads[i] = new TxnRecord.Read(in.readInt(), readBytes(in), in.readLong());
        }
        final TxnRecord.Range[] ranges = new TxnRecord.Range[in.readInt()];
        for (int i = 0; i < ranges.length; i++)
        {
            ranges[i] = new TxnRecord.Range(in.readInt(), readBytes(in), readBytes(in));
        }
        final TxnRecord.Write[] writes = new TxnRecord.Write[in.readInt()];
        for (int i = 0; i < writes.length; i++)
        {
            writes[i] = new TxnRecord.Write(in.readInt(), readBytes(in), in.readBoolean(), readBytes(in));
        }
        final TxnRecord.Op[] ops = new TxnRecord.Op[withOps ? in.readInt() : 0];
        for (int i = 0; i < ops.length; i++)
        {
            final int kind = in.readByte();
            if (kind < 0 || kind >= TxnRecord.OpKind.values().length)
            {
                throw new java.io.IOException("snapshot holds a one-shot op of unknown kind " + kind);
            }
            ops[i] = new TxnRecord.Op(TxnRecord.OpKind.values()[kind], in.readInt(), readBytes(in), readBytes(in),
                in.readLong(), in.readLong(), in.readLong());
        }
        TxnRecord.Call call = null;
        if (withCall && in.readBoolean())
        {
            final String procedure = in.readUTF();
            final int version = in.readInt();
            final byte[] args = readBytes(in);
            try
            {
                call = new TxnRecord.Call(procedure, version, args, io.stardust.procedure.ProcedureArgs.decode(args));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new java.io.IOException("snapshot holds a call of " + procedure + " with malformed arguments: " +
                    ex.getMessage());
            }
        }
        return new TxnRecord(txnId, snapshotEpoch, reads, ranges, writes, ops, call);
    }

    private static void writeBytes(final java.io.DataOutputStream out, final byte[] bytes)
        throws java.io.IOException
    {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] readBytes(final java.io.DataInputStream in) throws java.io.IOException
    {
        final int length = in.readInt();
        if (length < 0 || length > 64 * 1024 * 1024)
        {
            throw new java.io.IOException("snapshot field length " + length + " is impossible");
        }
        final byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }

    /**
     * Read a service snapshot and check its framing and checksum without loading it: a member checks its latest
     * snapshot this way before it starts, and falls back to an older one when this throws.
     *
     * @param image    the snapshot recording's replay.
     * @param idle     how to wait for more of it.
     * @param memberId for error messages.
     * @return the snapshot's size in bytes.
     * @throws IllegalStateException naming what is wrong when the snapshot is corrupt or truncated.
     */
    public static long verifySnapshot(
        final Image image, final IdleStrategy idle, final int memberId, final java.io.File checkpointDir)
    {
        final byte[] stream = readSnapshotStream(image, idle, memberId);
        ServiceSnapshot.checkCrc(stream, memberId);
        final String rowsFile = ServiceSnapshot.rowsFile(stream);
        if (!rowsFile.isEmpty())
        {
            RowCheckpoint.verify(new java.io.File(checkpointDir, rowsFile), ServiceSnapshot.lastEpoch(stream));
        }
        return stream.length;
    }

    /** Reassemble a snapshot's chunks, in order, up to the one marked last. */
    static byte[] readSnapshotStream(final Image image, final IdleStrategy idle, final int memberId)
    {
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(1 << 16);
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final io.stardust.protocol.codecs.SnapshotChunkDecoder chunk =
            new io.stardust.protocol.codecs.SnapshotChunkDecoder();
        final boolean[] done = {false};
        final int[] expected = {0};
        final io.aeron.FragmentAssembler assembler = new io.aeron.FragmentAssembler((buffer, offset, length, h) ->
        {
            header.wrap(buffer, offset);
            if (header.schemaId() != MessageHeaderDecoder.SCHEMA_ID)
            {
                // Aeron's own snapshot markers around the service's part (read as a whole recording).
                return;
            }
            if (header.templateId() != io.stardust.protocol.codecs.SnapshotChunkDecoder.TEMPLATE_ID)
            {
                throw new IllegalStateException("member " + memberId + ": snapshot holds template " +
                    header.templateId() + ", not a snapshot chunk");
            }
            chunk.wrapAndApplyHeader(buffer, offset, header);
            if (chunk.sequence() != expected[0]++)
            {
                throw new IllegalStateException("member " + memberId + ": snapshot chunk " + chunk.sequence() +
                    " out of order (expected " + (expected[0] - 1) + ")");
            }
            final boolean last = chunk.last() == io.stardust.protocol.codecs.BooleanType.TRUE;
            final byte[] payload = new byte[chunk.payloadLength()];
            chunk.getPayload(payload, 0, payload.length);
            bytes.write(payload, 0, payload.length);
            done[0] = last;
        });
        idle.reset();
        while (!done[0])
        {
            if (image.poll(assembler, 16) == 0)
            {
                if (image.isEndOfStream() || image.isClosed())
                {
                    throw new IllegalStateException("member " + memberId + ": snapshot ended after " + expected[0] +
                        " chunks without its last one (truncated snapshot)");
                }
                idle.idle();
            }
        }
        return bytes.toByteArray();
    }
}
