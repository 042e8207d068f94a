package io.stardust.sequencer;

import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.cluster.codecs.CloseReason;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusteredService;
import io.aeron.logbuffer.Header;
import io.stardust.protocol.codecs.AbortReason;
import io.stardust.protocol.codecs.BooleanType;
import io.stardust.protocol.codecs.CommitBatchDecoder;
import io.stardust.protocol.codecs.CommitOutcome;
import io.stardust.protocol.codecs.CommitRequestDecoder;
import io.stardust.protocol.codecs.CommitResultEncoder;
import io.stardust.protocol.codecs.ControlAckEncoder;
import io.stardust.protocol.codecs.CreateTableDecoder;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.protocol.codecs.ErrorResponseEncoder;
import io.stardust.protocol.codecs.MessageHeaderDecoder;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.SetBatchWindowDecoder;
import io.stardust.protocol.codecs.SetEpochLimitsDecoder;
import io.stardust.protocol.codecs.WriteOp;
import io.stardust.scheduler.EpochResult;
import io.stardust.scheduler.Outcome;
import io.stardust.scheduler.Scheduler;
import io.stardust.scheduler.TxnRecord;
import io.stardust.storage.Storage;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The Aeron Cluster service of a Stardust member: the sequencer.
 * <p>
 * Commit records from the log go into the open epoch. The epoch closes when its batch window elapses (a cluster
 * timer, so the boundary is itself in the log), when it reaches its size bound, or when a control record arrives
 * (so control records always sit between epochs). Closing runs the {@link Scheduler} on the epoch, which validates
 * and applies it to {@link Storage} and chains the digest. Then the leader answers: one {@code CommitResults}
 * message per client session and epoch (see {@link CommitResultBatcher}). Followers decide the same outcomes but send
 * nothing (Aeron would mock their offers anyway).
 * <p>
 * Everything that decides state comes from the log: message order, cluster time, and the replicated batch window,
 * epoch limits and catalog. Worker count is a local knob that changes speed, never outcomes.
 */
public final class StardustService implements ClusteredService, ReplicaView
{
    private static final int MAX_OFFER_ATTEMPTS = 1_000;
    private static final int SNAPSHOT_CHUNK_BYTES = 32 * 1024;

    private final int memberId;
    private final String datacenter;
    private final SequencerConfig config;
    private final Storage storage;
    private final Scheduler scheduler;
    private final DigestLog digests;
    private final List<EpochListener> listeners = new CopyOnWriteArrayList<>();

    private final UnsafeBuffer messageView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer recordView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer nameView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer lastTableName = new UnsafeBuffer(new byte[0]);
    private Catalog.TableInfo lastTable;
    private Catalog lastTableCatalog;
    /** The frame being decoded: a whole log message, or one record of a CommitBatch. */
    private UnsafeBuffer view = messageView;
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final CommitRequestDecoder commitDecoder = new CommitRequestDecoder();
    private final CommitBatchDecoder batchDecoder = new CommitBatchDecoder();
    private final SetBatchWindowDecoder batchWindowDecoder = new SetBatchWindowDecoder();
    private final SetEpochLimitsDecoder epochLimitsDecoder = new SetEpochLimitsDecoder();
    private final CreateTableDecoder createTableDecoder = new CreateTableDecoder();
    private final CommitResultEncoder commitResultEncoder = new CommitResultEncoder();
    private final ControlAckEncoder controlAckEncoder = new ControlAckEncoder();
    private final ErrorResponseEncoder errorEncoder = new ErrorResponseEncoder();
    private final ExpandableDirectByteBuffer sendBuffer = new ExpandableDirectByteBuffer(4096);
    private final CommitResultBatcher resultBatcher = new CommitResultBatcher(this::sendToSession);
    private final ResultSink immediate = this::sendCommitResult;
    private final ResultSink batched = resultBatcher::add;

    private Cluster cluster;
    private IdleStrategy idleStrategy;
    private volatile Cluster.Role role;

    // Replicated state: a function of the log alone.
    private volatile Catalog catalog = Catalog.EMPTY;
    private volatile long batchWindowMicros;
    private int epochMaxTransactions;
    private int epochMaxBytes;
    private long nextEpoch = 1;
    /**
     * Cluster time at which the open epoch's window ends: the first message at or after it closes the epoch before
     * it is sequenced, so under load an epoch ends without waiting for its timer's round trip through the log.
     * The timer still closes an epoch that no later message reaches. Long.MAX_VALUE when no epoch is open.
     */
    private long epochDeadline = Long.MAX_VALUE;
    private final List<TxnRecord> openTxns = new ArrayList<>();
    private final List<PendingReply> openReplies = new ArrayList<>();
    private int openBytes;
    private volatile long committed;
    private volatile long logMessages;
    private volatile long sequencedTxns;
    private volatile long aborted;

    private record PendingReply(long sessionId, long correlationId, long txnId)
    {
    }

