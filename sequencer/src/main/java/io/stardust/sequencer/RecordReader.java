package io.stardust.sequencer;

import io.stardust.protocol.FrameBounds;
import io.stardust.protocol.Versions;
import io.stardust.protocol.codecs.BooleanType;
import io.stardust.protocol.codecs.ClusterSettingsDecoder;
import io.stardust.protocol.codecs.CommitBatchDecoder;
import io.stardust.protocol.codecs.CommitRequestDecoder;
import io.stardust.protocol.codecs.CreateTableDecoder;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.protocol.codecs.MessageHeaderDecoder;
import io.stardust.protocol.codecs.OpKind;
import io.stardust.protocol.codecs.SetBatchWindowDecoder;
import io.stardust.protocol.codecs.SetEpochLimitsDecoder;
import io.stardust.protocol.codecs.WriteOp;
import io.stardust.catalog.Catalog;
import io.stardust.catalog.CatalogCodec;
import io.stardust.catalog.RowChecks;
import io.stardust.catalog.SchemaChange;
import io.stardust.scheduler.TxnRecord;
import io.stardust.storage.KeyBytes;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;

/**
 * The one place where a record taken from the log is read and checked, completely, before anything of it joins an
 * epoch or changes state. What passes is appliable on every replica: sizes are within the replicated limits (which
 * are within what storage holds), ranges are ordered, read versions are possible at the record's snapshot, and no key
 * appears twice in a read or write set. What fails throws {@link RequestException} naming the field; nothing was
 * applied. Decisions that depend on replicated state that changes as records are applied (exactly-once lookups, a
 * table name already taken) are left to the service, which applies records in log order.
 * <p>
 * New record types (SQL's, the resource controller's) add a case to {@link #read} and a {@link Record} type here.
 * Not thread safe: one per service, used on the service thread. Not final only so that tests can plant a fault (a
 * subclass that skips one check) and show that the conformance suite's fuzzer finds it.
 */
class RecordReader
{
    /** What a checked frame asks for. */
    sealed interface Record permits Commit, Batch, Nudge, SetBatchWindow, SetEpochLimits, CreateTable, Schema, Settings,
        SetAdmission
    {
    }

    /**
     * A checked transaction.
     *
     * @param correlationId the client's id for the reply.
     * @param txn           the transaction, table names resolved to ids.
     * @param mayRepeat     the client marked it as sent again: look its id up among recent decisions.
     * @param length        bytes of the record.
     * @param changedTable  the first table created after the catalog version the client planned against, or null.
     */
    record Commit(long correlationId, TxnRecord txn, boolean mayRepeat, int length, String changedTable)
        implements Record
    {
    }

    /** An epoch nudge: its log time may close the open epoch; it carries nothing else. */
    record Nudge() implements Record
    {
    }

    /** A batch of commit records whose framing was checked as a whole; each record is read on its own. */
    record Batch(UnsafeBuffer frame, int[] offsets, int[] lengths) implements Record
    {
    }

    record SetBatchWindow(long correlationId, long requestId, long micros) implements Record
    {
    }

    record SetAdmission(long correlationId, long requestId, long ratePerSecond, int burst) implements Record
    {
    }

    record SetEpochLimits(long correlationId, long requestId, int maxTransactions, int maxBytes) implements Record
    {
    }

    /** A table to create; the name is well formed, but whether it is taken is the service's question. */
    record CreateTable(long correlationId, long requestId, String name) implements Record
    {
    }

    /** A schema change, decoded whole; whether the catalog accepts it is the service's to decide, in log order. */
    record Schema(long correlationId, long requestId, SchemaChange change) implements Record
    {
    }

    /** Settings, checked as a whole. {@code initial} ones come only from the leader's own service. */
    record Settings(long correlationId, long requestId, boolean initial, ReplicatedSettings settings)
        implements Record
    {
    }

