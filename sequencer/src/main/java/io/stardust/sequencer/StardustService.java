package io.stardust.sequencer;

import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.cluster.codecs.CloseReason;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusteredService;
import io.aeron.logbuffer.Header;
import io.stardust.catalog.Catalog;
import io.stardust.catalog.CatalogChanges;
import io.stardust.catalog.SchemaChange;
import io.stardust.catalog.SchemaProblem;
import io.stardust.protocol.codecs.AbortReason;
import io.stardust.protocol.codecs.BooleanType;
import io.stardust.protocol.codecs.ClusterSettingsEncoder;
import io.stardust.protocol.codecs.CommitOutcome;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.scheduler.EpochResult;
import io.stardust.scheduler.Outcome;
import io.stardust.scheduler.Procedures;
import io.stardust.scheduler.Scheduler;
import io.stardust.scheduler.TxnRecord;
import io.stardust.storage.Storage;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The Aeron Cluster service of a Stardust member: the sequencer.
 * <p>
 * Every record from the log is read and checked whole by a {@link RecordReader} first; a refused one gets an error
 * reply and changes nothing. Commit records join the {@link OpenEpoch}, which owns every reason to close it. Closing
 * runs the {@link Scheduler} on the epoch, which validates and applies it to {@link Storage} and chains the digest;
 * then the leader answers ({@link Replies}). Control records sit between epochs.
 * <p>
 * Everything that decides state comes from the log: message order, cluster time, the {@link ReplicatedSettings} and
 * the catalog. Worker count is a local knob that changes speed, never outcomes. A fault while an epoch is applied
 * stops this replica at once ({@link FatalHandler}): it serves nothing from a partial epoch and recovers from its
 * snapshot and the log when started again.
 */
public final class StardustService implements ClusteredService, ReplicaView
{
    private volatile int leaderMemberId = -1;
    private final TenantCounters tenants = new TenantCounters();
    private static final int SNAPSHOT_CHUNK_BYTES = 32 * 1024;

    private final int memberId;
    private final String datacenter;
    private final SequencerConfig config;
    private final Storage storage;
    final Scheduler scheduler;
    final DigestLog digests;
    private final List<EpochListener> listeners = new CopyOnWriteArrayList<>();
    private final RecordReader reader;
    private final Replies replies = new Replies();
    private final CheckpointWriter checkpoints;
    private final UnsafeBuffer messageView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer recordView = new UnsafeBuffer(0, 0);
    private FatalHandler fatalHandler = (reason, code) ->
    {
        throw new IllegalStateException(reason);
    };

    private volatile Runnable activityHook = () -> { };
    private Cluster cluster;
    private volatile Cluster.Role role;
    private volatile String failure;

    // Replicated state: a function of the log alone.
    volatile ReplicatedSettings settings = ReplicatedSettings.DEFAULTS;
    /** True once a ClusterSettings record was applied. */
    boolean settingsFromLog;
    /** True once this replica offered the cluster's first settings (every replica does, at the same log event). */
    boolean settingsOffered;
    volatile Catalog catalog = Catalog.EMPTY;
    /** Offset of the schema version in a message header. */
    private static final int SCHEMA_VERSION_OFFSET = 6;
    /** Sessions whose requests speak protocol version 8 or later (egress only, not replicated state). */
    private final org.agrona.collections.LongHashSet batchedOneShotSessions = new org.agrona.collections.LongHashSet();
    long nextEpoch = 1;
    final OpenEpoch open = new OpenEpoch();
    volatile long committed;
    /** The replicated admission rate (a token bucket in log time); in the snapshot. */
    final Admission admission = new Admission();
    /** Commits refused by admission since this service started (local statistic). */
    private volatile long overBudget;
    /** One-shot transactions sequenced since this service started, and those a false condition aborted. */
    private volatile long oneShots;
    private volatile long conditionFailures;
    /** Telemetry of applied epochs; reads clocks, decides nothing. */
    private final EpochTelemetry telemetry = new EpochTelemetry();
    volatile long aborted;
    DecisionWindow decided;
    final ControlRequests controlRequests = new ControlRequests();