    // Exactly-once: transaction ids of recent decisions (replicated state, evicted in log order), and retries that
    // arrived while their original was still in the open epoch (found by a scan of the open epoch).
    private final DecisionWindow decided;
    private final List<PendingReply> retriesOfOpen = new ArrayList<>();
    private volatile long duplicatesAnswered;
    private volatile long restoredEpoch = -1;
    private volatile long lastSnapshotBytes;
    private volatile Thread checkpointWriter;
    private volatile long lastCheckpointRows;
    private volatile long lastCheckpointNanos;
    private volatile long lastSnapshotNanos;

    /**
     * @param memberId   this member's id.
     * @param datacenter this member's datacenter label.
     * @param config     settings, validated here.
     * @param storage    the member's storage; reset when the log starts from nothing.
     * @param workers    scheduler worker threads.
     */
    public StardustService(
        final int memberId,
        final String datacenter,
        final SequencerConfig config,
        final Storage storage,
        final int workers)
    {
        this.memberId = memberId;
        this.datacenter = datacenter;
        this.config = config.validate();
        this.storage = storage;
        this.scheduler = new Scheduler(storage, workers);
        this.digests = new DigestLog(config.digestHistory());
        this.decided = new DecisionWindow(this.config.dedupWindowTransactions());
        resetReplicatedState();
    }

    /**
     * @param listener observer of epochs, called on the service thread.
     * @return this.
     */
    public StardustService addListener(final EpochListener listener)
    {
        listeners.add(listener);
        return this;
    }

    /** @return the scheduler, for its local knobs. */
    public Scheduler scheduler()
    {
        return scheduler;
    }

    private void resetReplicatedState()
    {
        catalog = Catalog.EMPTY;
        batchWindowMicros = config.initialBatchWindowMicros();
        epochMaxTransactions = config.initialEpochMaxTransactions();
        epochMaxBytes = config.initialEpochMaxBytes();
        nextEpoch = 1;
        epochDeadline = Long.MAX_VALUE;
        openTxns.clear();
        openReplies.clear();
        retriesOfOpen.clear();
        decided.clear();
        openBytes = 0;
        committed = 0;
        aborted = 0;
        digests.clear();
        scheduler.restore(0, io.stardust.storage.Hashing.SEED);
    }

    @Override
    public void onStart(final Cluster cluster, final Image snapshotImage)
    {
        this.cluster = cluster;
        this.idleStrategy = cluster.idleStrategy();
        storage.reset();
        resetReplicatedState();
        if (snapshotImage != null)
        {
            // State at the snapshot's log position; the log after it replays on top.
            loadSnapshot(snapshotImage);
            restoredEpoch = storage.appliedEpoch();
        }
    }

    @Override
    public void onSessionOpen(final ClientSession session, final long timestamp)
    {
    }

    @Override
    public void onSessionClose(final ClientSession session, final long timestamp, final CloseReason closeReason)
    {
    }

    @Override
    public void onSessionMessage(
        final ClientSession session,
        final long timestamp,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final Header header)
    {
        if (timestamp >= epochDeadline)
        {
            // The open epoch's window has passed by log time: close it before this message joins the next one.
            closeEpoch();
        }
        // A view bounded to this message, so that a lying length or group count cannot read past it.
        messageView.wrap(buffer, offset, length);
        logMessages++;
        processFrame(session, messageView, length, true);
    }

    private void processFrame(
        final ClientSession session, final UnsafeBuffer frame, final int length, final boolean batchAllowed)
    {
        view = frame;
        long correlationId = -1;
        Runnable effect = null;
        try
        {
            if (length < MessageHeaderDecoder.ENCODED_LENGTH)
            {
                throw new RequestException(ErrorCode.MALFORMED_MESSAGE, "frame of " + length +
                    " bytes is shorter than the " + MessageHeaderDecoder.ENCODED_LENGTH + "-byte message header");
            }
            headerDecoder.wrap(view, 0);
            if (headerDecoder.schemaId() != MessageHeaderDecoder.SCHEMA_ID)
            {
                throw new RequestException(ErrorCode.UNSUPPORTED_SCHEMA, "schema id " + headerDecoder.schemaId() +
                    " is not Stardust's (" + MessageHeaderDecoder.SCHEMA_ID + ")");
            }
            if (length >= MessageHeaderDecoder.ENCODED_LENGTH + 8)
            {
                // Every request starts with its correlation id; use it to address errors.
                correlationId = view.getLong(MessageHeaderDecoder.ENCODED_LENGTH, java.nio.ByteOrder.LITTLE_ENDIAN);
            }
            final int templateId = headerDecoder.templateId();
            if (!batchAllowed && templateId != CommitRequestDecoder.TEMPLATE_ID)
            {
                throw new RequestException(ErrorCode.INVALID_ARGUMENT,
                    "a CommitBatch holds only CommitRequests (template id 1), found template id " + templateId);
            }
            switch (templateId)
            {
                case CommitRequestDecoder.TEMPLATE_ID -> effect = onCommit(session, length);
                case CommitBatchDecoder.TEMPLATE_ID ->
                {
                    // The envelope has no correlation id of its own.
                    correlationId = -1;
                    effect = onCommitBatch(session);
                }
                case SetBatchWindowDecoder.TEMPLATE_ID -> effect = onSetBatchWindow(session);
                case SetEpochLimitsDecoder.TEMPLATE_ID -> effect = onSetEpochLimits(session);
                case CreateTableDecoder.TEMPLATE_ID -> effect = onCreateTable(session);
                default -> throw new RequestException(ErrorCode.UNKNOWN_TEMPLATE,
                    "template id " + templateId + " is not a request the cluster accepts " +
                    "(CommitRequest=1, CommitBatch=3, SetBatchWindow=20, SetEpochLimits=21, CreateTable=22)");
            }
        }
        catch (final RequestException ex)
        {
            sendError(session, correlationId, ex.code(), ex.getMessage());
        }
        catch (final IndexOutOfBoundsException | IllegalArgumentException | IllegalStateException ex)
        {
            // Bounds checks of the view: a field, group or var-data length pointed past the frame.
            sendError(session, correlationId, ErrorCode.MALFORMED_MESSAGE,
                "malformed message of " + length + " bytes: " + ex.getMessage());
        }
        // Effects run outside the request's error handling: a fault while applying an epoch is a fault of this
        // replica, which must stop rather than report it as bad input and carry on diverged.
        if (effect != null)
        {
            effect.run();
        }
    }