    /** Bytes of a table name at most. */
    static final int MAX_TABLE_NAME_BYTES = 64;

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final CommitRequestDecoder commit = new CommitRequestDecoder();
    private final CommitBatchDecoder batch = new CommitBatchDecoder();
    private final SetBatchWindowDecoder batchWindow = new SetBatchWindowDecoder();
    private final SetEpochLimitsDecoder epochLimits = new SetEpochLimitsDecoder();
    private final io.stardust.protocol.codecs.SetAdmissionDecoder admission =
        new io.stardust.protocol.codecs.SetAdmissionDecoder();
    private final CreateTableDecoder createTable = new CreateTableDecoder();
    private final ClusterSettingsDecoder settings = new ClusterSettingsDecoder();
    private final UnsafeBuffer nameView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer lastTableName = new UnsafeBuffer(new byte[0]);
    private final Set<KeyBytes> seenKeys = new HashSet<>();
    /** Largest arguments of one procedure call, in bytes. */
    static final int MAX_CALL_ARGS_BYTES = 64 * 1024;
    private io.stardust.scheduler.Procedures procedures;
    private final io.stardust.protocol.codecs.SchemaChangeDecoder schemaChange =
        new io.stardust.protocol.codecs.SchemaChangeDecoder();
    /** Largest schema change: a table of the most columns with long names. */
    static final int MAX_SCHEMA_CHANGE_BYTES = 256 * 1024;
    private Catalog.Relation lastTable;
    private Catalog lastTableCatalog;
    private UnsafeBuffer view;
    private long correlationId;

