package io.stardust.server;

import io.aeron.ChannelUriStringBuilder;
import io.aeron.archive.Archive;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.service.ClusteredService;
import io.aeron.cluster.service.ClusteredServiceContainer;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.stardust.protocol.ClusterSpec;
import io.stardust.sequencer.StardustService;
import io.stardust.storage.Storage;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import io.stardust.protocol.AdaptiveIdleStrategy;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpLock;

import java.io.File;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One Stardust member: a media driver, an archive that records the Raft log, the consensus module, the
 * {@link StardustService} sequencer over its {@link Storage}, and the member's {@link ReadEndpoint}.
 * Start with {@link #launch(MemberConfig)}; close to stop.
 */
public final class StardustMember implements AutoCloseable
{
    private final MemberConfig config;
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final List<Throwable> warnings = new CopyOnWriteArrayList<>();
    private final Storage storage;
    private final StardustService service;
    private io.stardust.server.auth.Credentials credentials;
    private final ClusteredService clusteredService;
    private MediaDriver mediaDriver;
    private Archive archive;
    private volatile ConsensusModule consensusModule;
    private ClusteredServiceContainer container;
    private ReadEndpoint readEndpoint;
    private io.stardust.server.sql.MemberSql sql;
    /** The quiet park every agent thread of this member reads: the idle-park knob. */
    private final java.util.concurrent.atomic.AtomicLong idleParkNs = new java.util.concurrent.atomic.AtomicLong();
    /** Deep idle after a quiet spell: it writes {@link #idleParkNs}. */
    private QuietSpell quiet;
    private CpuQuota cpuQuota;
    private MetricsEndpoint metrics;
    private MemberKnobs knobs;
    /** Serves this member's row checkpoints to a peer rebuilding from it ({@link PeerBootstrap}). */
    private CheckpointTransfer.Server checkpointServer;
    /** Periodic snapshots and the election watch. */
    private java.util.concurrent.ScheduledExecutorService timer;
    private io.aeron.cluster.ElectionState lastElectionState;
    private volatile Runnable terminationHook = null;
    private volatile String fatalReason;
    private volatile int fatalExitCode;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.CountDownLatch closeDone = new java.util.concurrent.CountDownLatch(1);

    private StardustMember(final MemberConfig config, final ClusteredService otherService)
    {
        this.config = config;
        if (otherService != null)
        {
            this.storage = null;
            this.service = null;
            this.clusteredService = otherService;
            return;
        }
        if (config.deleteStateOnStart())
        {
            deleteTree(new File(config.dataDir(), "storage"));
            deleteTree(new File(config.dataDir(), "checkpoints"));
        }
        this.storage = new Storage(config.storage());
        this.service = new StardustService(
            config.memberId(), config.self().datacenter(), config.sequencer(), storage, config.workers())
            .fatalHandler(this::fatal);
        if (config.proceduresDir() != null)
        {
            service.procedureClasses(ProcedureJars.loader(config.proceduresDir()));
        }
        this.clusteredService = service;
    }

    /**
     * Start a member and return once its parts are running (it may not have joined an election yet).
     *
     * @param config settings; concluded here.
     * @return the running member.
     */
    public static StardustMember launch(final MemberConfig config)
    {
        return launch(config, null);
    }

    /**
     * Start a member that runs {@code otherService} instead of Stardust's sequencer, with the same Aeron set-up
     * (used to measure the raw cluster, e.g. with an echo service). It has no storage and no read endpoint.
     *
     * @param config       settings; concluded here.
     * @param otherService the clustered service, or null for Stardust's.
     * @return the running member.
     */
    public static StardustMember launch(final MemberConfig config, final ClusteredService otherService)
    {
        config.conclude();
        checkPortsFree(config.self());
        final long giveUpNs = System.nanoTime() + MARK_FILE_WAIT_NS;
        while (true)
        {
            final StardustMember member = new StardustMember(config, otherService);
            try
            {
                member.start();
                return member;
            }
            catch (final RuntimeException ex)
            {
                member.close();
                // A process killed a moment ago leaves mark files that still look alive until Aeron's liveness
                // timeout passes; a live process keeps them fresh, so waiting never starts a second copy.
                if (!isActiveMarkFile(ex) || System.nanoTime() - giveUpNs > 0)
                {
                    throw ex;
                }
                log(config.memberId(), ex.getMessage() + ": waiting for the previous process's mark files to go stale");
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            }
        }
    }

    /** Longest wait for a killed predecessor's mark files to go stale. */
    private static final long MARK_FILE_WAIT_NS = TimeUnit.SECONDS.toNanos(30);
    /** IPC term of the service's snapshot publication: the default 64 KiB lets the service run 32 KiB ahead of the
     * archive recording it, which paced snapshots to one chunk per archive duty cycle. */
    static final String SNAPSHOT_TERM_LENGTH = "16m";

    private static boolean isActiveMarkFile(final Throwable ex)
    {
        for (Throwable t = ex; t != null; t = t.getCause())
        {
            if (t.getMessage() != null && t.getMessage().contains("active mark file detected"))
            {
                return true;
            }
        }
        return false;
    }

    private static final String[] PORT_NAMES = {
        "archive control", "ingress", "consensus", "log", "catch-up", "read endpoint", "replication", "log control"};

    /**
     * Fail early and clearly when a port of this member is taken (another member, a previous run, another program),
     * instead of starting half a member that Aeron then reports in fragments.
     */
    private static void checkPortsFree(final ClusterSpec.Member self)
    {
        for (int offset = 0; offset < PORT_NAMES.length; offset++)
        {
            if (offset == ClusterSpec.REPLICATION_PORT_OFFSET)
            {
                continue;
            }
            final int port = self.port(offset);
            try (java.net.DatagramSocket socket = new java.net.DatagramSocket(null))
            {
                socket.bind(new java.net.InetSocketAddress(self.host(), port));
            }
            catch (final java.io.IOException ex)
            {
                throw new IllegalStateException("member " + self.id() + " cannot use UDP port " + port + " (" +
                    PORT_NAMES[offset] + ") on " + self.host() + ": " + ex.getMessage() +
                    "; is another member or demo running? Choose other ports (--base-port or --cluster)");
            }
        }
    }

    /**
     * The media driver's: parks that follow the gap between its work (see {@link AdaptiveIdleStrategy}). Which agents
     * park that way: {@code -Dstardust.idle.gap=all} (the default), {@code driver}, or {@code none} (busy and quiet
     * windows, the strategy before; kept to measure one against the other with {@code bin/bench resource}).
     */
    private IdleStrategy driverIdle()
    {
        return GAP_AGENTS.equals("none") ? idle().get() : AdaptiveIdleStrategy.gapParks(idleParkNs);
    }

    private static final String GAP_AGENTS = System.getProperty("stardust.idle.gap", "all");

    private Supplier<IdleStrategy> idle()
    {
        // Never busy spin: a 2-core machine runs three members, clients and the build at once.
        return GAP_AGENTS.equals("all") ? () -> AdaptiveIdleStrategy.gapParks(idleParkNs) :
            () -> AdaptiveIdleStrategy.withQuietPark(idleParkNs);
    }

    private void start()
    {
        final ClusterSpec.Member self = config.self();
        final String host = self.host();
        quiet = new QuietSpell(idleParkNs, config.idleMaxPark().toNanos(), config.deepIdlePark().toNanos());
        cpuQuota = config.cpuCgroupMount() == null ?
            CpuQuota.join(null, config.memberId(), (line) -> { }) :
            CpuQuota.join(config.cpuCgroupMount(), config.memberId(), (line) -> log(config.memberId(), line));
        knobs = new LocalKnobs(service, quiet, cpuQuota);
        if (service != null)
        {
            service.onActivity(quiet::activity);
        }
        final String aeronDir = config.aeronDir();
        final File dataDir = config.dataDir();
        final File clusterDir = new File(dataDir, "cluster");
        final ErrorHandler errorHandler = this::onError;
        final String lowDisk = lowDisk();
        if (lowDisk != null)
        {
            throw new IllegalStateException("member " + config.memberId() + " will not start: " + lowDisk);
        }
        if (config.rebuildFromPeers() && !config.deleteStateOnStart())
        {
            setStateAside(dataDir);
        }
        if (service != null)
        {
            // Chronicle Map generates and compiles code for the first map a JVM creates: seconds, which the first
            // CREATE TABLE's first row would otherwise pay on the service thread, past a client's timeout under load.
            final long warmStart = System.nanoTime();
            Storage.warmUp();
            log(config.memberId(), "storage warmed up in " + (System.nanoTime() - warmStart) / 1_000_000 +
                " ms, before serving");
        }

        final MediaDriver.Context driver = new MediaDriver.Context()
            .aeronDirectoryName(aeronDir)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(driverIdle())
            // Name resolution and other rare tasks: a long park costs nothing (it was 10 ms: 0.005 cores a member).
            .asyncExecutorIdleStrategy(new BackoffIdleStrategy(10, 20, 1_000, TimeUnit.MILLISECONDS.toNanos(50)))
            .termBufferSparseFile(true)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .errorHandler(errorHandler);

        final Supplier<Archive.Context> archiveContext = () -> new Archive.Context()
            .aeronDirectoryName(aeronDir)
            .archiveDir(config.archiveDir())
            .archiveId(config.memberId())
            .controlChannel("aeron:udp?endpoint=" + self.endpoint(ClusterSpec.ARCHIVE_CONTROL_PORT_OFFSET))
            .localControlChannel("aeron:ipc?term-length=64k")
            .replicationChannel("aeron:udp?endpoint=" + host + ":0")
            .recordingEventsEnabled(false)
            .threadingMode(ArchiveThreadingMode.SHARED)
            .idleStrategySupplier(idle())
            .deleteArchiveOnStart(config.deleteStateOnStart())
            // Every recorded frame (log and snapshots) carries a CRC-32 that every replay checks: a damaged file
            // fails its replay with the position named instead of feeding wrong bytes to the cluster.
            // fsync: a recorded position is forced to disk before the archive's position counter moves, and the
            // consensus module counts toward commit only what that counter says is recorded (see durability in
            // docs/architecture.md). Catalog and recording log are forced too.
            .fileSyncLevel(fileSyncLevel())
            .catalogFileSyncLevel(fileSyncLevel())
            .segmentFileLength(config.archiveSegmentBytes())
            .recordChecksum(crc32())
            .replayChecksum(crc32())
            .errorHandler(errorHandler);
        final Archive.Context archive = archiveContext.get();

        final AeronArchive.Context archiveClient = new AeronArchive.Context()
            .lock(NoOpLock.INSTANCE)
            .controlRequestChannel(archive.localControlChannel())
            .controlRequestStreamId(archive.localControlStreamId())
            .controlResponseChannel("aeron:ipc?term-length=64k")
            .aeronDirectoryName(aeronDir);

        final String logChannel = new ChannelUriStringBuilder()
            .media("udp")
            .termLength(config.logTermLength())
            .controlMode("manual")
            .controlEndpoint(self.endpoint(ClusterSpec.LOG_CONTROL_PORT_OFFSET))
            .build();

        final ConsensusModule.Context consensus = new ConsensusModule.Context()
            .clusterClock(new io.aeron.cluster.NanosecondClusterClock())
            .errorHandler(errorHandler)
            .clusterMemberId(config.memberId())
            .fileSyncLevel(fileSyncLevel())
            .clusterMembers(config.cluster().aeronClusterMembers())
            .clusterDir(clusterDir)
            .ingressChannel("aeron:udp")
            .logChannel(logChannel)
            .replicationChannel("aeron:udp?endpoint=" + host + ":0")
            .archiveContext(archiveClient.clone())
            .leaderHeartbeatTimeoutNs(config.leaderHeartbeatTimeout().toNanos())
            .maxConcurrentSessions(config.maxClientSessions())
            .leaderHeartbeatIntervalNs(config.leaderHeartbeatInterval().toNanos())
            .electionTimeoutNs(config.electionTimeout().toNanos())
            .sessionTimeoutNs(config.sessionTimeout().toNanos())
            .wheelTickResolutionNs(TimeUnit.MILLISECONDS.toNanos(1))
            .idleStrategySupplier(idle())
            .deleteDirOnStart(config.deleteStateOnStart())
            .terminationHook(this::onTerminate);
        if (config.authFile() != null && service != null)
        {
            credentials = new io.stardust.server.auth.Credentials(
                io.stardust.server.auth.AuthFile.read(config.authFile()), service::catalog);
            consensus.authenticatorSupplier(() -> new io.stardust.server.auth.ClusterAuthenticator(credentials,
                (line) -> log(config.memberId(), line)));
            log(config.memberId(), "authentication required (administrator " + credentials.file().adminUser() +
                ")");
        }
        else if (service != null)
        {
            log(config.memberId(), "WARNING: authentication is off: anyone who can reach this member's ports can " +
                "read and write every database (start members with --auth-file)");
        }

        final ClusteredServiceContainer.Context serviceContext = new ClusteredServiceContainer.Context()
            .aeronDirectoryName(aeronDir)
            .archiveContext(archiveClient.clone())
            .clusterDir(clusterDir)
            .clusteredService(clusteredService)
            .snapshotChannel("aeron:ipc?alias=snapshot|term-length=" + SNAPSHOT_TERM_LENGTH)
            .idleStrategySupplier(idle())
            .errorHandler(errorHandler)
            .terminationHook(this::onTerminate);

        for (final File released : StaleMarkFiles.releaseIfOwnerDead(archive.archiveDir(), clusterDir))
        {
            log(config.memberId(), "mark file " + released + " was left by a process that is gone; released it");
        }
        mediaDriver = MediaDriver.launch(driver);
        try
        {
            this.archive = launchArchive(archive, driver);
        }
        catch (final RuntimeException ex)
        {
            if (ex.getMessage() == null || !ex.getMessage().contains("straddling page boundary"))
            {
                throw ex;
            }
            cutTornLastFragment(archive.archiveDir(), ex.getMessage());
            this.archive = launchArchive(archiveContext.get(), driver);
        }
        if (config.rebuildFromPeers() && !config.deleteStateOnStart() && service != null)
        {
            new PeerBootstrap(config, clusterDir, (line) -> log(config.memberId(), line)).run(archiveClient, idle());
        }
        if (!config.deleteStateOnStart() && service != null)
        {
            try (AeronArchive check = AeronArchive.connect(archiveClient.clone()))
            {
                new SnapshotCheck(config.memberId(), archive.archiveDir(), clusterDir,
                    config.sequencer().checkpointDirectory(),
                    (line) -> log(config.memberId(), line)).run(check, idle().get());
            }
        }
        consensusModule = ConsensusModule.launch(consensus.aeronDirectoryName(aeronDir));
        container = ClusteredServiceContainer.launch(serviceContext);
        timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor((r) ->
        {
            final Thread t = new Thread(r, "stardust-member-timer-" + config.memberId());
            t.setDaemon(true);
            return t;
        });
        timer.schedule(this::watchElection, 0, TimeUnit.MILLISECONDS);
        timer.scheduleAtFixedRate(() -> quiet.check(System.nanoTime()), 1, 1, TimeUnit.SECONDS);
        if (config.minFreeDiskBytes() > 0)
        {
            timer.scheduleAtFixedRate(this::watchDisk, DISK_WATCH_MS, DISK_WATCH_MS, TimeUnit.MILLISECONDS);
        }
        if (!config.snapshotInterval().isZero())
        {
            final long periodMs = config.snapshotInterval().toMillis();
            timer.scheduleAtFixedRate(() ->
            {
                if (role() == io.aeron.cluster.service.Cluster.Role.LEADER)
                {
                    requestSnapshot();
                }
            }, periodMs, periodMs, TimeUnit.MILLISECONDS);
        }
        if (service != null && config.logRetention())
        {
            final LogRetention retention = new LogRetention(clusterDir, config.sequencer().checkpointDirectory(),
                (line) -> log(config.memberId(), line));
            logRetention = retention;
            final AeronArchive.Context retentionClient = archiveClient.clone();
            final long every = config.logRetentionInterval().toMillis();
            timer.scheduleWithFixedDelay(() -> purgeLog(retention, retentionClient), every, every,
                TimeUnit.MILLISECONDS);
        }
        if (service != null)
        {
            checkpointServer = CheckpointTransfer.Server.launch(self, config.sequencer().checkpointDirectory(),
                (line) -> log(config.memberId(), line));
            readEndpoint = ReadEndpoint.launch(
                aeronDir, self.readEndpoint(), service, this::role, this::onError, idle().get(), knobs,
                quiet::activity);
            sql = new io.stardust.server.sql.MemberSql(service, config.cluster(), aeronDir, host,
                credentials == null ? null : credentials.file().memberKey());
            readEndpoint.credentials(credentials);
            readEndpoint.sqlHandler(sql);
            readEndpoint.membership(this::catchingUp, this::leaderMemberId);
            if (config.metrics())
            {
                try
                {
                    metrics = MetricsEndpoint.start(host, self.port(ClusterSpec.METRICS_PORT_OFFSET),
                        config.memberId(), service, knobs,
                        io.stardust.resourcectl.PowerModel.defaults(Runtime.getRuntime().availableProcessors()));
                    log(config.memberId(), "metrics on http://" + host + ":" + metrics.port() + "/metrics");
                }
                catch (final java.io.IOException ex)
                {
                    throw new java.io.UncheckedIOException("cannot serve /metrics on " + host + ":" +
                        self.port(ClusterSpec.METRICS_PORT_OFFSET) + " (start with --no-metrics to go without)", ex);
                }
            }
        }
    }

    /** @return 1 (force data, as fdatasync) under {@code --durability fsync}; 0 (page cache only) otherwise. */
    private int fileSyncLevel()
    {
        return config.sequencer().durability() == io.stardust.protocol.codecs.Durability.FSYNC ? 1 : 0;
    }

    private AeronArchive retentionArchive;
    private volatile LogRetention logRetention;

    /** @return bytes of recorded log this member purged since it started (log retention). */
    public long purgedLogBytes()
    {
        final LogRetention retention = logRetention;
        return retention == null ? 0 : retention.purgedLogBytes();
    }

    private void purgeLog(final LogRetention retention, final AeronArchive.Context client)
    {
        try
        {
            if (retentionArchive == null)
            {
                retentionArchive = AeronArchive.connect(client.clone());
            }
            retention.purge(retentionArchive);
        }
        catch (final RuntimeException ex)
        {
            // The archive is busy or stopping: the next round tries again with a new connection.
            log(config.memberId(), "log retention: " + ex.getMessage());
            CloseHelper.quietClose(retentionArchive);
            retentionArchive = null;
        }
    }

    /** How often the member looks at the consensus module's election state, to log its changes. */
    private static final long ELECTION_WATCH_MS = 5;
    /** How often while no election runs: an idle member wakes 20 times a second for it, not 200. */
    private static final long ELECTION_QUIET_WATCH_MS = 50;

    /**
     * Log every change of the consensus module's election state with the wall-clock time, so an operator (and the
     * soak) can see where a failover's time goes: heartbeat timeout, canvass, ballot, log replication, ready.
     */
    private void watchElection()
    {
        if (closed.get() || fatalReason() != null)
        {
            // Going down: the consensus module unmaps its counters as it terminates, and reading one then crashed
            // the JVM (SIGSEGV in this method, exit 134, seen as DiskFullIT's member stopped).
            return;
        }
        try
        {
            final ConsensusModule module = consensusModule;
            if (module == null || module.context().aeron() == null || module.context().aeron().isClosed())
            {
                return;
            }
            final ConsensusModule.Context ctx = module.context();
            final io.aeron.cluster.ElectionState state = io.aeron.cluster.ElectionState.get(ctx.electionStateCounter());
            if (state != lastElectionState)
            {
                final boolean closed = state == io.aeron.cluster.ElectionState.CLOSED;
                if (closed)
                {
                    failedCatchups.set(0);
                }
                log(config.memberId(), "election " + (closed ? "closed" : "state " + state) + ", term " +
                    ctx.leadershipTermIdCounter().get() + ", role " +
                    io.aeron.cluster.service.Cluster.Role.get(ctx.clusterNodeRoleCounter()));
                lastElectionState = state;
            }
        }
        catch (final RuntimeException ex)
        {
            // Counters close while the member stops; nothing to watch then.
        }
        final java.util.concurrent.ScheduledExecutorService watch = timer;
        if (watch != null && !watch.isShutdown())
        {
            // Every 5 ms during an election, so its steps are logged to the millisecond; every 50 ms between them
            // (the start of an election is logged up to 50 ms late).
            try
            {
                watch.schedule(this::watchElection, lastElectionState == io.aeron.cluster.ElectionState.CLOSED ?
                    ELECTION_QUIET_WATCH_MS : ELECTION_WATCH_MS, TimeUnit.MILLISECONDS);
            }
            catch (final java.util.concurrent.RejectedExecutionException ex)
            {
                // The member is stopping.
            }
        }
    }

    private Archive launchArchive(final Archive.Context archive, final MediaDriver.Context driver)
    {
        return Archive.launch(archive
            .mediaDriverAgentInvoker(mediaDriver.sharedAgentInvoker())
            .errorCounter(new org.agrona.concurrent.status.AtomicCounter(driver.countersValuesBuffer(),
                io.aeron.driver.status.SystemCounterDescriptor.ERRORS.id())));
    }

    /**
     * The archive refuses to start when a recording's last fragment straddles a page boundary: the process died in
     * the middle of writing it (as on a full disk). That write was never counted as recorded, so this member never
     * acknowledged it; the archive's verify tool cuts it off and the leader sends it again.
     */
    private void cutTornLastFragment(final File archiveDir, final String found)
    {
        log(config.memberId(), "the archive found a write torn by a crash: " + found + " Cutting the torn fragment " +
            "off (it was never acknowledged); the leader sends it again.");
        final java.io.ByteArrayOutputStream report = new java.io.ByteArrayOutputStream();
        final boolean clean = io.aeron.archive.ArchiveTool.verify(
            new java.io.PrintStream(report, true, java.nio.charset.StandardCharsets.UTF_8), archiveDir,
            java.util.EnumSet.noneOf(io.aeron.archive.ArchiveTool.VerifyOption.class), null, (file) -> true);
        log(config.memberId(), "archive verify " + (clean ? "passed" : "found more") + ": " +
            report.toString(java.nio.charset.StandardCharsets.UTF_8).trim().replace('\n', ' '));
    }

    /** Move the archive and cluster folders (storage is rebuilt on every start anyway) into {@code set-aside-<time>} under the data directory. */
    private void setStateAside(final File dataDir)
    {
        final File aside = new File(dataDir, "set-aside-" +
            java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        for (final File from : new File[] {config.archiveDir(), new File(dataDir, "cluster"),
            new File(dataDir, "checkpoints")})
        {
            if (!from.exists())
            {
                continue;
            }
            if (!aside.isDirectory() && !aside.mkdirs())
            {
                throw new IllegalStateException("cannot create " + aside);
            }
            if (!from.renameTo(new File(aside, from.getName())))
            {
                throw new IllegalStateException("cannot move " + from + " into " + aside +
                    " (a separate --archive-dir on another file system must be moved by hand)");
            }
        }
        log(config.memberId(), "rebuilding from peers: this member's files are set aside in " + aside +
            "; it starts from a copy of a peer's latest snapshot and the log after it");
    }

    /** How often the member looks at the free space of its data directory. */
    private static final long DISK_WATCH_MS = 500;

    /** @return why the data directory's file system is too full, or null when it has room. */
    private String lowDisk()
    {
        final long floor = config.minFreeDiskBytes();
        if (floor <= 0)
        {
            return null;
        }
        for (final File wanted : new File[] {config.dataDir(), config.archiveDir()})
        {
            File dir = wanted.getAbsoluteFile();
            while (dir != null && !dir.exists())
            {
                dir = dir.getParentFile();
            }
            final long usable = dir == null ? Long.MAX_VALUE : dir.getUsableSpace();
            if (usable < floor)
            {
                return "only " + (usable >> 20) + " MiB free on the file system of " + wanted + ", below its floor" +
                    " of " + (floor >> 20) + " MiB (--min-free-disk-mb)";
            }
        }
        return null;
    }

    private void watchDisk()
    {
        final String lowDisk = lowDisk();
        if (lowDisk != null)
        {
            fatal("disk nearly full: " + lowDisk + ". Stopping before a write fails half way: what this member " +
                "recorded is intact, and the other members carry on. Free space, then start it again.", EXIT_DISK);
        }
    }

    /**
     * Stop this member for good, with a reason: the process's termination hook runs (the CLI then exits with an
     * error), or, embedded without one, the member closes itself.
     */
    private void fatal(final String reason, final int exitCode)
    {
        if (fatalReason != null)
        {
            return;
        }
        fatalExitCode = exitCode;
        fatalReason = reason;
        log(config.memberId(), "FATAL: " + reason);
        final Thread stop = new Thread(this::onTerminate, "stardust-stop-" + config.memberId());
        stop.setDaemon(true);
        stop.start();
    }

    private void onTerminate()
    {
        final Runnable hook = terminationHook;
        if (hook != null)
        {
            hook.run();
        }
        else if (fatalReason != null)
        {
            close();
        }
    }

    /** Exit code of a member that stopped on a nearly full disk, or a failed write to a full one. */
    public static final int EXIT_DISK = 3;

    /**
     * Exit code of a member that cannot catch up because it lags behind the log the other members kept (they purged
     * the log it still needs, {@link LogRetention}): restart it with {@code --rebuild-from-peers}
     * ({@link PeerBootstrap}).
     */
    public static final int EXIT_LAGGING = 7;

    /** An archive's refusal of a replay below the start of its (purged) recording. */
    private static final String REPLAY_BEFORE_START = "is less than recording start position";
    /** Aeron's warning when a follower's catch-up from the leader never started. */
    private static final String CATCHUP_NOT_JOINED = "failed to join catchup log";
    /** This member's own replays or replications refused below a recording's start before it stops. */
    private static final int MAX_REFUSED_REPLAYS = 3;
    private final java.util.concurrent.atomic.AtomicInteger refusedReplays =
        new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger failedCatchups =
        new java.util.concurrent.atomic.AtomicInteger();
    private volatile long lastLaggingHintNs;

    /**
     * Stop, instead of failing elections forever, when this member cannot catch up: a replay it needs was refused
     * below the start of a purged recording (its own replay, or its replication from the leader), or its catch-up
     * from the leader keeps not starting (the leader's archive refuses the replay; the refusal is reported only on
     * the leader, which logs a hint). A leader never stops for this: it is the one refusing.
     */
    private void watchLagging(final Throwable throwable, final boolean warning)
    {
        final String message = String.valueOf(throwable.getMessage());
        final boolean leader = role() == io.aeron.cluster.service.Cluster.Role.LEADER;
        if (!warning && message.contains(REPLAY_BEFORE_START))
        {
            if (leader)
            {
                final long nowNs = System.nanoTime();
                if (nowNs - lastLaggingHintNs > TimeUnit.MINUTES.toNanos(1))
                {
                    lastLaggingHintNs = nowNs;
                    log(config.memberId(), "a follower asked for log this member has purged (log retention); it " +
                        "cannot catch up from the log and stops with exit code " + EXIT_LAGGING + " after a while. " +
                        "Restart it with --rebuild-from-peers");
                }
                return;
            }
            if (refusedReplays.incrementAndGet() >= MAX_REFUSED_REPLAYS)
            {
                stopLagging("a replay this member needs was refused " + refusedReplays.get() + " times (" + message +
                    ")");
            }
        }
        else if (warning && message.contains(CATCHUP_NOT_JOINED) && !leader &&
            failedCatchups.incrementAndGet() >= config.maxFailedCatchups())
        {
            stopLagging("its catch-up from the leader failed to start " + failedCatchups.get() + " times in a row " +
                "(the leader's archive refuses to replay log it has purged; the leader logs it). If instead the " +
                "leader cannot reach this member's catch-up port " +
                config.self().port(ClusterSpec.CATCHUP_PORT_OFFSET) + ", fix the network and start it as it was");
        }
    }

    private void stopLagging(final String evidence)
    {
        fatal("this member cannot catch up: it lags behind the log the other members kept, which they purged up to " +
            "their second-newest snapshot (log retention), and Aeron catches a member up from the log only. " +
            "Evidence: " + evidence + ". Restart it with --rebuild-from-peers: its files are set aside and it starts " +
            "from a copy of a peer's latest snapshot and the log after it.", EXIT_LAGGING);
    }

    /**
     * @return the exit code documented for why this member stopped itself ({@link #EXIT_DISK},
     * {@link #EXIT_LAGGING}, {@link io.stardust.sequencer.FatalHandler#APPLY_FAILED},
     * {@link io.stardust.sequencer.FatalHandler#SETTINGS_CONFLICT}),
     * or 0 while it is healthy.
     */
    public int fatalExitCode()
    {
        return fatalExitCode;
    }

    /** @return why this member stopped itself (a full disk, a failed write), or null while it is healthy. */
    public String fatalReason()
    {
        return fatalReason;
    }

    /** Agrona's CRC-32 reaches the JDK's intrinsic by reflection; without the flag the JVM refuses it. */
    private static io.aeron.archive.checksum.Checksum crc32()
    {
        try
        {
            return io.aeron.archive.checksum.Checksums.crc32();
        }
        catch (final Error | RuntimeException ex)
        {
            throw new IllegalStateException("the archive's CRC-32 checksums need the JVM flag " +
                "--add-opens=java.base/java.util.zip=ALL-UNNAMED (bin/stardust passes it): " + ex, ex);
        }
    }

    private void onError(final Throwable throwable)
    {
        if (throwable instanceof io.aeron.exceptions.AeronException aeronException &&
            aeronException.category() == io.aeron.exceptions.AeronException.Category.WARN)
        {
            // Aeron's warnings (e.g. "leader heartbeat timeout" during an election, a catch-up retry) are expected
            // around failures; they are not faults of this member.
            warnings.add(throwable);
            log(config.memberId(), "warning: " + throwable.getMessage());
            watchLagging(throwable, true);
            return;
        }
        errors.add(throwable);
        log(config.memberId(), throwable.toString());
        watchLagging(throwable, false);
        for (Throwable t = throwable; t != null; t = t.getCause())
        {
            if (t.getMessage() != null && t.getMessage().contains("No space left on device"))
            {
                fatal("disk full: a write to " + config.dataDir() + " failed (" + t.getMessage() + "). What this " +
                    "member acknowledged was written before; it stops so nothing more is half written. Free space," +
                    " then start it again.", EXIT_DISK);
                break;
            }
            if (t.getMessage() != null && t.getMessage().contains("low storage threshold"))
            {
                // The archive refuses to record below its own free-space floor (seen while a member catches up on a
                // nearly full disk); the consensus module then terminates, which alone would look like a clean stop.
                fatal("disk nearly full: the archive refused to record (" + t.getMessage() + "). Free space on " +
                    "the archive's file system, then start this member again.", EXIT_DISK);
                break;
            }
        }
    }

    /** One line on stderr, with the wall-clock time (for reading logs only; nothing decides by it). */
    private static void log(final int memberId, final String line)
    {
        System.err.println("[member " + memberId + " " + java.time.LocalTime.now() + "] " + line);
    }

    /** @return cluster events (warnings such as election timeouts) reported so far. */
    public List<Throwable> warnings()
    {
        return warnings;
    }

    /**
     * @param hook called (on an Aeron thread) when the cluster asks this member to terminate.
     * @return this.
     */
    public StardustMember terminationHook(final Runnable hook)
    {
        this.terminationHook = hook;
        return this;
    }

    public int memberId()
    {
        return config.memberId();
    }

    public MemberConfig config()
    {
        return config;
    }

    /**
     * Ask the cluster to take a snapshot (acted on by the leader's consensus module; every member's service then
     * writes its snapshot at the same log position).
     *
     * @return true when the request was placed (false while another control action is pending).
     */
    public boolean requestSnapshot()
    {
        return io.aeron.cluster.ClusterControl.ToggleState.SNAPSHOT.toggle(
            consensusModule.context().controlToggleCounter());
    }

    /** @return snapshots this member has taken since it started. */
    public long snapshotCount()
    {
        return consensusModule.context().snapshotCounter().get();
    }

    /**
     * @return this member's Raft role as its consensus module has it now, or null before it started. The service's
     * own view lags: a leader cut off from its followers steps down into an election, but its service hears of a new
     * role only when a new term starts, which a cut-off member cannot do.
     */
    public io.aeron.cluster.service.Cluster.Role role()
    {
        final ConsensusModule module = consensusModule;
        if (module != null && module.context().clusterNodeRoleCounter() != null &&
            !module.context().clusterNodeRoleCounter().isClosed())
        {
            return io.aeron.cluster.service.Cluster.Role.get(module.context().clusterNodeRoleCounter());
        }
        if (service != null)
        {
            return service.role();
        }
        return clusteredService instanceof EchoService echo ? echo.role() : null;
    }

    /**
     * @return true while this member is starting, replaying its log or catching up from the leader (its consensus
     * module is in one of those election states): it may be far behind, and reads that need newer epochs go elsewhere.
     */
    public boolean catchingUp()
    {
        final ConsensusModule module = consensusModule;
        if (module == null || module.context().electionStateCounter() == null ||
            module.context().electionStateCounter().isClosed())
        {
            return true;
        }
        return switch (io.aeron.cluster.ElectionState.get(module.context().electionStateCounter()))
        {
            case INIT, FOLLOWER_REPLAY, FOLLOWER_CATCHUP_INIT, FOLLOWER_CATCHUP_AWAIT, FOLLOWER_CATCHUP,
                FOLLOWER_LOG_REPLICATION, FOLLOWER_LOG_INIT, FOLLOWER_LOG_AWAIT, LEADER_REPLAY -> true;
            default -> false;
        };
    }

    /** @return the leader's member id as this member knows it: itself when its consensus module leads; -1 none. */
    public int leaderMemberId()
    {
        if (role() == io.aeron.cluster.service.Cluster.Role.LEADER)
        {
            return config.memberId();
        }
        return service == null ? -1 : service.leaderMemberId();
    }

    /** @return the sequencer service, also the replica view of this member. */
    public StardustService service()
    {
        return service;
    }

    public Storage storage()
    {
        return storage;
    }

    /** @return errors reported by this member's Aeron agents and read endpoint so far. */
    /** @return this member's local knobs (workers, idle park, CPU quota). */
    public MemberKnobs knobs()
    {
        return knobs;
    }

    public List<Throwable> errors()
    {
        return errors;
    }

    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            // A member that stopped itself (fatal) closes on a thread of its own: a caller closing it too waits
            // until its ports and files are released, so it can be started again at once.
            try
            {
                closeDone.await(30, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try
        {
            closeParts();
        }
        finally
        {
            closeDone.countDown();
        }
    }

    private void closeParts()
    {
        if (timer != null)
        {
            timer.shutdownNow();
            try
            {
                timer.awaitTermination(5, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            timer = null;
        }
        CloseHelper.quietClose(retentionArchive);
        CloseHelper.quietClose(sql);
        sql = null;
        CloseHelper.closeAll(metrics, checkpointServer, readEndpoint, container, consensusModule, archive, mediaDriver,
            cpuQuota);
        metrics = null;
        cpuQuota = null;
        checkpointServer = null;
        readEndpoint = null;
        container = null;
        consensusModule = null;
        archive = null;
        mediaDriver = null;
        if (service != null)
        {
            service.awaitCheckpoint();
            service.scheduler().close();
            storage.close();
        }
    }

    /**
     * Delete a file or a directory with everything in it.
     *
     * @param file what to delete; missing is fine.
     */
    public static void deleteTree(final File file)
    {
        final File[] children = file.listFiles();
        if (children != null)
        {
            for (final File child : children)
            {
                deleteTree(child);
            }
        }
        if (file.exists() && !file.delete())
        {
            throw new IllegalStateException("cannot delete " + file);
        }
    }
}
