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
        OpsCommands.Status.class,
        OpsCommands.SetBatchWindow.class,
        OpsCommands.CreateTable.class,
        OpsCommands.Snapshot.class,
        OpsCommands.Put.class,
        OpsCommands.Get.class,
        CommandLine.HelpCommand.class
    })
public final class StardustCli implements Runnable
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(final String[] args)
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
        System.exit(commandLine.execute(args));
    }

    @Override
    public void run()
    {
        spec.commandLine().usage(System.out);
    }

    /** {@code stardust start}: run one member in this process until stopped by SIGINT/SIGTERM. */
    @Command(name = "start", description = "Run one cluster member in this process until SIGINT or SIGTERM.")
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

        @Option(names = "--aeron-dir", description = "Media driver directory (default /dev/shm/stardust-<port>-<id>).")
        String aeronDir;

        @Option(names = "--workers", defaultValue = "1", description = "Scheduler worker threads (default ${DEFAULT-VALUE}).")
        int workers;

        @Option(names = "--entries-per-table", defaultValue = "1000000",
            description = "Expected rows per table, sizes the Chronicle Map files (default ${DEFAULT-VALUE}).")
        long entriesPerTable;

        @Option(names = "--leader-heartbeat-timeout-ms", defaultValue = "1000",
            description = "Leader silence that starts an election (default ${DEFAULT-VALUE}); lower fails over " +
            "faster and risks spurious elections on a loaded machine.")
        long leaderHeartbeatTimeoutMs;

        @Option(names = "--election-timeout-ms", defaultValue = "300",
            description = "How long an election round waits for canvass answers and votes (default " +
            "${DEFAULT-VALUE}); keep it above a few round trips between members.")
        long electionTimeoutMs;

        @Option(names = "--snapshot-interval-seconds", defaultValue = "0",
            description = "While leader, take a snapshot this often; 0 (default) for none.")
        long snapshotIntervalSeconds;

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
                .workers(workers)
                .deleteStateOnStart(deleteState)
                .snapshotInterval(java.time.Duration.ofSeconds(snapshotIntervalSeconds))
                .leaderHeartbeatTimeout(java.time.Duration.ofMillis(leaderHeartbeatTimeoutMs))
                .electionTimeout(java.time.Duration.ofMillis(electionTimeoutMs));
            config.storage().entriesPerTable(entriesPerTable);
            try (ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
                StardustMember m = StardustMember.launch(config).terminationHook(barrier::signal))
            {
                System.out.println("stardust member " + member + " (" + config.self().datacenter() + ") running: " +
                    "ingress " + config.self().ingressEndpoint() + ", reads " + config.self().readEndpoint() +
                    ", data " + dataDir.getAbsolutePath() + ", aeron " + config.aeronDir());
                barrier.await();
                System.out.println("stardust member " + member + " stopping");
            }
            return 0;
        }
    }
}
