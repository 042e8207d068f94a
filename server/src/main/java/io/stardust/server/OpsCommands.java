package io.stardust.server;

import io.stardust.client.ClientConfig;
import io.stardust.client.ControlResult;
import io.stardust.client.MemberStatus;
import io.stardust.client.StardustClient;
import io.stardust.protocol.ClusterSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Operations against a running cluster, through the Java client.
 */
final class OpsCommands
{
    private OpsCommands()
    {
    }

    abstract static class ClusterCommand implements Callable<Integer>
    {
        @Option(names = "--cluster", required = true, description = "Members as id=host:basePort[@datacenter],...")
        String cluster;

        @Option(names = "--user", description = "Authenticate as this user (the cluster administrator, for most " +
            "ops commands); the password comes from --password-file or STARDUST_PASSWORD.")
        String user;

        @Option(names = "--password-file", description = "A file whose first line is the password of --user.")
        java.nio.file.Path passwordFile;

        @Option(names = "--login-database", defaultValue = "default",
            description = "The database to authenticate in, and whose tables the command names (default: " +
                "${DEFAULT-VALUE}).")
        String loginDatabase;

        StardustClient connect()
        {
            return StardustClient.connect(config());
        }

        /**
         * @return a client for commands that only read, ask for status or turn local knobs: it opens no cluster
         * session (those go through the members' read endpoints), so it starts faster and adds nothing to the log.
         */
        StardustClient connectForReads()
        {
            return StardustClient.connect(config().lazySession(true));
        }

        ClientConfig config()
        {
            final ClientConfig config = new ClientConfig().clusterSpec(ClusterSpec.parse(cluster)).database(loginDatabase);
            if (user != null)
            {
                final char[] password = Passwords.read(passwordFile, user);
                config.credentials(user, password);
                java.util.Arrays.fill(password, '\0');
            }
            return config;
        }
    }

    /**
     * Ask every member for its status at once, so that a command waits for the slowest answer, not for their sum.
     *
     * @return the answers to come, by member id.
     */
    static java.util.List<java.util.concurrent.CompletableFuture<MemberStatus>> askStatus(
        final StardustClient client, final ClusterSpec spec)
    {
        final java.util.List<java.util.concurrent.CompletableFuture<MemberStatus>> asked = new java.util.ArrayList<>();
        spec.members().forEach((m) -> asked.add(client.status(m.id())));
        return asked;
    }

    /**
     * @param asked requests sent to the members at once, by member id.
     * @return their answers within 5 s each, by member id; null for a member that gave none.
     */
    static <T> java.util.List<T> answers(final java.util.List<java.util.concurrent.CompletableFuture<T>> asked)
    {
        final java.util.List<T> answers = new java.util.ArrayList<>(asked.size());
        for (final java.util.concurrent.CompletableFuture<T> f : asked)
        {
            T answer;
            try
            {
                answer = f.get(5, TimeUnit.SECONDS);
            }
            catch (final Exception ex)
            {
                answer = null;
            }
            answers.add(answer);
        }
        return answers;
    }

    /** {@code stardust set-batch-window}. */
    @Command(name = "set-batch-window",
        description = "Change the epoch batch window; every replica applies it from the same epoch.")
    static class SetBatchWindow extends ClusterCommand
    {
        @Option(names = "--micros", required = true, description = "New window in microseconds (1000..10000000).")
        long micros;

        @Override
        public Integer call() throws Exception
        {
            try (StardustClient client = connect())
            {
                final ControlResult result = client.setBatchWindow(micros).get(30, TimeUnit.SECONDS);
                System.out.println(result.detail());
            }
            return 0;
        }
    }

    /** {@code stardust create-table}. */
    @Command(name = "create-table", description = "Create a table (a DDL record in the log).")
    static final class CreateTable extends ClusterCommand
    {
        @Option(names = "--name", required = true, description = "Table name: [A-Za-z_][A-Za-z0-9_]{0,63}.")
        String name;

        @Override
        public Integer call() throws Exception
        {
            try (StardustClient client = connect())
            {
                final ControlResult result = client.createTable(name).get(30, TimeUnit.SECONDS);
                System.out.println(result.detail());
            }
            return 0;
        }
    }

    /** {@code stardust put}. */
    @Command(name = "put", description = "Write one key in its own transaction (UTF-8 key and value).")
    static final class Put extends ClusterCommand
    {
        @Option(names = "--table", required = true, description = "Table name.")
        String table;

        @Option(names = "--key", required = true, description = "Key (UTF-8).")
        String key;

        @Option(names = "--value", required = true, description = "Value (UTF-8).")
        String value;

        @Override
        public Integer call()
        {
            try (StardustClient client = connect())
            {
                final io.stardust.client.Transaction tx = client.begin();
                tx.put(table, key, value);
                final io.stardust.client.CommitInfo info = tx.commitSync();
                System.out.println("committed at (" + info.epoch() + ", " + info.index() + ")");
            }
            return 0;
        }
    }

    /** {@code stardust get}. */
    @Command(name = "get", description = "Read one key at the latest snapshot of a member (UTF-8 key and value).")
    static final class Get extends ClusterCommand
    {
        @Option(names = "--table", required = true, description = "Table name.")
        String table;

        @Option(names = "--key", required = true, description = "Key (UTF-8).")
        String key;

        @Option(names = "--member", defaultValue = "0", description = "Member to read from (default ${DEFAULT-VALUE}).")
        int member;

        @Override
        public Integer call()
        {
            try (StardustClient client = StardustClient.connect(
                new ClientConfig().clusterSpec(ClusterSpec.parse(cluster)).preferredMember(member).lazySession(true)))
            {
                final String value = client.begin().get(table, key);
                System.out.println(value == null ? "(no row)" : value);
                return value == null ? 1 : 0;
            }
        }
    }

    /** {@code stardust snapshot}. */
    @Command(name = "snapshot", description = "Ask the cluster to take a snapshot now. Run it on the leader's host " +
        "with the leader's media driver directory (stardust status shows the leader).")
    static final class Snapshot implements Callable<Integer>
    {
        @Option(names = "--aeron-dir", required = true,
            description = "The leader's media driver directory, e.g. /dev/shm/stardust-20000-0.")
        java.io.File aeronDir;

        @Override
        public Integer call()
        {
            final java.io.File cnc = new java.io.File(aeronDir, "cnc.dat");
            if (!cnc.exists())
            {
                throw new IllegalArgumentException("no media driver at " + aeronDir + " (" + cnc + " is missing)");
            }
            final org.agrona.concurrent.status.AtomicCounter toggle = io.aeron.cluster.ClusterControl
                .findControlToggle(io.aeron.cluster.ClusterControl.mapCounters(cnc), 0);
            if (toggle == null)
            {
                throw new IllegalStateException("no consensus module found behind " + aeronDir);
            }
            if (!io.aeron.cluster.ClusterControl.ToggleState.SNAPSHOT.toggle(toggle))
            {
                System.out.println("another control action is in progress; try again");
                return 1;
            }
            System.out.println("snapshot requested");
            return 0;
        }
    }
}