    /**
     * Read and check one frame.
     *
     * @param frame           a view bounded to the frame: nothing outside it is read.
     * @param fromService     the frame was appended by the cluster's own service, not a client.
     * @param inBatch         the frame is one record of a {@code CommitBatch}.
     * @param current         the replicated settings in force.
     * @param catalog         the catalog in force.
     * @param lastClosedEpoch the last epoch closed (applied) when the record is sequenced.
     * @return the record.
     * @throws RequestException naming what is wrong; {@link #correlationId()} then addresses the error.
     */
    Record read(
        final UnsafeBuffer frame,
        final boolean fromService,
        final boolean inBatch,
        final ReplicatedSettings current,
        final Catalog catalog,
        final long lastClosedEpoch)
    {
        view = frame;
        correlationId = -1;
        final int length = frame.capacity();
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            throw new RequestException(ErrorCode.MALFORMED_MESSAGE, "frame of " + length +
                " bytes is shorter than the " + MessageHeaderDecoder.ENCODED_LENGTH + "-byte message header");
        }
        header.wrap(frame, 0);
        if (header.schemaId() != MessageHeaderDecoder.SCHEMA_ID)
        {
            throw new RequestException(ErrorCode.UNSUPPORTED_SCHEMA, "schema id " + header.schemaId() +
                " is not Stardust's (" + MessageHeaderDecoder.SCHEMA_ID + ")");
        }
        final int templateId = header.templateId();
        if (templateId != CommitBatchDecoder.TEMPLATE_ID && length >= MessageHeaderDecoder.ENCODED_LENGTH + 8)
        {
            // Every request but a batch starts with its correlation id: use it to address errors.
            correlationId = frame.getLong(MessageHeaderDecoder.ENCODED_LENGTH, ByteOrder.LITTLE_ENDIAN);
        }
        if (inBatch && templateId != CommitRequestDecoder.TEMPLATE_ID)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT,
                "a CommitBatch holds only CommitRequests (template id 1), found template id " + templateId);
        }
        if (fromService != (templateId == ClusterSettingsDecoder.TEMPLATE_ID && isInitial()))
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, fromService ?
                "the service appends only initial ClusterSettings, found template id " + templateId :
                "initial ClusterSettings come only from the leader's service; send initial=FALSE to change them");
        }
        try
        {
            final Record record = switch (templateId)
            {
                case CommitRequestDecoder.TEMPLATE_ID -> readCommit(length, current, catalog, lastClosedEpoch);
                case CommitBatchDecoder.TEMPLATE_ID -> readBatch();
                case io.stardust.protocol.codecs.EpochNudgeDecoder.TEMPLATE_ID -> readNudge();
                case SetBatchWindowDecoder.TEMPLATE_ID -> readBatchWindow();
                case SetEpochLimitsDecoder.TEMPLATE_ID -> readEpochLimits();
                case CreateTableDecoder.TEMPLATE_ID -> readCreateTable();
                case io.stardust.protocol.codecs.SchemaChangeDecoder.TEMPLATE_ID -> readSchemaChange();
                case ClusterSettingsDecoder.TEMPLATE_ID -> readSettings();
                case io.stardust.protocol.codecs.SetAdmissionDecoder.TEMPLATE_ID -> readAdmission();
                default -> throw new RequestException(ErrorCode.UNKNOWN_TEMPLATE,
                    "template id " + templateId + " is not a request the cluster accepts (CommitRequest=1, " +
                    "CommitBatch=3, SetBatchWindow=20, SetEpochLimits=21, CreateTable=22, ClusterSettings=23, " +
                    "SetAdmission=24, SchemaChange=25, EpochNudge=26)");
            };
            return record;
        }
        catch (final IndexOutOfBoundsException | IllegalArgumentException | IllegalStateException ex)
        {
            // Bounds checks of the view: a field, group or var-data length pointed past the frame.
            throw new RequestException(ErrorCode.MALFORMED_MESSAGE,
                "malformed message of " + length + " bytes: " + ex.getMessage());
        }
    }

    private Record readNudge()
    {
        checkBlock(io.stardust.protocol.codecs.EpochNudgeDecoder.BLOCK_LENGTH, 0, 0);
        checkNoTrailingBytes(MessageHeaderDecoder.ENCODED_LENGTH + header.blockLength());
        return NUDGE;
    }

    private static final Nudge NUDGE = new Nudge();

    /** @return the correlation id of the frame last read, or -1 where it has none: where its error goes. */
    long correlationId()
    {
        return correlationId;
    }

    private boolean isInitial()
    {
        return header.templateId() == ClusterSettingsDecoder.TEMPLATE_ID &&
            view.capacity() >= MessageHeaderDecoder.ENCODED_LENGTH + ClusterSettingsDecoder.BLOCK_LENGTH &&
            view.getByte(MessageHeaderDecoder.ENCODED_LENGTH + ClusterSettingsDecoder.initialEncodingOffset()) ==
            BooleanType.TRUE.value();
    }

    /** The fixed block must hold every field of the version it claims, so no field is read out of var data. */
    private void checkBlock(final int fullLength, final int newestFieldsSince, final int newestFieldsLength)
    {
        final int needed = header.version() >= newestFieldsSince ? fullLength : fullLength - newestFieldsLength;
        if (header.blockLength() < needed)
        {
            throw new RequestException(ErrorCode.MALFORMED_MESSAGE, "template " + header.templateId() +
                " version " + header.version() + " has a block of " + header.blockLength() + " bytes; it needs " +
                needed);
        }
    }

    private void checkNoTrailingBytes(final int limit)
    {
        if (limit != view.capacity())
        {
            throw new RequestException(ErrorCode.MALFORMED_MESSAGE, "message ends at byte " + limit + " but its " +
                "frame holds " + view.capacity() + " bytes");
        }
    }

    private Record readBatch()
    {
        final UnsafeBuffer frame = view;
        batch.wrap(frame, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        final CommitBatchDecoder.RecordsDecoder records = batch.records();
        final int count = records.count();
        final int[] offsets = new int[count];
        final int[] lengths = new int[count];
        for (int i = 0; i < count; i++)
        {
            records.next();
            final int recordLength = records.recordLength();
            final int dataOffset = batch.limit() + 4;
            if (recordLength < 0 || dataOffset + recordLength > frame.capacity())
            {
                throw new RequestException(ErrorCode.MALFORMED_MESSAGE, "record " + i + " of a batch of " + count +
                    " runs past the end of the " + frame.capacity() + "-byte frame");
            }
            offsets[i] = dataOffset;
            lengths[i] = recordLength;
            records.skipRecord();
        }
        checkNoTrailingBytes(batch.limit());
        return new Batch(frame, offsets, lengths);
    }

    private Record readCommit(
        final int length, final ReplicatedSettings limits, final Catalog catalog, final long lastClosedEpoch)
    {
        if (length > limits.maxTransactionBytes())
        {
            throw new RequestException(ErrorCode.TXN_TOO_LARGE, "transaction of " + length +
                " bytes exceeds the limit of " + limits.maxTransactionBytes() + " bytes");
        }
        checkBlock(CommitRequestDecoder.BLOCK_LENGTH, 2, 1);
        commit.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        final long txnId = commit.txnId();
        // Version 1 clients do not mark resends: every frame of theirs may be one.
        final boolean mayRepeat = commit.resend() != BooleanType.FALSE;
        final long catalogVersion = commit.catalogVersion();
        if (catalogVersion < 0 || catalogVersion > catalog.version())
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "catalog version " + catalogVersion +
                " is not one the cluster has had (now " + catalog.version() + "; 0 skips the check)");
        }
        final long snapshotEpoch = commit.snapshotEpoch();
        if (snapshotEpoch < 0 || snapshotEpoch > lastClosedEpoch)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "snapshot epoch " + snapshotEpoch +
                " is not an applied epoch (last applied " + lastClosedEpoch + ")");
        }
        final SchemaCheck schema = new SchemaCheck(catalogVersion, catalog);
        seenKeys.clear();

        final CommitRequestDecoder.ReadsDecoder readsDecoder = commit.reads();
        int ops = checkOps(0, readsDecoder.count(), limits);
        checkGroupBlock(readsDecoder.actingBlockLength(), CommitRequestDecoder.ReadsDecoder.sbeBlockLength(), "reads");
        final TxnRecord.Read[] reads = new TxnRecord.Read[readsDecoder.count()];
        for (int i = 0; i < reads.length; i++)
        {
            readsDecoder.next();
            final long version = readVersion(i, readsDecoder.versionEpoch(), readsDecoder.versionIndex(),
                snapshotEpoch);
            readsDecoder.wrapTable(nameView);
            final int tableId = schema.resolve(table(catalog, schema));
            final byte[] key = key(readsDecoder.keyLength(), "read " + i, limits);
            readsDecoder.getKey(key, 0, key.length);
            once(tableId, key, "read", i);
            reads[i] = new TxnRecord.Read(tableId, key, version);
        }

        seenKeys.clear();
        final CommitRequestDecoder.RangesDecoder rangesDecoder = commit.ranges();
        ops = checkOps(ops, rangesDecoder.count(), limits);
        final int rangeCount = rangesDecoder.count();
        final java.util.List<TxnRecord.Range> ranges = new java.util.ArrayList<>(rangeCount);
        final Set<java.util.List<Object>> distinctRanges = rangeCount > 1 ? new HashSet<>() : null;
        for (int i = 0; i < rangeCount; i++)
        {
            rangesDecoder.next();
            rangesDecoder.wrapTable(nameView);
            final int tableId = schema.resolve(table(catalog, schema));
            final byte[] start = bound(rangesDecoder.startKeyLength(), "range " + i + " start", limits);
            rangesDecoder.getStartKey(start, 0, start.length);
            final byte[] end = bound(rangesDecoder.endKeyLength(), "range " + i + " end", limits);
            rangesDecoder.getEndKey(end, 0, end.length);
            checkRangeOrder(i, start, end);
            // A range named again adds nothing to validation but its cost (a scan of its keys): keep it once.
            if (distinctRanges == null || distinctRanges.add(
                java.util.List.of(tableId, java.nio.ByteBuffer.wrap(start), java.nio.ByteBuffer.wrap(end))))
            {
                ranges.add(new TxnRecord.Range(tableId, start, end));
            }
        }

        final CommitRequestDecoder.WritesDecoder writesDecoder = commit.writes();
        ops = checkOps(ops, writesDecoder.count(), limits);
        checkGroupBlock(writesDecoder.actingBlockLength(), CommitRequestDecoder.WritesDecoder.sbeBlockLength(), "writes");
        final TxnRecord.Write[] writes = new TxnRecord.Write[writesDecoder.count()];
        final Catalog.Relation[] relations = new Catalog.Relation[writes.length];
        for (int i = 0; i < writes.length; i++)
        {
            writesDecoder.next();
            final WriteOp op = writesDecoder.op();
            if (op != WriteOp.PUT && op != WriteOp.DELETE)
            {
                throw new RequestException(ErrorCode.MALFORMED_MESSAGE, "write " + i + " has unknown op " + op);
            }
            writesDecoder.wrapTable(nameView);
            final Catalog.Relation relation = table(catalog, schema);
            final int tableId = schema.resolve(relation);
            final byte[] key = key(writesDecoder.keyLength(), "write " + i, limits);
            writesDecoder.getKey(key, 0, key.length);
            once(tableId, key, "written", i);
            final int valueLength = writesDecoder.valueLength();
            if (op == WriteOp.DELETE && valueLength != 0)
            {
                throw new RequestException(ErrorCode.INVALID_ARGUMENT, "write " + i + " deletes its key but carries" +
                    " a value of " + (valueLength & 0xFFFF_FFFFL) + " bytes; a delete's value must be empty");
            }
            checkValueSize(i, valueLength, limits);
            final byte[] value = bytes(valueLength, "write " + i + " value");
            writesDecoder.getValue(value, 0, value.length);
            writes[i] = new TxnRecord.Write(tableId, key, op == WriteOp.DELETE, value);
            relations[i] = relation;
        }
        if (schema.changedTable == null)
        {
            // A record planned against an older catalog is aborted as such; its rows need no check.
            checkRows(catalog, relations, writes);
        }
        final TxnRecord.Op[] oneShotOps = readOps(ops, limits, catalog, schema);
        final TxnRecord.Call call = readCall(oneShotOps);
        if (oneShotOps.length > 0 || call != null)
        {
            if (writes.length > 0 || reads.length > 0 || !ranges.isEmpty())
            {
                throw new RequestException(ErrorCode.INVALID_ARGUMENT, "transaction " + txnId + " has " +
                    oneShotOps.length + " one-shot op(s) and also reads, ranges or writes; a one-shot transaction " +
                    "runs at its log position and has ops only");
            }
            checkNoTrailingBytes(commit.limit());
            return new Commit(correlationId, new TxnRecord(txnId, snapshotEpoch, reads,
                new TxnRecord.Range[0], writes, oneShotOps, call), mayRepeat, length, schema.changedTable);
        }
        if (writes.length == 0 && reads.length == 0 && ranges.isEmpty())
        {
            // Without writes a record is a strict read: validated at its log position. With nothing, it is nothing.
            throw new RequestException(ErrorCode.INVALID_ARGUMENT,
                "transaction " + txnId + " reads and writes nothing");
        }
        checkNoTrailingBytes(commit.limit());
        final TxnRecord txn =
            new TxnRecord(txnId, snapshotEpoch, reads, ranges.toArray(new TxnRecord.Range[0]), writes);
        return new Commit(correlationId, txn, mayRepeat,
            length, schema.changedTable);
    }

    /**
     * The one-shot ops (protocol version 7), each checked in full: a known kind, a key-value table, a key, a value
     * only where the kind takes one and within the value limit, and an ADD's bounds in order.
     */
    private TxnRecord.Op[] readOps(final int soFar, final ReplicatedSettings limits, final Catalog catalog,
        final SchemaCheck schema)
    {
        if (commit.limit() == view.capacity())
        {
            // The frame ends with its writes: an encoder of version 6 or earlier, or one that left the group out.
            return TxnRecord.NO_OPS;
        }
        if (view.capacity() - commit.limit() < CommitRequestDecoder.OpsDecoder.HEADER_SIZE)
        {
            checkNoTrailingBytes(commit.limit());
        }
        final CommitRequestDecoder.OpsDecoder opsDecoder = commit.ops();
        final int count = opsDecoder.count();
        // Even empty, a group's header states its entries' size, as every encoder writes it: zeros are not a group.
        checkGroupBlock(opsDecoder.actingBlockLength(), CommitRequestDecoder.OpsDecoder.sbeBlockLength(), "ops");
        if (count == 0)
        {
            return TxnRecord.NO_OPS;
        }
        checkOps(soFar, count, limits);
        final TxnRecord.Op[] ops = new TxnRecord.Op[count];
        for (int i = 0; i < count; i++)
        {
            opsDecoder.next();
            final OpKind kind = OneShotChecks.kind(i, opsDecoder.kindRaw());
            final long delta = opsDecoder.delta();
            final long min = opsDecoder.min();
            final long max = opsDecoder.max();
            OneShotChecks.checkBounds(i, kind, min, max);
            opsDecoder.wrapTable(nameView);
            final Catalog.Relation relation = table(catalog, schema);
            final int tableId = schema.resolve(relation);
            OneShotChecks.checkTable(i, kind, relation, catalog);
            final byte[] key = key(opsDecoder.keyLength(), "op " + i, limits);
            opsDecoder.getKey(key, 0, key.length);
            final int valueLength = opsDecoder.valueLength();
            OneShotChecks.checkAmountAndValue(i, kind, delta, min, max, valueLength, limits.maxValueBytes());
            final byte[] value = bytes(valueLength, "op " + i + " value");
            opsDecoder.getValue(value, 0, value.length);
            if (kind == OpKind.UPDATE_ROW && relation != null)
            {
                OneShotChecks.checkRowUpdate(i, catalog.table(relation.table()), value);
            }
            ops[i] = new TxnRecord.Op(TxnRecord.OpKind.valueOf(kind.name()), tableId, key, value, delta, min, max);
        }
        return ops;
    }

    /**
     * The procedure call (protocol version 8), checked in full: at most one, a registered name and version, arguments
     * well formed and of the types the procedure takes, and ops that are only its keys, each named once.
     *
     * @return the call, or null when the record has none.
     */
    private TxnRecord.Call readCall(final TxnRecord.Op[] ops)
    {
        if (commit.limit() == view.capacity())
        {
            OneShotChecks.checkNoKeys(ops);
            return null;
        }
        if (view.capacity() - commit.limit() < CommitRequestDecoder.CallDecoder.HEADER_SIZE)
        {
            checkNoTrailingBytes(commit.limit());
        }
        final CommitRequestDecoder.CallDecoder callDecoder = commit.call();
        final int count = callDecoder.count();
        checkGroupBlock(callDecoder.actingBlockLength(), CommitRequestDecoder.CallDecoder.sbeBlockLength(), "call");
        if (count == 0)
        {
            OneShotChecks.checkNoKeys(ops);
            return null;
        }
        if (count > 1)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "the record holds " + count + " procedure " +
                "calls; a transaction makes at most one");
        }
        callDecoder.next();
        final int version = callDecoder.version();
        callDecoder.wrapProcedure(nameView);
        final int nameLength = nameView.capacity();
        OneShotChecks.checkProcedureName(nameLength);
        final String name = nameView.getStringWithoutLengthUtf8(0, nameLength);
        final int argsLength = callDecoder.argsLength();
        if (argsLength < 0 || argsLength > MAX_CALL_ARGS_BYTES)
        {
            throw new RequestException(ErrorCode.TXN_TOO_LARGE, "the call's arguments are " +
                (argsLength & 0xFFFF_FFFFL) + " bytes; at most " + MAX_CALL_ARGS_BYTES);
        }
        final byte[] args = bytes(argsLength, "the call's arguments");
        callDecoder.getArgs(args, 0, args.length);
        return OneShotChecks.checkCall(procedures, name, version, args, ops);
    }

    /**
     * @param procedures the procedure versions calls may name.
     */
    void procedures(final io.stardust.scheduler.Procedures procedures)
    {
        this.procedures = procedures;
    }

    /** A range's start must not sort after its end (an empty end has no bound). */
    void checkRangeOrder(final int i, final byte[] start, final byte[] end)
    {
        if (end.length > 0 && KeyBytes.ORDER.compare(start, end) > 0)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "range " + i + " starts at " +
                KeyBytes.printable(start) + ", which sorts after its end " + KeyBytes.printable(end) +
                " (keys compare as unsigned bytes; an empty end means no bound)");
        }
    }

    /** A value must fit the replicated limit, which is within what storage holds. */
    void checkValueSize(final int i, final int valueLength, final ReplicatedSettings limits)
    {
        if (valueLength > limits.maxValueBytes())
        {
            throw new RequestException(ErrorCode.TXN_TOO_LARGE, "write " + i + " value of " + valueLength +
                " bytes exceeds the limit of " + limits.maxValueBytes() + " bytes");
        }
    }

    /**
     * A read saw version {@code (epoch, index)} at the record's snapshot: so the version cannot be newer than the
     * snapshot, and "absent" is (0, 0) only.
     */
    private static long readVersion(final int i, final long epoch, final int index, final long snapshotEpoch)
    {
        if (index < 0 || index >= Versions.MAX_EPOCH_TRANSACTIONS || (epoch == 0 && index != 0))
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "read " + i + " version index " + index +
                " is not possible for epoch " + epoch + (epoch == 0 ? " (absent is (0, 0))" :
                " (must be in [0, " + Versions.MAX_EPOCH_TRANSACTIONS + "))"));
        }
        if (epoch < 0 || epoch > snapshotEpoch)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "read " + i + " version epoch " + epoch +
                " is not possible at snapshot epoch " + snapshotEpoch + " (must be in [0, " + snapshotEpoch + "])");
        }
        return Versions.pack(epoch, index);
    }

    private void once(final int tableId, final byte[] key, final String what, final int i)
    {
        if (!seenKeys.add(new KeyBytes(tableId, key)))
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "key " + KeyBytes.printable(key) + " is " + what +
                " twice (again at " + (what.equals("read") ? "read " : "write ") + i + "); a transaction names each " +
                "key once in its read set and once in its write set");
        }
    }

    private static void checkGroupBlock(final int acting, final int needed, final String group)
    {
        if (acting < needed)
        {
            throw new RequestException(ErrorCode.MALFORMED_MESSAGE, "group '" + group + "' has entries of " + acting +
                " bytes; each needs " + needed);
        }
    }

    /**
     * Resolve a table or index name; a transaction names the same few over and over, so compare bytes first.
     *
     * @return the relation, or null for one dropped after the record's catalog version (it is aborted as planned
     * against an older catalog).
     */
    private Catalog.Relation table(final Catalog catalog, final SchemaCheck schema)
    {
        if (lastTable != null && lastTableCatalog == catalog && nameView.equals(lastTableName))
        {
            return lastTable;
        }
        final int length = nameView.capacity();
        if (length > MAX_TABLE_NAME_BYTES)
        {
            throw new RequestException(ErrorCode.UNKNOWN_TABLE, "table name of " + length + " bytes is longer " +
                "than any table's (" + MAX_TABLE_NAME_BYTES + ")");
        }
        final String text = nameView.getStringWithoutLengthUtf8(0, length);
        final Catalog.Relation table = catalog.relation(text);
        if (table == null)
        {
            if (schema.droppedSince(text))
            {
                return null;
            }
            throw new RequestException(ErrorCode.UNKNOWN_TABLE, "unknown table '" + text + "'");
        }
        final byte[] copy = new byte[length];
        nameView.getBytes(0, copy);
        lastTableName.wrap(copy);
        lastTable = table;
        lastTableCatalog = catalog;
        return table;
    }

    /** Every write to a SQL table or index must be a well-formed key and row of its schema. */
    private static void checkRows(
        final Catalog catalog, final Catalog.Relation[] relations, final TxnRecord.Write[] writes)
    {
        for (int i = 0; i < writes.length; i++)
        {
            final Catalog.Relation relation = relations[i];
            if (relation == null || catalog.table(relation.table()).keyValue())
            {
                continue;
            }
            final TxnRecord.Write w = writes[i];
            final String problem = RowChecks.checkWrite(catalog, relation, w.key(), w.delete(), w.value());
            if (problem != null)
            {
                throw new RequestException(ErrorCode.INVALID_ARGUMENT, "write " + i + " to " + relation.name() +
                    ": " + problem);
            }
        }
    }

    private static int checkOps(final int soFar, final int more, final ReplicatedSettings limits)
    {
        final int total = soFar + more;
        if (total > limits.maxTransactionOps())
        {
            throw new RequestException(ErrorCode.TXN_TOO_LARGE, "transaction has more than " +
                limits.maxTransactionOps() + " reads, ranges and writes");
        }
        return total;
    }

    private byte[] key(final int length, final String what, final ReplicatedSettings limits)
    {
        if (length == 0)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "empty key at " + what);
        }
        return bound(length, what + " key", limits);
    }

    /** A key or a range bound (which may be empty). */
    private byte[] bound(final int length, final String what, final ReplicatedSettings limits)
    {
        if (length > limits.maxKeyBytes())
        {
            throw new RequestException(ErrorCode.TXN_TOO_LARGE, what + " of " + length + " bytes exceeds the " +
                "limit of " + limits.maxKeyBytes() + " bytes");
        }
        return bytes(length, what);
    }

    private byte[] bytes(final int length, final String what)
    {
        final String overrun = FrameBounds.overrun(length, view.capacity(), what);
        if (overrun != null)
        {
            throw new RequestException(ErrorCode.MALFORMED_MESSAGE, overrun);
        }
        return new byte[length];
    }

    private Record readBatchWindow()
    {
        checkBlock(SetBatchWindowDecoder.BLOCK_LENGTH, 3, 8);
        batchWindow.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        final long micros = batchWindow.batchWindowMicros();
        final String problem = SequencerConfig.batchWindowProblem(micros);
        if (problem != null)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, problem);
        }
        return new SetBatchWindow(correlationId, requestId(batchWindow.requestId()), micros);
    }

    private Record readEpochLimits()
    {
        checkBlock(SetEpochLimitsDecoder.BLOCK_LENGTH, 3, 8);
        epochLimits.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        final int maxTxns = epochLimits.maxTransactions();
        final int maxBytes = epochLimits.maxBytes();
        final String problem = SequencerConfig.checkEpochLimits(maxTxns, maxBytes);
        if (problem != null)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, problem);
        }
        return new SetEpochLimits(correlationId, requestId(epochLimits.requestId()), maxTxns, maxBytes);
    }

    private Record readAdmission()
    {
        checkBlock(io.stardust.protocol.codecs.SetAdmissionDecoder.BLOCK_LENGTH, 4, 0);
        admission.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        final long rate = admission.ratePerSecond();
        final int burst = admission.burst();
        final String problem = Admission.problem(rate, burst);
        if (problem != null)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, problem);
        }
        checkNoTrailingBytes(MessageHeaderDecoder.ENCODED_LENGTH + header.blockLength());
        return new SetAdmission(correlationId, requestId(admission.requestId()), rate, burst);
    }

    private Record readCreateTable()
    {
        checkBlock(CreateTableDecoder.BLOCK_LENGTH, 3, 8);
        createTable.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        final long requestId = requestId(createTable.requestId());
        final int nameLength = createTable.nameLength();
        if (nameLength < 0 || nameLength > MAX_TABLE_NAME_BYTES)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "table name of " + (nameLength & 0xFFFF_FFFFL) +
                " bytes is longer than " + MAX_TABLE_NAME_BYTES + " characters");
        }
        final String name = createTable.name();
        checkNoTrailingBytes(createTable.limit());
        final String problem = Catalog.nameProblem(name);
        if (problem != null)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "table name: " + problem);
        }
        return new CreateTable(correlationId, requestId, name);
    }

    private Record readSchemaChange()
    {
        checkBlock(io.stardust.protocol.codecs.SchemaChangeDecoder.BLOCK_LENGTH, 5, 0);
        schemaChange.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        final long requestId = schemaChange.requestId();
        final int length = schemaChange.changeLength();
        if (length < 0 || length > MAX_SCHEMA_CHANGE_BYTES)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "schema change of " + (length & 0xFFFF_FFFFL) +
                " bytes is longer than any can be (" + MAX_SCHEMA_CHANGE_BYTES + ")");
        }
        final byte[] bytes = bytes(length, "schema change");
        schemaChange.getChange(bytes, 0, length);
        checkNoTrailingBytes(schemaChange.limit());
        final SchemaChange change;
        try
        {
            change = CatalogCodec.decodeChange(bytes, 0, length);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "malformed schema change: " + ex.getMessage());
        }
        return new Schema(correlationId, requestId, change);
    }

    private Record readSettings()
    {
        checkBlock(ClusterSettingsDecoder.BLOCK_LENGTH, 3, 0);
        settings.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        final ReplicatedSettings proposed = new ReplicatedSettings(settings.batchWindowMicros(),
            settings.epochMaxTransactions(), settings.epochMaxBytes(), settings.maxTransactionBytes(),
            settings.maxTransactionOps(), settings.maxKeyBytes(), settings.maxValueBytes(),
            settings.dedupWindowTransactions(), settings.durability());
        final String problem = proposed.problem();
        if (problem != null)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, problem);
        }
        return new Settings(correlationId, settings.requestId(), settings.initial() == BooleanType.TRUE, proposed);
    }

    /** Version 2 control records have no request id: SBE reads the null value, which means "none" (0). */
    private static long requestId(final long raw)
    {
        return raw == io.stardust.protocol.codecs.CreateTableDecoder.requestIdNullValue() ? 0 : raw;
    }

    /**
     * Notes the first table of one transaction that was created, changed or dropped after the catalog version it was
     * planned against (0 skips the check).
     */
    private static final class SchemaCheck
    {
        private final long catalogVersion;
        private final Catalog catalog;
        private String changedTable;

        SchemaCheck(final long catalogVersion, final Catalog catalog)
        {
            this.catalogVersion = catalogVersion;
            this.catalog = catalog;
        }

        boolean droppedSince(final String name)
        {
            if (catalogVersion != 0 && catalog.droppedAt(name) > catalogVersion)
            {
                if (changedTable == null)
                {
                    changedTable = name;
                }
                return true;
            }
            return false;
        }

        int resolve(final Catalog.Relation relation)
        {
            if (relation == null)
            {
                return -1;
            }
            if (catalogVersion != 0 && changedTable == null && changedAt(relation) > catalogVersion)
            {
                changedTable = relation.name();
            }
            return relation.id();
        }

        private long changedAt(final Catalog.Relation relation)
        {
            return Math.max(relation.createdAtVersion(), catalog.table(relation.table()).changedAtVersion());
        }
    }
}
