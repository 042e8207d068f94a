package io.stardust.server;

import io.stardust.protocol.ClusterSpec;
import org.agrona.concurrent.ShutdownSignalBarrier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.concurrent.Callable;

/**
 * The {@code stardust} command: run a member, the demo, and operations against a running cluster.
 */
@Command(
    name = "stardust",
    mixinStandardHelpOptions = true,
    version = "stardust 0.1.0",
    description = "Stardust: a Calvin-style deterministic transactional database.",
    subcommands = {
        StardustCli.Start.class,
        DemoCommand.class,
        BenchCommand.class,
        SnapshotBenchCommand.class,
        StatusCommand.class,
        AuthCommand.class,
        OpsCommands.SetBatchWindow.class,
        OpsCommands.CreateTable.class,
        OpsCommands.Snapshot.class,
        OpsCommands.Put.class,
        OpsCommands.Get.class,
        ControllerCommand.class,
        SqlCommand.class,
        ResourceOps.class,
        CommandLine.HelpCommand.class
    })
public final class StardustCli implements Runnable
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(final String[] args)
    {
        System.exit(commandLine().execute(args));
    }

    /** @return the {@code stardust} command, whose errors print as one line and exit with 1. */
    static CommandLine commandLine()
    {
        final CommandLine commandLine = new CommandLine(new StardustCli());
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) ->
        {
            cmd.getErr().println("stardust: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            if (Boolean.getBoolean("stardust.debug"))
            {
                ex.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return commandLine;
    }

    @Override
    public void run()
    {
        spec.commandLine().usage(System.out);
    }

    /** {@code stardust start}: run one member in this process until stopped by SIGINT/SIGTERM. */
    @Command(name = "start", description = "Run one cluster member in this process until SIGINT or SIGTERM.",
        footer = {"", "Exit codes: 0 stopped by a signal; 3 the disk is (nearly) full; 4 a member thread died; 5 " +
            "applying an epoch failed; 6 this member's settings conflict with the cluster's (--durability); 7 this " +
            "member lags behind the log the other members kept (they purged what it needs): start it again with " +
            "--rebuild-from-peers."})
    static final class Start implements Callable<Integer>
    {
        @Option(names = "--member", required = true, description = "This member's id in the cluster spec.")
        int member;

        @Option(names = "--cluster", required = true,
            description = "Members as id=host:basePort[@datacenter],... e.g. 0=localhost:20000,1=localhost:20010," +
            "2=localhost:20020. Each member uses 10 ports from its base port.")
        String cluster;

        @Option(names = "--data-dir", required = true,
            description = "Directory of this member's durable state (archive, cluster, storage).")
        File dataDir;

        @Option(names = "--archive-dir",
            description = "Where the archive records the Raft log and snapshots (default <data-dir>/archive).")
        File archiveDir;

        @Option(names = "--aeron-dir", description = "Media driver directory (default /dev/shm/stardust-<port>-<id>).")
        String aeronDir;

        @Option(names = "--workers", defaultValue = "1", description = "Scheduler worker threads (default ${DEFAULT-VALUE}).")
        int workers;

        @Option(names = "--leader-heartbeat-timeout-ms", defaultValue = "1000",
            description = "Leader silence that starts an election (default ${DEFAULT-VALUE}); lower fails over " +
            "faster and risks spurious elections on a loaded machine.")
        long leaderHeartbeatTimeoutMs;

        @Option(names = "--election-timeout-ms", defaultValue = "300",
            description = "How long an election round waits for canvass answers and votes (default " +
            "${DEFAULT-VALUE}); keep it above a few round trips between members.")
        long electionTimeoutMs;

        @Option(names = "--max-client-sessions", defaultValue = "1000",
            description = "Client sessions the cluster accepts at once (default ${DEFAULT-VALUE}); a client over the " +
            "limit is refused with 'concurrent session limit'.")
        int maxClientSessions;

        @Option(names = "--snapshot-interval-seconds", defaultValue = "0",
            description = "While leader, take a snapshot this often; 0 (default) for none.")
        long snapshotIntervalSeconds;

        @Option(names = "--min-free-disk-mb", defaultValue = "512",
            description = "Free space the data directory's file system must keep (default ${DEFAULT-VALUE}); below " +
            "it the member will not start, and a running member stops cleanly. 0 turns the check off.")
        long minFreeDiskMb;

        @Option(names = "--deep-idle-park-ms", defaultValue = "20",
            description = "After 5 s without a client record in the log or a read request, the member's threads park " +
            "up to this long (default ${DEFAULT-VALUE}): an idle member costs about half the CPU, and the first " +
            "requests after such a spell wait up to this long at each hop. 0 turns it off.")
        long deepIdleParkMs;

        @Option(names = "--durability", defaultValue = "fsync", converter = DurabilityConverter.class,
            description = "fsync (default): a commit is acknowledged once a majority of members forced it to disk; " +
            "it survives any member's crash and a power loss of every machine. replicated: once a majority holds it " +
            "in memory (page cache); it survives process crashes and the power loss of a minority, not of a " +
            "majority. Seeds a new cluster's replicated setting; a member whose value differs from the cluster's " +
            "stops with exit code 6.")
        io.stardust.protocol.codecs.Durability durability;

        @Option(names = "--archive-segment-mb", defaultValue = "128",
            description = "Length of an archive segment file, MiB (a power of two, 16 to 1024; default " +
            "${DEFAULT-VALUE}). The recorded log behind the second-newest snapshot is purged a segment at a time.")
        int archiveSegmentMb;

        @Option(names = "--rebuild-from-peers",
            description = "Set this member's files aside (renamed under the data directory, not deleted) and start " +
            "from a copy of a peer's latest snapshot (with its rows) and the log after it. For a member whose own " +
            "log is damaged, or that lags behind the log the other members kept (exit code 7).")
        boolean rebuildFromPeers;

        @Option(names = "--no-metrics",
            description = "Do not serve Prometheus /metrics (by default served over HTTP on the base port + 9).")
        boolean noMetrics;

        @Option(names = "--no-cpu-cgroup",
            description = "Do not put this member's process in a cgroup of its own (by default it joins " +
            "stardust-member-<id>-<pid> under its cpu cgroup, where the cgroup v1 cpu controller can be written, so " +
            "that 'ops cpu-quota' can cap it; no quota is set until then).")
        boolean noCpuCgroup;

        @Option(names = "--auth-file", description = {"Require authentication: the file from 'stardust auth " +
            "init', the same on every member. Without it the member serves anyone who can reach its ports."})
        java.nio.file.Path authFile;

        @Option(names = "--procedures", paramLabel = "DIR", description = {"A directory of jars holding " +
            "procedure classes (after the class path). Every member needs the same class for each registered " +
            "procedure: a member that lacks it, or holds other bytes, stops when it applies the registration."})
        java.nio.file.Path proceduresDir;

        @Option(names = "--delete-state-on-start",
            description = "Erase this member's archive, cluster and storage state first. Testing only: it throws away the member's copy of the log.")
        boolean deleteState;

        @Override
        public Integer call()
        {
            final MemberConfig config = new MemberConfig()
                .memberId(member)
                .cluster(ClusterSpec.parse(cluster))
                .dataDir(dataDir)
                .aeronDir(aeronDir)
                .archiveDir(archiveDir)
                .workers(workers)
                .deleteStateOnStart(deleteState)
                .snapshotInterval(java.time.Duration.ofSeconds(snapshotIntervalSeconds))
                .leaderHeartbeatTimeout(java.time.Duration.ofMillis(leaderHeartbeatTimeoutMs))
                .electionTimeout(java.time.Duration.ofMillis(electionTimeoutMs))
                .maxClientSessions(maxClientSessions)
                .minFreeDiskBytes(minFreeDiskMb << 20)
                .deepIdlePark(java.time.Duration.ofMillis(deepIdleParkMs))
                .rebuildFromPeers(rebuildFromPeers);
            config.storage();
            config.sequencer().durability(durability);
            config.authFile(authFile);
            config.proceduresDir(proceduresDir);
            config.archiveSegmentBytes(archiveSegmentMb << 20);
            config.cpuCgroupMount(noCpuCgroup ? null : CpuQuota.DEFAULT_MOUNT);
            config.metrics(!noMetrics);
            final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
            Thread.setDefaultUncaughtExceptionHandler((thread, error) -> failStop(thread, error, stopping.get()));
            try (ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
                StardustMember m = StardustMember.launch(config).terminationHook(barrier::signal))
            {
                System.out.println("stardust member " + member + " (" + config.self().datacenter() + ") running: " +
                    "ingress " + config.self().ingressEndpoint() + ", reads " + config.self().readEndpoint() +
                    ", data " + dataDir.getAbsolutePath() + ", aeron " + config.aeronDir());
                barrier.await();
                stopping.set(true);
                if (m.fatalReason() != null)
                {
                    System.err.println("stardust member " + member + " stopped (exit code " + m.fatalExitCode() +
                        "): " + m.fatalReason());
                    return m.fatalExitCode();
                }
                System.out.println("stardust member " + member + " stopping");
            }
            return 0;
        }

        /**
         * A member thread that dies leaves a member that looks alive and does nothing. Stop the process at once
         * instead, saying why: its files are as crash-safe as after {@code kill -9}, and a restart recovers them.
         * The usual cause is a memory-mapped file (Aeron's, Chronicle's) that could not grow on a full disk.
         */
        private void failStop(final Thread thread, final Throwable error, final boolean stopping)
        {
            if (stopping)
            {
                System.err.println("stardust member " + member + ": thread " + thread.getName() + " ended while " +
                    "stopping: " + error);
                return;
            }
            final long free = dataDir.getUsableSpace();
            System.err.println("[member " + member + " " + java.time.LocalTime.now() + "] FATAL: thread " +
                thread.getName() + " died: " + error + ". " + (free >> 20) + " MiB free on the file system of " +
                dataDir + (free < (1 << 20) ? ": the disk is full" : "") + (error instanceof InternalError ?
                "; a memory-mapped file could not be written" : "") + ". Stopping this member at once: what it " +
                "acknowledged is held by a majority of the members, and a restart recovers it.");
            error.printStackTrace();
            System.err.flush();
            Runtime.getRuntime().halt(4);
        }
    }

    /** Reads {@code fsync} or {@code replicated}. */
    static final class DurabilityConverter implements picocli.CommandLine.ITypeConverter<io.stardust.protocol.codecs.Durability>
    {
        @Override
        public io.stardust.protocol.codecs.Durability convert(final String value)
        {
            return switch (value.toLowerCase(java.util.Locale.ROOT))
            {
                case "fsync" -> io.stardust.protocol.codecs.Durability.FSYNC;
                case "replicated" -> io.stardust.protocol.codecs.Durability.REPLICATED;
                default -> throw new picocli.CommandLine.TypeConversionException(
                    "durability must be fsync or replicated, was '" + value + "'");
            };
        }
    }
}