    /**
     * Check the framing of every record of a batch first, so that a broken envelope is refused whole; then
     * sequence the records in order, each accepted or refused on its own.
     */
    private Runnable onCommitBatch(final ClientSession session)
    {
        final UnsafeBuffer batch = view;
        batchDecoder.wrap(batch, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        final CommitBatchDecoder.RecordsDecoder records = batchDecoder.records();
        final int count = records.count();
        final int[] offsets = new int[count];
        final int[] lengths = new int[count];
        for (int i = 0; i < count; i++)
        {
            records.next();
            final int recordLength = records.recordLength();
            final int dataOffset = batchDecoder.limit() + 4;
            if (recordLength < 0 || dataOffset + recordLength > batch.capacity())
            {
                throw new RequestException(ErrorCode.MALFORMED_MESSAGE, "record " + i + " of a batch of " + count +
                    " runs past the end of the " + batch.capacity() + "-byte frame");
            }
            offsets[i] = dataOffset;
            lengths[i] = recordLength;
            records.skipRecord();
        }
        return () ->
        {
            for (int i = 0; i < count; i++)
            {
                recordView.wrap(batch, offsets[i], lengths[i]);
                processFrame(session, recordView, lengths[i], false);
            }
        };
    }

    /** Decode and check a commit; join it to the open epoch. @return closing the epoch when it is full, or null. */
    private Runnable onCommit(final ClientSession session, final int length)
    {
        if (length > config.maxTransactionBytes())
        {
            throw new RequestException(ErrorCode.TXN_TOO_LARGE, "transaction of " + length +
                " bytes exceeds the limit of " + config.maxTransactionBytes() + " bytes");
        }
        commitDecoder.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        final long correlationId = commitDecoder.correlationId();
        final long txnId = commitDecoder.txnId();
        // A retry of a transaction already sequenced (after a timeout or a leader change) is answered with the
        // original decision and never runs twice. Only a frame marked as sent again can be one (or one from a
        // version 1 client, which does not mark): first attempts skip two cache-missing lookups.
        final boolean mayRepeat = commitDecoder.resend() != BooleanType.FALSE;
        final DecisionWindow.Decision earlier = mayRepeat ? decided.get(txnId) : null;
        if (earlier != null)
        {
            duplicatesAnswered++;
            answer(immediate, session.id(), correlationId, txnId, earlier.epoch(), earlier.index(),
                earlier.outcome());
            return null;
        }
        if (mayRepeat && isOpen(txnId))
        {
            duplicatesAnswered++;
            retriesOfOpen.add(new PendingReply(session.id(), correlationId, txnId));
            return null;
        }
        final long catalogVersion = commitDecoder.catalogVersion();
        final long snapshotEpoch = commitDecoder.snapshotEpoch();
        if (snapshotEpoch < 0 || snapshotEpoch >= nextEpoch)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "snapshot epoch " + snapshotEpoch +
                " is not an applied epoch (last applied " + (nextEpoch - 1) + ")");
        }

