package io.stardust.server;

import io.aeron.archive.client.AeronArchive;
import io.aeron.archive.status.RecordingPos;
import io.aeron.cluster.ClusterBackup;
import io.aeron.cluster.ClusterBackupEventsListener;
import io.aeron.cluster.ClusterMember;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.RecordingLog;
import io.stardust.protocol.ClusterSpec;
import io.stardust.sequencer.RowCheckpoint;
import org.agrona.concurrent.IdleStrategy;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Seeds a member started with {@code --rebuild-from-peers} from a live peer, so that it can rejoin a cluster whose
 * members have purged the log it lacks ({@link LogRetention}): Aeron's election catch-up only replays log, and a
 * peer's archive refuses a replay below the start of its purged recording.
 * <p>
 * Runs after the member's old files are set aside and its media driver and archive are up, before its consensus
 * module and service container start. Two parts:
 * <ol>
 *     <li>Aeron's {@link ClusterBackup} on the member's own cluster directory, archive, consensus and catch-up
 *     endpoints (free: the consensus module is not running yet) asks the peers for their latest snapshot, copies
 *     its recordings (consensus module and service) into the local archive, records the peer's log from the
 *     snapshot's position on, and writes the recording log. Once the live log has caught up with the peer's commit
 *     position (it stops growing) or has been followed for a while, the backup is closed. The consensus module then
 *     starts on that state as after a restart: it loads the snapshot, replays the copied log and catches up the
 *     rest from the leader, which works because the copied log starts at or after every member's purge point.</li>
 *     <li>The snapshot's rows are not in Aeron's archive: the service snapshot only names a {@link RowCheckpoint}
 *     file ({@code <data-dir>/checkpoints/rows-<logPosition>.rows}). It is fetched from a peer's
 *     {@link CheckpointTransfer.Server}, a small read-only TCP server every member runs on its base port +
 *     {@link #CHECKPOINT_PORT_OFFSET}; it serves nothing but completed checkpoint files, by exact name. The file is
 *     written as {@code .tmp}, forced, checked whole ({@link RowCheckpoint#verify}: framing, row count, CRC-32) and
 *     renamed. The member's start-up {@link SnapshotCheck} then checks it against the snapshot's epoch.</li>
 * </ol>
 * Why TCP and not Aeron for the file: the archive only stores recordings, and recording a file on demand, or adding
 * a file request to the read endpoint's protocol, costs far more code than a bounded byte stream of a file that is
 * already whole and never changes once renamed into place. Like the member's other ports it is not authenticated;
 * it serves rows that the read endpoint serves anyway.
 * <p>
 * Limits: the peers keep the log after their second-newest snapshot, so the member must join within about one
 * snapshot interval of the copy; if it loses that race it stops with {@link StardustMember#EXIT_LAGGING} again and a
 * second rebuild copies a newer snapshot. A rebuild needs a majority running (a peer answers backup queries only
 * outside elections).
 */
final class PeerBootstrap
{
    /** Give up when no peer answers the backup query for this long. */
    private static final long NO_PEER_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    /** Give up after this many restarts of the backup (each after an error or a stall). */
    private static final int MAX_RESETS = 5;
    /** The copied live log counts as caught up with the peer once it has not grown for this long. */
    private static final long QUIET_NS = TimeUnit.SECONDS.toNanos(1);
    /** Follow the live log at most this long; the consensus module catches up the rest. */
    private static final long MAX_FOLLOW_NS = TimeUnit.SECONDS.toNanos(20);
    /** Peers write a snapshot's rows after the snapshot: wait this long for one to have the file. */
    private static final long CHECKPOINT_WAIT_NS = TimeUnit.SECONDS.toNanos(60);

    private final MemberConfig config;
    private final File clusterDir;
    private final Consumer<String> log;

    /**
     * @param config     the member's settings.
     * @param clusterDir the member's cluster directory (empty: its old one was set aside).
     * @param log        where progress lines go.
     */
    PeerBootstrap(final MemberConfig config, final File clusterDir, final Consumer<String> log)
    {
        this.config = config;
        this.clusterDir = clusterDir;
        this.log = log;
    }

    /**
     * Copy a peer's latest snapshot, its rows and the log after it into this member's (running) archive, cluster
     * directory and checkpoint directory.
     *
     * @param localArchive a client context of this member's archive (IPC); cloned here.
     * @param idle         idle strategies for the backup's agent.
     * @throws IllegalStateException when no peer can provide them; the message says what is missing.
     */
    void run(final AeronArchive.Context localArchive, final Supplier<IdleStrategy> idle)
    {
        final ClusterSpec.Member self = config.self();
        final StringBuilder peers = new StringBuilder();
        for (final ClusterSpec.Member m : config.cluster().members())
        {
            if (m.id() != self.id())
            {
                peers.append(peers.length() == 0 ? "" : ",").append(m.endpoint(ClusterSpec.CONSENSUS_PORT_OFFSET));
            }
        }
        if (peers.length() == 0)
        {
            throw new IllegalStateException("member " + self.id() + " cannot rebuild from peers: it has none");
        }
        final AtomicReference<String> lastProblem = new AtomicReference<>("none");
        final ClusterBackup.Context ctx = new ClusterBackup.Context()
            .aeronDirectoryName(config.aeronDir())
            .clusterDir(clusterDir)
            .deleteDirOnStart(false)
            .archiveContext(localArchive.clone())
            .clusterArchiveContext(new AeronArchive.Context()
                .controlRequestChannel("aeron:udp?term-length=64k")
                .controlResponseChannel("aeron:udp?endpoint=" + self.host() + ":0"))
            .clusterConsensusEndpoints(peers.toString())
            .consensusChannel("aeron:udp?term-length=64k|endpoint=" + self.endpoint(ClusterSpec.CONSENSUS_PORT_OFFSET))
            .catchupEndpoint(self.endpoint(ClusterSpec.CATCHUP_PORT_OFFSET))
            // Plain, as the consensus module's own catch-up channel: the two use the same port one after the other.
            .catchupChannel("aeron:udp")
            .initialReplayStart(ClusterBackup.Configuration.ReplayStart.LATEST_SNAPSHOT)
            .sourceType(ClusterBackup.SourceType.ANY)
            .clusterBackupCoolDownIntervalNs(TimeUnit.SECONDS.toNanos(2))
            .idleStrategySupplier(idle)
            .threadFactory((r) ->
            {
                final Thread t = new Thread(r, "stardust-rebuild-" + self.id());
                t.setDaemon(true);
                return t;
            })
            .errorHandler((ex) ->
            {
                lastProblem.set(String.valueOf(ex.getMessage()));
                log.accept("rebuild: " + ex);
            })
            .eventsListener(new Progress(log, lastProblem));

        final long recordingId;
        final RecordingLog.Entry snapshot;
        final long startNs = System.nanoTime();
        try (ClusterBackup backup = ClusterBackup.launch(ctx))
        {
            awaitLiveLog(backup.context(), lastProblem);
            try (RecordingLog recordingLog = new RecordingLog(clusterDir, false))
            {
                snapshot = recordingLog.getLatestSnapshot(ConsensusModule.Configuration.SERVICE_ID);
                recordingId = recordingLog.findLastTermRecordingId();
            }
        }
        if (recordingId == RecordingPos.NULL_RECORDING_ID)
        {
            throw new IllegalStateException("member " + config.memberId() + " could not rebuild from peers: the " +
                "copy wrote no log term to " + clusterDir);
        }
        final long logEnd;
        try (AeronArchive archive = AeronArchive.connect(localArchive.clone()))
        {
            logEnd = awaitStopped(archive, recordingId);
        }
        if (snapshot == null)
        {
            log.accept("rebuilt from peers: the cluster has no snapshot yet; copied its log to position " + logEnd);
            return;
        }
        final String name = RowCheckpoint.fileName(snapshot.logPosition);
        final long bytes = fetchCheckpoint(name);
        log.accept("rebuilt from peers in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs) +
            " ms: snapshot at log position " + snapshot.logPosition + " (term " + snapshot.leadershipTermId +
            "), its rows (" + name + ", " + bytes + " bytes) and the log from there to " + logEnd +
            "; the member now loads that snapshot and catches up the rest from the leader");
    }

    /** Wait until the backup follows the live log and has caught up with it (or followed it long enough). */
    private void awaitLiveLog(final ClusterBackup.Context ctx, final AtomicReference<String> lastProblem)
    {
        ClusterBackup.State last = null;
        int resets = 0;
        long waitingSinceNs = System.nanoTime();
        long followingSinceNs = 0;
        long lastPosition = -1;
        long lastGrowthNs = 0;
        while (true)
        {
            final long nowNs = System.nanoTime();
            final ClusterBackup.State state = ClusterBackup.State.get(ctx.stateCounter());
            if (state != last)
            {
                if (state == ClusterBackup.State.RESET_BACKUP && ++resets > MAX_RESETS)
                {
                    throw new IllegalStateException("member " + config.memberId() + " could not rebuild from peers" +
                        ": the copy failed " + resets + " times; last problem: " + lastProblem.get());
                }
                if (state == ClusterBackup.State.BACKUP_QUERY)
                {
                    waitingSinceNs = nowNs;
                }
                if (state == ClusterBackup.State.BACKING_UP)
                {
                    followingSinceNs = nowNs;
                    lastGrowthNs = nowNs;
                }
                if (state == ClusterBackup.State.CLOSED)
                {
                    throw new IllegalStateException("member " + config.memberId() + " could not rebuild from " +
                        "peers: the copy stopped; last problem: " + lastProblem.get());
                }
                last = state;
            }
            if (state == ClusterBackup.State.BACKING_UP)
            {
                final long position = ctx.liveLogPositionCounter().get();
                if (position != lastPosition)
                {
                    lastPosition = position;
                    lastGrowthNs = nowNs;
                }
                if (nowNs - lastGrowthNs > QUIET_NS || nowNs - followingSinceNs > MAX_FOLLOW_NS)
                {
                    return;
                }
            }
            else if (state == ClusterBackup.State.BACKUP_QUERY && nowNs - waitingSinceNs > NO_PEER_TIMEOUT_NS)
            {
                throw new IllegalStateException("member " + config.memberId() + " could not rebuild from peers: " +
                    "none of them (" + ctx.clusterConsensusEndpoints() + ") answered within " +
                    TimeUnit.NANOSECONDS.toSeconds(NO_PEER_TIMEOUT_NS) + " s; a majority must be running. Last " +
                    "problem: " + lastProblem.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /**
     * The backup stops its local recording of the live log as it closes; the consensus module can extend the
     * recording only once the archive has stopped it.
     *
     * @return the recording's stop position.
     */
    private long awaitStopped(final AeronArchive archive, final long recordingId)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true)
        {
            final long stop = archive.getStopPosition(recordingId);
            if (stop != AeronArchive.NULL_POSITION)
            {
                return stop;
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException("member " + config.memberId() + " rebuilding from peers: the " +
                    "copied log (recording " + recordingId + ") was not stopped within 10 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    /**
     * Fetch a checkpoint file from the first peer that has it whole, trying them in turn until
     * {@link #CHECKPOINT_WAIT_NS} passes (a peer writes it a moment after its snapshot).
     *
     * @return the file's length.
     */
    private long fetchCheckpoint(final String name)
    {
        final File dir = config.sequencer().checkpointDirectory();
        if (!dir.isDirectory() && !dir.mkdirs())
        {
            throw new IllegalStateException("cannot create " + dir);
        }
        final File target = new File(dir, name);
        final File tmp = new File(dir, name + ".tmp");
        final long deadlineNs = System.nanoTime() + CHECKPOINT_WAIT_NS;
        final StringBuilder problems = new StringBuilder();
        while (true)
        {
            problems.setLength(0);
            for (final ClusterSpec.Member peer : config.cluster().members())
            {
                if (peer.id() == config.memberId())
                {
                    continue;
                }
                try
                {
                    final long length = CheckpointTransfer.fetch(peer, name, tmp);
                    if (length < 0)
                    {
                        problems.append(" member ").append(peer.id()).append(": does not have it;");
                        continue;
                    }
                    RowCheckpoint.verify(tmp, CheckpointTransfer.epochOf(tmp));
                    CheckpointTransfer.install(tmp, target);
                    log.accept("copied the snapshot's rows " + name + " (" + length + " bytes) from member " +
                        peer.id() + " and checked them");
                    return length;
                }
                catch (final IOException | RuntimeException ex)
                {
                    problems.append(" member ").append(peer.id()).append(": ").append(ex.getMessage()).append(';');
                }
                finally
                {
                    tmp.delete();
                }
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException("member " + config.memberId() + " could not rebuild from peers: no " +
                    "peer served the snapshot's rows " + name + " within " +
                    TimeUnit.NANOSECONDS.toSeconds(CHECKPOINT_WAIT_NS) + " s;" + problems);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
        }
    }

    /** Logs what the backup is doing, for the operator. */
    private static final class Progress implements ClusterBackupEventsListener
    {
        private final Consumer<String> log;
        private final AtomicReference<String> lastProblem;

        Progress(final Consumer<String> log, final AtomicReference<String> lastProblem)
        {
            this.log = log;
            this.lastProblem = lastProblem;
        }

        @Override
        public void onBackupQuery()
        {
        }

        @Override
        public void onPossibleFailure(final Exception ex)
        {
            lastProblem.set(String.valueOf(ex.getMessage()));
            log.accept("rebuild: retrying after " + ex.getMessage());
        }

        @Override
        public void onBackupResponse(final ClusterMember[] clusterMembers, final ClusterMember logSourceMember,
            final List<RecordingLog.Snapshot> snapshotsToRetrieve)
        {
            final StringBuilder sb = new StringBuilder();
            for (final RecordingLog.Snapshot s : snapshotsToRetrieve)
            {
                if (s.serviceId() == ConsensusModule.Configuration.SERVICE_ID)
                {
                    sb.append("its snapshot at log position ").append(s.logPosition());
                }
            }
            log.accept("rebuild: member " + logSourceMember.id() + " answered; copying " +
                (sb.length() == 0 ? "its log (it has no snapshot)" : sb + " and the log after it"));
        }

        @Override
        public void onUpdatedRecordingLog(final RecordingLog recordingLog,
            final List<RecordingLog.Snapshot> snapshotsRetrieved)
        {
            log.accept("rebuild: " + snapshotsRetrieved.size() + " snapshot recordings copied; following the log");
        }

        @Override
        public void onLiveLogProgress(final long recordingId, final long recordingPosCounterId, final long logPosition)
        {
        }
    }
}