    // Local statistics.
    private volatile long logMessages;
    private volatile long sequencedTxns;
    private volatile long duplicatesAnswered;
    private volatile long restoredEpoch = -1;
    private volatile long lastSnapshotBytes;
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
        this(memberId, datacenter, config, storage, workers, new RecordReader());
    }

    /** As the public constructor, with the reader of records: tests plant faults through it. */
    StardustService(
        final int memberId,
        final String datacenter,
        final SequencerConfig config,
        final Storage storage,
        final int workers,
        final RecordReader reader)
    {
        this.reader = reader;
        this.memberId = memberId;
        this.datacenter = datacenter;
        this.config = config.validate();
        this.storage = storage;
        this.scheduler = new Scheduler(storage, workers);
        reader.procedures(scheduler.procedures());
        scheduler.rowOps(this::updateRow);
        this.digests = new DigestLog(config.digestHistory());
        this.checkpoints = new CheckpointWriter(memberId, storage);
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

    /**
     * @param handler told when this replica must stop (the member exits with the code given).
     * @return this.
     */
    public StardustService fatalHandler(final FatalHandler handler)
    {
        this.fatalHandler = handler;
        return this;
    }

    /**
     * @param hook run on the service thread for every client record the log delivers (the member's quiet-spell
     *             watch); it must be cheap and never decide anything.
     * @return this.
     */
    public StardustService onActivity(final Runnable hook)
    {
        this.activityHook = hook;
        return this;
    }

    /**
     * @param deployed where this member finds procedure classes; set before the service starts.
     * @return this.
     */
    public StardustService procedureClasses(final ClassLoader deployed)
    {
        final Procedures procedures = new Procedures(deployed);
        scheduler.procedures(procedures);
        reader.procedures(procedures);
        return this;
    }

    /** @return the scheduler, for its local knobs. */
    public Scheduler scheduler()
    {
        return scheduler;
    }

    SequencerConfig config()
    {
        return config;
    }

    private void resetReplicatedState()
    {
        settings = ReplicatedSettings.DEFAULTS;
        settingsFromLog = false;
        settingsOffered = false;
        catalog = Catalog.EMPTY;
        scheduler.procedures().clear();
        nextEpoch = 1;
        open.clear();
        decided = new DecisionWindow(settings.dedupWindowTransactions());
        controlRequests.clear();
        admission.set(0, 0, 0);
        committed = 0;
        aborted = 0;
        digests.clear();
        scheduler.restore(0, io.stardust.storage.Hashing.SEED);
    }

    @Override
    public void onStart(final Cluster cluster, final Image snapshotImage)
    {
        this.cluster = cluster;
        replies.cluster(cluster);
        storage.reset();
        resetReplicatedState();
        if (snapshotImage != null)
        {
            // State at the snapshot's log position; the log after it replays on top.
            checkpoints.await();
            ServiceSnapshot.decode(ServiceSnapshot.readSnapshotStream(snapshotImage, cluster.idleStrategy(), memberId),
                this);
            restoredEpoch = storage.appliedEpoch();
            checkDurability();
        }
    }

    @Override
    public void onSessionOpen(final ClientSession session, final long timestamp)
    {
        appendSettingsIfMissing();
    }

    @Override
    public void onSessionClose(final ClientSession session, final long timestamp, final CloseReason closeReason)
    {
        batchedOneShotSessions.remove(session.id());
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
        activityHook.run();
        if (session != null && length >= io.stardust.protocol.codecs.MessageHeaderDecoder.ENCODED_LENGTH &&
            buffer.getShort(offset + SCHEMA_VERSION_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN) >= 8)
        {
            // A client that speaks version 8 takes its one-shot results gathered per epoch (OneShotResults).
            batchedOneShotSessions.add(session.id());
        }
        if (failure != null)
        {
            return;
        }
        appendSettingsIfMissing();
        if (open.endsBefore(timestamp))
        {
            // The open epoch's window has passed by log time: close it before this message joins the next one.
            closeEpoch();
        }
        // A view bounded to this message, so that a lying length or group count cannot read past it.
        messageView.wrap(buffer, offset, length);
        logMessages++;
        process(session, messageView, false);
    }

    private void process(final ClientSession session, final UnsafeBuffer frame, final boolean inBatch)
    {
        final RecordReader.Record record;
        try
        {
            record = reader.read(frame, session == null, inBatch, settings, catalog, nextEpoch - 1);
        }
        catch (final RequestException ex)
        {
            replies.error(session, reader.correlationId(), ex.code(), ex.getMessage());
            return;
        }
        final String refusal = Authorization.refusal(session, record, catalog);
        if (refusal != null)
        {
            // Decided from the session's principal, which its open event carried into the log: the same everywhere.
            replies.error(session, reader.correlationId(), ErrorCode.NOT_AUTHORIZED, refusal);
            return;
        }
        // Applying runs outside the request's error handling: a fault while applying an epoch is a fault of this
        // replica, which must stop rather than report it as bad input and carry on diverged.
        if (record instanceof RecordReader.Commit commit)
        {
            onCommit(session, commit);
        }
        else if (record instanceof RecordReader.Batch batch)
        {
            for (int i = 0; i < batch.offsets().length && failure == null; i++)
            {
                recordView.wrap(batch.frame(), batch.offsets()[i], batch.lengths()[i]);
                process(session, recordView, true);
            }
        }
        else if (record instanceof RecordReader.Nudge)
        {
            // Its log time closed the open epoch above, if the window had passed; nothing else to do.
            return;
        }
        else if (record instanceof RecordReader.SetBatchWindow r)
        {
            control(session, r.correlationId(), r.requestId(), null, () ->
            {
                settings = settings.withBatchWindow(r.micros());
                for (final EpochListener listener : listeners)
                {
                    listener.onBatchWindow(nextEpoch, r.micros());
                }
                return "batch window " + r.micros() + " us from epoch " + nextEpoch;
            });
        }
        else if (record instanceof RecordReader.SetEpochLimits r)
        {
            control(session, r.correlationId(), r.requestId(), null, () ->
            {
                settings = settings.withEpochLimits(r.maxTransactions(), r.maxBytes());
                return "epoch limits " + r.maxTransactions() + " transactions, " + r.maxBytes() +
                    " bytes from epoch " + nextEpoch;
            });
        }
        else if (record instanceof RecordReader.CreateTable r)
        {
            final SchemaChange change = SchemaChange.CreateTable.keyValue(r.name());
            control(session, r.correlationId(), r.requestId(), () -> catalog.check(change),
                () -> changeSchema(change));
        }
        else if (record instanceof RecordReader.Schema r)
        {
            control(session, r.correlationId(), r.requestId(), () -> catalog.check(r.change()),
                () -> changeSchema(r.change()));
        }
        else if (record instanceof RecordReader.Settings r)
        {
            onSettings(session, r);
        }
        else if (record instanceof RecordReader.SetAdmission r)
        {
            control(session, r.correlationId(), r.requestId(), null, () ->
            {
                admission.set(r.ratePerSecond(), r.burst(), logNanos());
                return admission.describe() + ", from log time " + cluster.time();
            });
        }
    }

    /** @return the current message's log time in nanoseconds: the same on every replica. */
    private long logNanos()
    {
        return cluster.timeUnit().toNanos(cluster.time());
    }

    /**
     * Apply a control record between epochs, once per request id: a request sent again (after a leader change) gets
     * the answer its first copy got.
     *
     * @param check  what makes the record refused in the current state (null when nothing does), or null.
     * @param change applies the record and describes it.
     */
    private void control(
        final ClientSession session,
        final long correlationId,
        final long requestId,
        final java.util.function.Supplier<SchemaProblem> check,
        final java.util.function.Supplier<String> change)
    {
        final ControlRequests.Ack earlier = controlRequests.get(requestId);
        if (earlier != null)
        {
            replies.controlAck(session, correlationId, earlier);
            return;
        }
        final SchemaProblem problem = check == null ? null : check.get();
        if (problem != null)
        {
            replies.error(session, correlationId, switch (problem.kind())
            {
                case EXISTS -> ErrorCode.TABLE_EXISTS;
                case UNKNOWN -> ErrorCode.UNKNOWN_TABLE;
                case INVALID -> ErrorCode.INVALID_ARGUMENT;
            }, problem.message());
            return;
        }
        closeEpoch();
        if (failure != null)
        {
            return;
        }
        final String detail;
        try
        {
            detail = change.get();
        }
        catch (final RequestException ex)
        {
            // Refused by the state at the epoch boundary (a unique index over rows that clash): nothing changed.
            replies.error(session, correlationId, ex.code(), ex.getMessage());
            return;
        }
        if (failure != null)
        {
            return;
        }
        final ControlRequests.Ack ack =
            new ControlRequests.Ack(nextEpoch, catalog.version(), settings.batchWindowMicros(), detail);
        controlRequests.put(requestId, ack);
        replies.controlAck(session, correlationId, ack);
    }

    /**
     * Apply a schema change the catalog accepts, between epochs: create and drop storage relations, and fill a new
     * index from its table's rows in an epoch of its own, so its entries are versioned, digested and replayed like
     * any write.
     */
    private String changeSchema(final SchemaChange change)
    {
        final CatalogChanges.Applied applied = catalog.apply(change);
        if (change instanceof SchemaChange.RegisterProcedure r && applied.catalog() != catalog)
        {
            final Procedures.Loaded loaded = loadProcedure(r.name(), r.version(), r.className(), r.sha256(),
                r.stepBudget());
            if (loaded == null)
            {
                return applied.detail();
            }
            scheduler.procedures().add(loaded);
        }
        // Computed before anything changes: a unique index over clashing rows is refused whole.
        final List<List<TxnRecord>> fills = new java.util.ArrayList<>();
        for (final Catalog.Relation r : applied.created())
        {
            if (r.index())
            {
                fills.add(IndexBackfill.records(applied.catalog(), r, storage, scheduler.lastEpoch()));
            }
        }
        for (final Catalog.Relation r : applied.dropped())
        {
            storage.dropTable(r.id());
            for (final EpochListener listener : listeners)
            {
                listener.onRelationDropped(r.id());
            }
        }
        for (final Catalog.Relation r : applied.created())
        {
            storage.createTable(r.id(), r.name());
            for (final EpochListener listener : listeners)
            {
                listener.onTableCreated(r.id(), r.name());
            }
        }
        catalog = applied.catalog();
        String detail = applied.detail();
        for (final List<TxnRecord> fill : fills)
        {
            if (!fill.isEmpty())
            {
                final long epoch = nextEpoch;
                if (internalEpoch(fill, "filling a new index") == null)
                {
                    return detail;
                }
                detail += "; " + IndexBackfill.entries(fill) + " entries filled in epoch " + epoch;
            }
        }
        return detail;
    }

    /** An UPDATE_ROW at its log position: the row's table as the catalog is during the epoch. */
    private byte[] updateRow(final int tableId, final byte[] row, final byte[] assignments)
    {
        final Catalog.Relation relation = catalog.relation(tableId);
        return io.stardust.catalog.RowUpdate.apply(catalog.table(relation.table()), row,
            io.stardust.catalog.RowUpdate.decode(assignments));
    }

    /** Load every procedure version a restored catalog registers. */
    void loadProcedures()
    {
        for (final io.stardust.catalog.ProcedureDef p : catalog.procedureMap().values())
        {
            final Procedures.Loaded loaded = loadProcedure(p.name(), p.version(), p.className(), p.sha256(),
                p.stepBudget());
            if (loaded == null)
            {
                return;
            }
            scheduler.procedures().add(loaded);
        }
    }

    /**
     * @return the procedure version loaded; null when this member lacks its class or holds other bytes, and then
     * this replica has stopped: it could not run calls as the others do.
     * @throws RequestException when the class breaks a rule: every member finds the same, and refuses it.
     */
    private Procedures.Loaded loadProcedure(final String name, final int version, final String className,
        final String sha256, final long stepBudget)
    {
        try
        {
            return scheduler.procedures().load(name, version, className, sha256, stepBudget);
        }
        catch (final Procedures.NotHere ex)
        {
            fail(ex.getMessage() + ". This member cannot run its calls as the other members do, so it stops: " +
                "deploy the class the cluster registered (the same build on every member) and start it again",
                FatalHandler.PROCEDURE_MISMATCH);
            return null;
        }
        catch (final Procedures.Refused ex)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, ex.getMessage());
        }
    }

    /**
     * Run an epoch of the service's own records (no client waits on them), as the next epoch.
     *
     * @return its result, or null when applying it failed (the replica then stops).
     */
    private EpochResult internalEpoch(final List<TxnRecord> txns, final String what)
    {
        final long epoch = nextEpoch;
        final EpochResult result;
        try
        {
            result = scheduler.execute(epoch, txns);
        }
        catch (final RuntimeException | Error ex)
        {
            fail("could not finish " + what + " in epoch " + epoch + ": " + ex + ". Part of it may have reached " +
                "storage, so this replica serves nothing more; started again, it recovers from its snapshot and the " +
                "log", isStorageFull(ex) ? FatalHandler.DISK_FULL : FatalHandler.APPLY_FAILED);
            return null;
        }
        nextEpoch = epoch + 1;
        digests.record(epoch, result.digest());
        for (final EpochListener listener : listeners)
        {
            listener.onEpoch(epoch, txns, result);
        }
        return result;
    }

    private void onSettings(final ClientSession session, final RecordReader.Settings r)
    {
        if (r.initial() && settingsFromLog)
        {
            // Another leader's first settings, or this one's sent again: the first in the log won.
            return;
        }
        control(session, r.correlationId(), r.requestId(), null, () ->
        {
            final ReplicatedSettings previous = settings;
            settings = r.settings();
            settingsFromLog = true;
            if (previous.dedupWindowTransactions() != settings.dedupWindowTransactions())
            {
                decided = decided.resized(settings.dedupWindowTransactions());
            }
            checkDurability();
            return (r.initial() ? "initial settings: " : "settings: ") + settings.describe() + ", from epoch " +
                nextEpoch;
        });
    }

    /** A member runs the durability the log says: its disk syncs are set at launch, so a conflict stops it. */
    private void checkDurability()
    {
        if (settingsFromLog && settings.durability() != config.durability())
        {
            fail("this member runs with --durability " + config.durability().name().toLowerCase() + " but the " +
                "cluster's replicated settings say " + settings.durability().name().toLowerCase() + ": start it " +
                "with --durability " + settings.durability().name().toLowerCase(), FatalHandler.SETTINGS_CONFLICT);
        }
    }

    private void onCommit(final ClientSession session, final RecordReader.Commit commit)
    {
        final TxnRecord txn = commit.txn();
        final long sessionId = session.id();
        if (commit.mayRepeat())
        {
            // A retry of a transaction already sequenced (after a timeout or a leader change) is answered with the
            // original decision and never runs twice. Only a frame marked as sent again can be one.
            final DecisionWindow.Decision earlier = decided.get(txn.txnId());
            if (earlier != null)
            {
                duplicatesAnswered++;
                if (earlier.effect() != null)
                {
                    replies.oneShotResult(sessionId, commit.correlationId(), txn.txnId(), earlier.epoch(),
                        earlier.index(), earlier.outcome(), earlier.effect(),
                        !earlier.outcome().committed() || earlier.effect().results() != null, this::tableName, false);
                }
                else
                {
                    replies.outcome(replies.immediate, sessionId, commit.correlationId(), txn.txnId(),
                        earlier.epoch(), earlier.index(), earlier.outcome(), this::tableName);
                }
                return;
            }
            if (open.indexOf(txn.txnId()) >= 0)
            {
                duplicatesAnswered++;
                open.retries.add(new OpenEpoch.PendingReply(sessionId, commit.correlationId(), txn.txnId()));
                return;
            }
        }
        if (commit.changedTable() != null)
        {
            // Decided from the log alone, so every replica rejects it the same way; it takes no index.
            replies.commitResult(sessionId, commit.correlationId(), txn.txnId(), CommitOutcome.ABORTED,
                AbortReason.SCHEMA_CHANGED, nextEpoch, -1, commit.changedTable(), null);
            return;
        }
        final long retryAfterMicros = admission.admit(logNanos());
        if (retryAfterMicros > 0)
        {
            // Refused by log time alone, so every replica refuses it; it is never sequenced and takes no index.
            overBudget++;
            replies.error(session, commit.correlationId(), ErrorCode.OVER_BUDGET, retryAfterMicros,
                "over budget: the cluster admits " + admission.ratePerSecond() + " transactions/s (burst " +
                admission.burst() + "); transaction " + txn.txnId() + " was not sequenced, retry after " +
                Math.max(1, retryAfterMicros / 1_000) + " ms");
            return;
        }
        sequencedTxns++;
        tenants.commit(databaseOf(txn));
        final boolean full = open.add(txn, new OpenEpoch.PendingReply(sessionId, commit.correlationId(), txn.txnId()),
            commit.length(), nextEpoch, cluster.time(),
            cluster.timeUnit().convert(settings.batchWindowMicros(), TimeUnit.MICROSECONDS), settings,
            this::scheduleTimer);
        telemetry.queued(open.txns.size());
        if (full)
        {
            closeEpoch();
        }
    }

    private void scheduleTimer(final long epoch, final long deadline)
    {
        // A refused timer (back pressure towards the consensus module) would leave the epoch open: retry.
        final IdleStrategy idle = cluster.idleStrategy();
        idle.reset();
        while (!cluster.scheduleTimer(epoch, deadline))
        {
            idle.idle();
        }
    }

    private String tableName(final int tableId)
    {
        final Catalog.Relation relation = catalog.relation(tableId);
        return relation == null ? "#" + tableId : relation.name();
    }

    @Override
    public void onTimerEvent(final long correlationId, final long timestamp)
    {
        // A timer of an epoch that already closed early may still fire: it is in the log, so ignore it everywhere.
        if (failure == null && open.endsOnTimer(correlationId, nextEpoch))
        {
            closeEpoch();
        }
        appendSettingsIfMissing();
    }

    private void closeEpoch()
    {
        if (open.isEmpty() || failure != null)
        {
            return;
        }
        final long epoch = nextEpoch;
        cluster.cancelTimer(epoch);
        final List<TxnRecord> txns = List.copyOf(open.txns);
        final EpochResult result;
        final long applyStart = System.nanoTime();
        try
        {
            result = scheduler.execute(epoch, txns);
        }
        catch (final RuntimeException | Error ex)
        {
            final long free = storage.config().directory().getUsableSpace();
            if (isStorageFull(ex))
            {
                fail("disk nearly full: " + ex.getMessage() + ". Epoch " + epoch + " was refused before any of " +
                    "it was written; free space, then start this member again", FatalHandler.DISK_FULL);
            }
            else if (free < (1 << 20))
            {
                // A write to a memory-mapped file on a full disk faults (an InternalError) half way through.
                fail("a write of epoch " + epoch + " failed (" + ex + ") with " + free + " bytes free on the " +
                    "file system of " + storage.config().directory() + ": the disk is full. Part of the epoch may " +
                    "have reached storage, so this replica serves nothing more; free space, then start it again",
                    FatalHandler.DISK_FAULT);
            }
            else
            {
                fail("could not finish applying epoch " + epoch + " (" + txns.size() + " transactions): " + ex +
                    ". Part of it may have reached storage, so this replica serves nothing more; started again, it " +
                    "recovers from its snapshot and the log", FatalHandler.APPLY_FAILED);
            }
            return;
        }
        nextEpoch = epoch + 1;
        digests.record(epoch, result.digest());
        committed += result.committed();
        aborted += result.aborted();
        if (result.effects() != null)
        {
            for (int i = 0; i < txns.size(); i++)
            {
                final io.stardust.scheduler.OneShotEffect effect = result.effect(i);
                if (effect != null)
                {
                    oneShots++;
                    conditionFailures +=
                        effect.reason() == io.stardust.scheduler.AbortReason.CONDITION_FAILED ? 1 : 0;
                }
            }
        }
        telemetry.onEpoch(txns.size(), cluster.timeUnit().toNanos(open.openedAt), applyStart, System.nanoTime(),
            epochNanosNow());

        final Outcome[] outcomes = result.outcomes();
        // Only the leader's replies leave the member (Aeron mocks a follower's offers), so followers skip encoding.
        final boolean replying = cluster.role() == Cluster.Role.LEADER;
        for (int i = 0; i < outcomes.length; i++)
        {
            final OpenEpoch.PendingReply reply = open.replies.get(i);
            decided.put(reply.txnId(), epoch, i, outcomes[i], result.effect(i));
            if (replying)
            {
                reply(reply.sessionId(), reply.correlationId(), reply.txnId(), epoch, i, outcomes[i],
                    result.effect(i));
            }
        }
        for (final OpenEpoch.PendingReply retry : open.retries)
        {
            // From this epoch's own outcomes: the dedup window may already have dropped the original (a small window
            // rotating inside one epoch).
            final int index = open.indexOf(retry.txnId());
            if (replying)
            {
                reply(retry.sessionId(), retry.correlationId(), retry.txnId(), epoch, index, outcomes[index],
                    result.effect(index));
            }
        }
        replies.flush();
        open.clear();
        telemetry.queued(0);
        for (final EpochListener listener : listeners)
        {
            listener.onEpoch(epoch, txns, result);
        }
    }

    private void reply(final long sessionId, final long correlationId, final long txnId, final long epoch,
        final int index, final Outcome outcome, final io.stardust.scheduler.OneShotEffect effect)
    {
        if (effect != null)
        {
            replies.oneShotResult(sessionId, correlationId, txnId, epoch, index, outcome, effect, true,
                this::tableName, batchedOneShotSessions.contains(sessionId));
        }
        else
        {
            replies.outcome(replies.batched, sessionId, correlationId, txnId, epoch, index, outcome,
                this::tableName);
        }
    }

    private static boolean isStorageFull(final Throwable error)
    {
        for (Throwable t = error; t != null; t = t.getCause())
        {
            if (t instanceof io.stardust.storage.StorageFullException)
            {
                return true;
            }
        }
        return false;
    }

    /** Stop this replica: nothing more is applied, read or snapshotted, and the member is told to exit. */
    private void fail(final String reason, final int exitCode)
    {
        if (failure != null)
        {
            return;
        }
        final String full = "member " + memberId + ": " + reason;
        failure = full;
        storage.fail(full);
        fatalHandler.fatal(full, exitCode);
    }

    /** @return why this replica stopped, or null while it is healthy. */
    public String failure()
    {
        return failure;
    }

    /**
     * The cluster's first settings come from the leader's configuration, through the log. Aeron lets a service append
     * only from a callback of the log, and every replica must offer at the same point of the log (a follower's offer
     * is dropped, but counted, and the new leader appends the ones still pending after a leader change). So every
     * replica offers once, at the first log event it sees while the log has no settings and none were offered: a
     * function of the log alone. Records sequenced before the settings record run under
     * {@link ReplicatedSettings#DEFAULTS}, the same on every replica.
     */
    private void appendSettingsIfMissing()
    {
        if (settingsFromLog || settingsOffered || failure != null || cluster == null)
        {
            return;
        }
        settingsOffered = true;
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        final ReplicatedSettings seed = config.seedSettings();
        final ClusterSettingsEncoder e = new ClusterSettingsEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(-1)
            .requestId(0)
            .initial(BooleanType.TRUE)
            .batchWindowMicros(seed.batchWindowMicros())
            .epochMaxTransactions(seed.epochMaxTransactions())
            .epochMaxBytes(seed.epochMaxBytes())
            .maxTransactionBytes(seed.maxTransactionBytes())
            .maxTransactionOps(seed.maxTransactionOps())
            .maxKeyBytes(seed.maxKeyBytes())
            .maxValueBytes(seed.maxValueBytes())
            .dedupWindowTransactions(seed.dedupWindowTransactions())
            .durability(seed.durability());
        // Back pressure towards the consensus module: offer until taken, as every replica's offer must count.
        final IdleStrategy idle = cluster.idleStrategy();
        idle.reset();
        long result;
        while ((result = cluster.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength())) < 0 &&
            result != io.aeron.Publication.CLOSED && result != io.aeron.Publication.MAX_POSITION_EXCEEDED)
        {
            idle.idle();
        }
    }

    @Override
    public void onNewLeadershipTermEvent(
        final long leadershipTermId,
        final long logPosition,
        final long timestamp,
        final long termBaseLogPosition,
        final int leaderMemberId,
        final int logSessionId,
        final TimeUnit timeUnit,
        final int appVersion)
    {
        this.leaderMemberId = leaderMemberId;
        appendSettingsIfMissing();
    }

    @Override
    public TenantCounters tenants()
    {
        return tenants;
    }

    /** @return the database a transaction works in: its first write's, else its first read's or range's. */
    private String databaseOf(final TxnRecord txn)
    {
        final int table = txn.writes().length > 0 ? txn.writes()[0].tableId() :
            txn.reads().length > 0 ? txn.reads()[0].tableId() :
            txn.ranges().length > 0 ? txn.ranges()[0].tableId() :
            txn.ops().length > 0 ? txn.ops()[0].tableId() : -1;
        final Catalog.Relation relation = table < 0 ? null : catalog.relation(table);
        return relation == null ? Catalog.DEFAULT_DATABASE : Catalog.databaseOf(relation.name());
    }

    /**
     * @param txnId a transaction id.
     * @return the remembered effect of a one-shot transaction with that id, or null (for tests and diagnostics).
     */
    io.stardust.scheduler.OneShotEffect decidedEffect(final long txnId)
    {
        final DecisionWindow.Decision d = decided.get(txnId);
        return d == null ? null : d.effect();
    }

    /** @return the leader of the latest term this replica has seen in its log; -1 before the first. */
    public int leaderMemberId()
    {
        return leaderMemberId;
    }

    @Override
    public void onTakeSnapshot(final ExclusivePublication snapshotPublication)
    {
        if (failure != null)
        {
            throw new IllegalStateException("no snapshot of a failed replica: " + failure);
        }
        final long startNs = System.nanoTime();
        final java.io.File dir = config.checkpointDirectory();
        String rowsFile = "";
        if (dir != null)
        {
            // One checkpoint at a time: a snapshot asked for while the last one's rows are still being written
            // waits for them (snapshots are minutes apart; this is the rare case).
            checkpoints.await();
            rowsFile = RowCheckpoint.fileName(cluster.logPosition());
        }
        final SnapshotChunkOutput sink = new SnapshotChunkOutput(
            snapshotPublication::offer, cluster.idleStrategy(), memberId, SNAPSHOT_CHUNK_BYTES);
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
            final List<Catalog.Relation> tables = catalog.relations();
            final int[] tableIds = new int[tables.size()];
            for (int i = 0; i < tableIds.length; i++)
            {
                tableIds[i] = tables.get(i).id();
            }
            checkpoints.start(new java.io.File(dir, rowsFile), scheduler.lastEpoch(), tableIds);
        }
        lastSnapshotNanos = System.nanoTime() - startNs;
    }

    /** Wait until the row checkpoint being written (if any) is done. */
    public void awaitCheckpoint()
    {
        checkpoints.await();
    }

    /** @return rows in the last row checkpoint this member finished (local statistic). */
    public long lastCheckpointRows()
    {
        return checkpoints.lastRows();
    }

    /** @return how long the last row checkpoint took to write, in nanoseconds, off the service thread. */
    public long lastCheckpointNanos()
    {
        return checkpoints.lastNanos();
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

    /**
     * Read a service snapshot and check its framing and checksum without loading it; see
     * {@link ServiceSnapshot#verifySnapshot}.
     */
    public static long verifySnapshot(
        final Image image, final IdleStrategy idle, final int memberId, final java.io.File checkpointDir)
    {
        return ServiceSnapshot.verifySnapshot(image, idle, memberId, checkpointDir);
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

    /** @return the replicated settings in force. */
    public ReplicatedSettings settings()
    {
        return settings;
    }

    @Override
    public void onRoleChange(final Cluster.Role newRole)
    {
        role = newRole;
    }

    @Override
    public void onTerminate(final Cluster cluster)
    {
        checkpoints.await();
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
    public long committedCount()
    {
        return committed;
    }

    @Override
    public long oneShotCount()
    {
        return oneShots;
    }

    @Override
    public long conditionFailureCount()
    {
        return conditionFailures;
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

    /** @return commits refused by the admission rate since this service started (local statistic). */
    @Override
    public long overBudgetRefusals()
    {
        return overBudget;
    }

    /** @return the replicated admission rate, transactions per second; 0 for no limit. */
    @Override
    public long admissionRatePerSecond()
    {
        return admission.ratePerSecond();
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
     * Change the scheduler's worker threads from the next epoch: a local knob, safe from any thread, because every
     * worker count gives the same outcomes and digest.
     *
     * @param workers 1 to {@link io.stardust.scheduler.Scheduler#MAX_WORKERS}.
     */
    public void workers(final int workers)
    {
        scheduler.workers(workers);
    }

    @Override
    public long batchWindowMicros()
    {
        return settings.batchWindowMicros();
    }

    @Override
    public EpochTelemetry telemetry()
    {
        return telemetry;
    }

    private static long epochNanosNow()
    {
        final java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