        final SchemaCheck schema = new SchemaCheck(catalogVersion);
        int ops = 0;
        final CommitRequestDecoder.ReadsDecoder readsDecoder = commitDecoder.reads();
        ops += checkOps(ops, readsDecoder.count());
        final TxnRecord.Read[] reads = new TxnRecord.Read[readsDecoder.count()];
        for (int i = 0; i < reads.length; i++)
        {
            readsDecoder.next();
            final long versionEpoch = readsDecoder.versionEpoch();
            final int versionIndex = readsDecoder.versionIndex();
            readsDecoder.wrapTable(nameView);
            final int tableId = schema.resolve(table(nameView));
            final byte[] key = key(readsDecoder.keyLength());
            readsDecoder.getKey(key, 0, key.length);
            reads[i] = new TxnRecord.Read(tableId, key, packVersion(versionEpoch, versionIndex));
        }
        final CommitRequestDecoder.RangesDecoder rangesDecoder = commitDecoder.ranges();
        ops = checkOps(ops, rangesDecoder.count());
        final TxnRecord.Range[] ranges = new TxnRecord.Range[rangesDecoder.count()];
        for (int i = 0; i < ranges.length; i++)
        {
            rangesDecoder.next();
            rangesDecoder.wrapTable(nameView);
            final int tableId = schema.resolve(table(nameView));
            final byte[] start = bytes(rangesDecoder.startKeyLength(), "range start");
            rangesDecoder.getStartKey(start, 0, start.length);
            final byte[] end = bytes(rangesDecoder.endKeyLength(), "range end");
            rangesDecoder.getEndKey(end, 0, end.length);
            ranges[i] = new TxnRecord.Range(tableId, start, end);
        }
        final CommitRequestDecoder.WritesDecoder writesDecoder = commitDecoder.writes();
        ops = checkOps(ops, writesDecoder.count());
        final TxnRecord.Write[] writes = new TxnRecord.Write[writesDecoder.count()];
        for (int i = 0; i < writes.length; i++)
        {
            writesDecoder.next();
            final WriteOp op = writesDecoder.op();
            if (op != WriteOp.PUT && op != WriteOp.DELETE)
            {
                throw new RequestException(ErrorCode.MALFORMED_MESSAGE, "write " + i + " has unknown op " + op);
            }
            writesDecoder.wrapTable(nameView);
            final int tableId = schema.resolve(table(nameView));
            final byte[] key = key(writesDecoder.keyLength());
            writesDecoder.getKey(key, 0, key.length);
            final byte[] value = bytes(writesDecoder.valueLength(), "value");
            writesDecoder.getValue(value, 0, value.length);
            writes[i] = new TxnRecord.Write(tableId, key, op == WriteOp.DELETE, value);
        }
        if (writes.length == 0)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT,
                "transaction " + txnId + " writes nothing; read-only transactions commit at their snapshot");
        }
        if (schema.changedTable != null)
        {
            // Decided from the log alone, so every replica rejects it the same way; it takes no index.
            sendCommitResult(session.id(), correlationId, txnId, CommitOutcome.ABORTED, AbortReason.SCHEMA_CHANGED,
                nextEpoch, -1, schema.changedTable, null);
            return null;
        }

        openTxns.add(new TxnRecord(txnId, snapshotEpoch, reads, ranges, writes));
        sequencedTxns++;
        openReplies.add(new PendingReply(session.id(), correlationId, txnId));
        openBytes += length;
        if (openTxns.size() == 1)
        {
            final long window = cluster.timeUnit().convert(batchWindowMicros, TimeUnit.MICROSECONDS);
            final long deadline = cluster.time() + Math.max(1, window);
            epochDeadline = deadline;
            // A refused timer (back pressure towards the consensus module) would leave the epoch open: retry.
            idleStrategy.reset();
            while (!cluster.scheduleTimer(nextEpoch, deadline))
            {
                idleStrategy.idle();
            }
        }
        return openTxns.size() >= epochMaxTransactions || openBytes >= epochMaxBytes ? this::closeEpoch : null;
    }

    /**
     * Resolve a table name from the frame. Transactions name the same few tables over and over: compare the bytes
     * with the last name resolved before decoding a string.
     */
    private Catalog.TableInfo table(final UnsafeBuffer name)
    {
        final Catalog current = catalog;
        if (lastTable != null && lastTableCatalog == current && name.equals(lastTableName))
        {
            return lastTable;
        }
        final int length = name.capacity();
        final String text = name.getStringWithoutLengthUtf8(0, length);
        final Catalog.TableInfo table = current.table(text);
        if (table == null)
        {
            throw new RequestException(ErrorCode.UNKNOWN_TABLE, "unknown table '" + text + "'");
        }
        final byte[] copy = new byte[length];
        name.getBytes(0, copy);
        lastTableName.wrap(copy);
        lastTable = table;
        lastTableCatalog = current;
        return table;
    }

    private int checkOps(final int soFar, final int more)
    {
        final int total = soFar + more;
        if (total > config.maxTransactionOps())
        {
            throw new RequestException(ErrorCode.TXN_TOO_LARGE, "transaction has more than " +
                config.maxTransactionOps() + " reads, ranges and writes");
        }
        return total;
    }

    private byte[] key(final int length)
    {
        if (length == 0)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "empty key");
        }
        if (length > config.maxKeyBytes())
        {
            throw new RequestException(ErrorCode.TXN_TOO_LARGE, "key of " + length + " bytes exceeds the limit of " +
                config.maxKeyBytes() + " bytes");
        }
        return bytes(length, "key");
    }

    private byte[] bytes(final int length, final String what)
    {
        final String overrun = io.stardust.protocol.FrameBounds.overrun(length, view.capacity(), what);
        if (overrun != null)
        {
            throw new RequestException(ErrorCode.MALFORMED_MESSAGE, overrun);
        }
        return new byte[length];
    }

    private static long packVersion(final long epoch, final int index)
    {
        try
        {
            return io.stardust.protocol.Versions.pack(epoch, index);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "read " + ex.getMessage());
        }
    }

    /** Notes the first table of one transaction that is newer than the catalog version it was planned against. */
    private static final class SchemaCheck
    {
        private final long catalogVersion;
        private String changedTable;

        SchemaCheck(final long catalogVersion)
        {
            this.catalogVersion = catalogVersion;
        }

        int resolve(final Catalog.TableInfo table)
        {
            if (catalogVersion != 0 && table.createdAtVersion() > catalogVersion && changedTable == null)
            {
                changedTable = table.name();
            }
            return table.id();
        }
    }

    private Runnable onSetBatchWindow(final ClientSession session)
    {
        batchWindowDecoder.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        final long micros = batchWindowDecoder.batchWindowMicros();
        final String problem = SequencerConfig.batchWindowProblem(micros);
        if (problem != null)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, problem);
        }
        final long correlationId = batchWindowDecoder.correlationId();
        return () ->
        {
            closeEpoch();
            batchWindowMicros = micros;
            for (final EpochListener listener : listeners)
            {
                listener.onBatchWindow(nextEpoch, micros);
            }
            sendControlAck(session, correlationId, "batch window " + micros + " us from epoch " + nextEpoch);
        };
    }

    private Runnable onSetEpochLimits(final ClientSession session)
    {
        epochLimitsDecoder.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        final int maxTxns = epochLimitsDecoder.maxTransactions();
        final int maxBytes = epochLimitsDecoder.maxBytes();
        final String problem = SequencerConfig.checkEpochLimits(maxTxns, maxBytes);
        if (problem != null)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, problem);
        }
        final long correlationId = epochLimitsDecoder.correlationId();
        return () ->
        {
            closeEpoch();
            epochMaxTransactions = maxTxns;
            epochMaxBytes = maxBytes;
            sendControlAck(session, correlationId, "epoch limits " + maxTxns + " transactions, " + maxBytes +
                " bytes from epoch " + nextEpoch);
        };
    }

    private Runnable onCreateTable(final ClientSession session)
    {
        createTableDecoder.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        final long correlationId = createTableDecoder.correlationId();
        final int nameLength = createTableDecoder.nameLength();
        if (nameLength > 64)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "table name of " + nameLength +
                " bytes is longer than 64 characters");
        }
        final String name = createTableDecoder.name();
        final String problem = catalog.checkNewTable(name);
        if (problem != null)
        {
            throw new RequestException(
                problem.contains("already exists") ? ErrorCode.TABLE_EXISTS : ErrorCode.INVALID_ARGUMENT, problem);
        }
        return () ->
        {
            closeEpoch();
            final Catalog next = catalog.withTable(name);
            final Catalog.TableInfo table = next.table(name);
            storage.createTable(table.id(), name);
            catalog = next;
            for (final EpochListener listener : listeners)
            {
                listener.onTableCreated(table.id(), name);
            }
            sendControlAck(session, correlationId, "created table '" + name + "' at catalog version " +
                next.version());
        };
    }

    @Override
    public void onTimerEvent(final long correlationId, final long timestamp)
    {
        // A timer of an epoch that already closed early may still fire: it is in the log, so ignore it everywhere.
        if (correlationId == nextEpoch && !openTxns.isEmpty())
        {
            closeEpoch();
        }
    }

    private void closeEpoch()
    {
        if (openTxns.isEmpty())
        {
            return;
        }
        final long epoch = nextEpoch;
        cluster.cancelTimer(epoch);
        epochDeadline = Long.MAX_VALUE;
        final List<TxnRecord> txns = List.copyOf(openTxns);
        final EpochResult result = scheduler.execute(epoch, txns);
        nextEpoch = epoch + 1;
        digests.record(epoch, result.digest());
        committed += result.committed();
        aborted += result.aborted();

        final Outcome[] outcomes = result.outcomes();
        // Only the leader's replies leave the member (Aeron mocks a follower's offers), so followers skip encoding.
        final boolean replying = cluster.role() == Cluster.Role.LEADER;
        for (int i = 0; i < outcomes.length; i++)
        {
            final PendingReply reply = openReplies.get(i);
            decided.put(reply.txnId(), epoch, i, outcomes[i]);
            if (replying)
            {
                answer(batched, reply.sessionId(), reply.correlationId(), reply.txnId(), epoch, i, outcomes[i]);
            }
        }
        for (final PendingReply retry : retriesOfOpen)
        {
            final DecisionWindow.Decision d = decided.get(retry.txnId());
            if (replying)
            {
                answer(batched, retry.sessionId(), retry.correlationId(), retry.txnId(), d.epoch(), d.index(),
                    d.outcome());
            }
        }
        resultBatcher.flush();
        retriesOfOpen.clear();
        openTxns.clear();
        openReplies.clear();
        openBytes = 0;
        for (final EpochListener listener : listeners)
        {
            listener.onEpoch(epoch, txns, result);
        }
    }

    /** Where a commit's outcome goes: {@link #sendCommitResult} at once, or the epoch's {@link #resultBatcher}. */
    @FunctionalInterface
    interface ResultSink
    {
        void result(long sessionId, long correlationId, long txnId, CommitOutcome outcome, AbortReason reason,
            long epoch, int index, String conflictTable, byte[] conflictKey);
    }

    private void answer(
        final ResultSink sink,
        final long sessionId,
        final long correlationId,
        final long txnId,
        final long epoch,
        final int index,
        final Outcome outcome)
    {
        if (outcome.committed())
        {
            sink.result(sessionId, correlationId, txnId, CommitOutcome.COMMITTED, AbortReason.NONE, epoch, index,
                null, null);
        }
        else
        {
            sink.result(sessionId, correlationId, txnId, CommitOutcome.ABORTED,
                AbortReason.get((short)outcome.reason().ordinal()), epoch, index,
                catalog.tables().get(outcome.conflictTable()).name(), outcome.conflictKey());
        }
    }

    /** @return true when the open epoch holds this transaction (a scan: only resends ask). */
    private boolean isOpen(final long txnId)
    {
        for (int i = 0, n = openTxns.size(); i < n; i++)
        {
            if (openTxns.get(i).txnId() == txnId)
            {
                return true;
            }
        }
        return false;
    }

    private void sendToSession(final long sessionId, final DirectBuffer buffer, final int length)
    {
        final ClientSession session = cluster.getClientSession(sessionId);
        if (session != null)
        {
            offer(session, buffer, length);
        }
    }

    /** @return the applied epoch of the snapshot this service started from, or -1 when it replayed the whole log. */
    public long restoredEpoch()
    {
        return restoredEpoch;
    }

    /** @return retried commits answered from an earlier decision (local statistic). */
    public long duplicatesAnswered()
    {
        return duplicatesAnswered;
    }

    private void sendCommitResult(
        final long sessionId,
        final long correlationId,
        final long txnId,
        final CommitOutcome outcome,
        final AbortReason reason,
        final long epoch,
        final int index,
        final String conflictTable,
        final byte[] conflictKey)
    {
        final ClientSession session = cluster.getClientSession(sessionId);
        if (session == null)
        {
            return;
        }
        commitResultEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .txnId(txnId)
            .outcome(outcome)
            .reason(reason)
            .epoch(epoch)
            .index(index)
            .conflictTable(conflictTable == null ? "" : conflictTable);
        if (conflictKey == null)
        {
            commitResultEncoder.putConflictKey(sendBuffer, 0, 0);
        }
        else
        {
            commitResultEncoder.putConflictKey(conflictKey, 0, conflictKey.length);
        }
        offer(session, MessageHeaderEncoder.ENCODED_LENGTH + commitResultEncoder.encodedLength());
    }

    private void sendControlAck(final ClientSession session, final long correlationId, final String detail)
    {
        controlAckEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .effectiveEpoch(nextEpoch)
            .catalogVersion(catalog.version())
            .batchWindowMicros(batchWindowMicros)
            .detail(detail);
        offer(session, MessageHeaderEncoder.ENCODED_LENGTH + controlAckEncoder.encodedLength());
    }

    private void sendError(
        final ClientSession session, final long correlationId, final ErrorCode code, final String message)
    {
        errorEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .code(code)
            .message(message);
        offer(session, MessageHeaderEncoder.ENCODED_LENGTH + errorEncoder.encodedLength());
    }

    private void offer(final ClientSession session, final int length)
    {
        offer(session, sendBuffer, length);
    }

    private void offer(final ClientSession session, final DirectBuffer buffer, final int length)
    {
        for (int attempt = 0; attempt < MAX_OFFER_ATTEMPTS; attempt++)
        {
            final long result = session.offer(buffer, 0, length);
            if (result > 0 || session.isClosing())
            {
                return;
            }
            if (result == io.aeron.Publication.NOT_CONNECTED || result == io.aeron.Publication.CLOSED ||
                result == io.aeron.Publication.MAX_POSITION_EXCEEDED)
            {
                return;
            }
            idleStrategy.idle();
        }
        // The client stopped reading; it will time out and may retry. The decision stands in the log.
    }

    @Override
    public void onTakeSnapshot(final ExclusivePublication snapshotPublication)
    {
        final long startNs = System.nanoTime();
        final java.io.File dir = config.checkpointDirectory();
        String rowsFile = "";
        if (dir != null)
        {
            // One checkpoint at a time: a snapshot asked for while the last one's rows are still being written
            // waits for them (snapshots are minutes apart; this is the rare case).
            awaitCheckpoint();
            rowsFile = RowCheckpoint.fileName(cluster.logPosition());
        }
        final SnapshotChunkOutput sink =
            new SnapshotChunkOutput(snapshotPublication::offer, idleStrategy, memberId, SNAPSHOT_CHUNK_BYTES);
        try
        {
            final java.io.DataOutputStream out = new java.io.DataOutputStream(sink);
            ServiceSnapshot.write(out, this, rowsFile);
            out.flush();
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException("member " + memberId + " could not write its snapshot", ex);
        }
        lastSnapshotBytes = sink.finish();
        if (dir != null)
        {
            startCheckpoint(new java.io.File(dir, rowsFile));
        }
        lastSnapshotNanos = System.nanoTime() - startNs;
    }

    /** The rows of the snapshot just written, as of its epoch, to {@code file} on a thread of their own. */
    private void startCheckpoint(final java.io.File file)
    {
        final long epoch = scheduler.lastEpoch();
        final List<Catalog.TableInfo> tables = catalog.tables();
        final int[] tableIds = new int[tables.size()];
        for (int i = 0; i < tableIds.length; i++)
        {
            tableIds[i] = tables.get(i).id();
        }
        storage.pin(epoch);
        final Thread writer = new Thread(() ->
        {
            final long startNs = System.nanoTime();
            try
            {
                java.nio.file.Files.createDirectories(file.getParentFile().toPath());
                lastCheckpointRows = RowCheckpoint.write(storage, tableIds, epoch, file);
                lastCheckpointNanos = System.nanoTime() - startNs;
                RowCheckpoint.prune(file.getParentFile());
            }
            catch (final Exception ex)
            {
                // The snapshot names a file that is not there: a restart falls back to the snapshot before it.
                System.err.println("member " + memberId + ": could not write row checkpoint " + file + ": " + ex);
            }
            finally
            {
                storage.unpin();
            }
        }, "stardust-checkpoint-" + memberId);
        writer.setDaemon(true);
        checkpointWriter = writer;
        writer.start();
    }

    /** Wait until the row checkpoint being written (if any) is done. */
    public void awaitCheckpoint()
    {
        final Thread writer = checkpointWriter;
        if (writer != null)
        {
            try
            {
                writer.join();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** @return rows in the last row checkpoint this member finished (local statistic). */
    public long lastCheckpointRows()
    {
        return lastCheckpointRows;
    }

    /** @return how long the last row checkpoint took to write, in nanoseconds, off the service thread. */
    public long lastCheckpointNanos()
    {
        return lastCheckpointNanos;
    }

    /** @return bytes of the last snapshot this service wrote (local statistic). */
    public long lastSnapshotBytes()
    {
        return lastSnapshotBytes;
    }

    /** @return how long the service took to write its last snapshot, in nanoseconds (local statistic). */
    public long lastSnapshotNanos()
    {
        return lastSnapshotNanos;
    }

    private void loadSnapshot(final Image image)
    {
        awaitCheckpoint();
        ServiceSnapshot.decode(readSnapshotStream(image, idleStrategy, memberId), this);
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
    private static byte[] readSnapshotStream(final Image image, final IdleStrategy idle, final int memberId)
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

    @Override
    public void onRoleChange(final Cluster.Role newRole)
    {
        role = newRole;
    }

    @Override
    public void onTerminate(final Cluster cluster)
    {
        awaitCheckpoint();
        scheduler.close();
    }

    // ReplicaView

    @Override
    public int memberId()
    {
        return memberId;
    }

    @Override
    public String datacenter()
    {
        return datacenter;
    }

    @Override
    public Storage storage()
    {
        return storage;
    }

    @Override
    public Catalog catalog()
    {
        return catalog;
    }

    @Override
    public Cluster.Role role()
    {
        return role;
    }

    @Override
    public long batchWindowMicros()
    {
        return batchWindowMicros;
    }

    @Override
    public long committedCount()
    {
        return committed;
    }

    @Override
    public long abortedCount()
    {
        return aborted;
    }

    /** @return client messages read from the log since this service started (local statistic). */
    public long logMessages()
    {
        return logMessages;
    }

    /** @return transactions that joined an epoch since this service started (local statistic). */
    public long sequencedTransactions()
    {
        return sequencedTxns;
    }

    @Override
    public long lastDigest()
    {
        return scheduler.lastDigest();
    }

    @Override
    public Long digestAt(final long epoch)
    {
        return digests.get(epoch);
    }

    @Override
    public int workers()
    {
        return scheduler.workers();
    }

    /**
     * The service's replicated state as a byte stream: settings, counters, digest chain, catalog, the dedup window,
     * the open epoch (its timer is in the consensus module's own snapshot) and every stored row. Version 1 copies
     * all rows while the cluster waits; issue 3 measures and shortens that stall.
     */
    static final class ServiceSnapshot
    {
        /** Format 3: format 2 with the rows in a {@link RowCheckpoint} file named after the magic (or inline). */
        private static final int MAGIC = 0x53445333;
        /** Format 2: format 1 plus the open epoch's deadline. */
        private static final int MAGIC_V2 = 0x53445332;
        private static final int MAGIC_V1 = 0x53445331;

        private ServiceSnapshot()
        {
        }

        /**
         * Load a snapshot into a freshly reset service, after checking its checksum.
         *
         * @param stream bytes from {@link #encode(StardustService)}.
         * @param s      the service.
         * @throws IllegalStateException naming what is wrong when the snapshot is corrupt or truncated.
         */
        static void decode(final byte[] stream, final StardustService s)
        {
            checkCrc(stream, s.memberId);
            try (java.io.DataInputStream in = new java.io.DataInputStream(
                new java.io.ByteArrayInputStream(stream, 0, stream.length - 8)))
            {
                read(in, s);
            }
            catch (final java.io.IOException ex)
            {
                throw new IllegalStateException("member " + s.memberId + ": snapshot is corrupt: " + ex, ex);
            }
        }

        /**
         * @param stream   bytes from {@link #encode(StardustService)}.
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
                return in.readInt() == MAGIC ? in.readUTF() : "";
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
                in.readInt();
                in.readUTF();
                // nextEpoch, batch window, epoch limits (2 ints), deadline, committed, aborted, then lastEpoch.
                in.skipNBytes(8 + 8 + 4 + 4 + 8 + 8 + 8);
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
            out.writeLong(s.nextEpoch);
            out.writeLong(s.batchWindowMicros);
            out.writeInt(s.epochMaxTransactions);
            out.writeInt(s.epochMaxBytes);
            out.writeLong(s.epochDeadline);
            out.writeLong(s.committed);
            out.writeLong(s.aborted);
            out.writeLong(s.scheduler.lastEpoch());
            out.writeLong(s.scheduler.lastDigest());

            out.writeLong(s.catalog.version());
            out.writeInt(s.catalog.tables().size());
            for (final Catalog.TableInfo t : s.catalog.tables())
            {
                out.writeUTF(t.name());
                out.writeLong(t.createdAtVersion());
            }

            out.writeInt(s.decided.size());
            final java.io.IOException[] failed = {null};
            s.decided.forEach((txnId, epoch, index, outcome) ->
            {
                try
                {
                    out.writeLong(txnId);
                    out.writeLong(epoch);
                    out.writeInt(index);
                    writeOutcome(out, outcome);
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

            out.writeInt(s.openBytes);
            out.writeInt(s.openTxns.size());
            for (int i = 0; i < s.openTxns.size(); i++)
            {
                writeTxn(out, s.openTxns.get(i));
                final PendingReply r = s.openReplies.get(i);
                out.writeLong(r.sessionId());
                out.writeLong(r.correlationId());
            }
            out.writeInt(s.retriesOfOpen.size());
            for (final PendingReply r : s.retriesOfOpen)
            {
                out.writeLong(r.sessionId());
                out.writeLong(r.correlationId());
                out.writeLong(r.txnId());
            }

            for (final Catalog.TableInfo t : rowsFile.isEmpty() ? s.catalog.tables() : List.<Catalog.TableInfo>of())
            {
                final long[] count = {s.storage.size(t.id())};
                out.writeLong(count[0]);
                final java.io.IOException[] failure = {null};
                s.storage.forEachEncoded(t.id(), (key, row) ->
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
            if (magic != MAGIC && magic != MAGIC_V2 && magic != MAGIC_V1)
            {
                throw new java.io.IOException("not a Stardust service snapshot (bad magic)");
            }
            final String rowsFile = magic == MAGIC ? in.readUTF() : "";
            s.nextEpoch = in.readLong();
            s.batchWindowMicros = in.readLong();
            s.epochMaxTransactions = in.readInt();
            s.epochMaxBytes = in.readInt();
            // Format 1 had no deadline: its open epoch is closed by its timer, which is in the log.
            s.epochDeadline = magic != MAGIC_V1 ? in.readLong() : Long.MAX_VALUE;
            s.committed = in.readLong();
            s.aborted = in.readLong();
            final long lastEpoch = in.readLong();
            final long lastDigest = in.readLong();
            s.scheduler.restore(lastEpoch, lastDigest);
            s.digests.record(lastEpoch, lastDigest);

            final long catalogVersion = in.readLong();
            final int tableCount = in.readInt();
            final List<Catalog.TableInfo> tables = new ArrayList<>();
            for (int i = 0; i < tableCount; i++)
            {
                final String name = in.readUTF();
                tables.add(new Catalog.TableInfo(i, name, in.readLong()));
                s.storage.createTable(i, name);
            }
            s.catalog = Catalog.of(catalogVersion, tables);

            final int decidedCount = in.readInt();
            for (int i = 0; i < decidedCount; i++)
            {
                final long txnId = in.readLong();
                final long epoch = in.readLong();
                final int index = in.readInt();
                s.decided.put(txnId, epoch, index, readOutcome(in));
            }

            s.openBytes = in.readInt();
            final int openCount = in.readInt();
            for (int i = 0; i < openCount; i++)
            {
                final TxnRecord txn = readTxn(in);
                s.openTxns.add(txn);
                s.openReplies.add(new PendingReply(in.readLong(), in.readLong(), txn.txnId()));
            }
            final int retries = in.readInt();
            for (int i = 0; i < retries; i++)
            {
                s.retriesOfOpen.add(new PendingReply(in.readLong(), in.readLong(), in.readLong()));
            }

            if (!rowsFile.isEmpty())
            {
                if (s.config.checkpointDirectory() == null)
                {
                    throw new java.io.IOException("rows are in " + rowsFile + " but no checkpoint directory is set");
                }
                RowCheckpoint.load(new java.io.File(s.config.checkpointDirectory(), rowsFile), lastEpoch, s.storage);
            }
            for (int t = 0; rowsFile.isEmpty() && t < tableCount; t++)
            {
                final long rows = in.readLong();
                for (long r = 0; r < rows; r++)
                {
                    s.storage.loadEncoded(t, readBytes(in), readBytes(in));
                }
            }
            s.storage.restoredTo(lastEpoch);
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
        }

        private static TxnRecord readTxn(final java.io.DataInputStream in) throws java.io.IOException
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
            return new TxnRecord(txnId, snapshotEpoch, reads, ranges, writes);
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
    }
}
