package io.stardust.server;

import io.stardust.client.ControlResult;
import io.stardust.client.StardustClient;
import io.stardust.client.TenantInfo;
import io.stardust.protocol.ClusterSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.Console;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code stardust ops tenants | move | create-database | drop-database}: the cluster's databases (tenants), where
 * each is served, and the work it draws.
 */
final class TenantOps
{
    private TenantOps()
    {
    }

    /** {@code stardust ops tenants}. */
    @Command(name = "tenants", description = {
        "List the databases with their owner, home datacenter (where their reads, read-only transactions and SQL",
        "sessions are served), tables, and rates over --interval-ms: commits/s, and reads/s (reads, scans and SQL",
        "requests) summed over the members, with the share each datacenter's members served."})
    static final class Tenants extends OpsCommands.ClusterCommand
    {
        @Option(names = "--interval-ms", defaultValue = "1000",
            description = "Time between the two samples rates come from (default ${DEFAULT-VALUE}).")
        long intervalMs;

        @Override
        public Integer call() throws Exception
        {
            if (intervalMs < 1 || intervalMs > 600_000)
            {
                System.err.println("--interval-ms must be 1..600000, was " + intervalMs);
                return 2;
            }
            final ClusterSpec spec = ClusterSpec.parse(cluster);
            try (StardustClient client = connectForReads())
            {
                final TenantInfo[] first = sample(client, spec);
                Thread.sleep(intervalMs); // the sampling interval of the rates, not a wait for a condition
                final TenantInfo[] second = sample(client, spec);
                final List<String> lines = render(spec, first, second);
                lines.forEach(System.out::println);
                return lines.isEmpty() ? 1 : 0;
            }
        }

        static TenantInfo[] sample(final StardustClient client, final ClusterSpec spec)
        {
            final List<java.util.concurrent.CompletableFuture<TenantInfo>> asked = new java.util.ArrayList<>();
            spec.members().forEach((m) -> asked.add(client.tenants(m.id())));
            return OpsCommands.answers(asked).toArray(new TenantInfo[0]);
        }

        /**
         * @return the table: one line per database of the newest catalog among the answers; empty when no member
         * answered twice.
         */
        static List<String> render(final ClusterSpec spec, final TenantInfo[] first, final TenantInfo[] second)
        {
            final TenantInfo newest = TenantInfo.newest(second);
            final List<String> lines = new java.util.ArrayList<>();
            if (newest == null)
            {
                return lines;
            }
            lines.add(String.format("%-20s %-12s %-8s %6s %10s %10s  %s", "database", "owner", "home", "tables",
                "commits/s", "reads/s", "reads served by datacenter"));
            for (final TenantInfo.Database db : newest.databases())
            {
                double commits = 0;
                double reads = 0;
                final java.util.Map<String, Double> byDc = new java.util.TreeMap<>();
                for (int m = 0; m < second.length; m++)
                {
                    final double[] rates = TenantInfo.rates(first[m], second[m], db.name());
                    if (rates != null)
                    {
                        commits = Math.max(commits, rates[0]); // every member sequences every commit
                        reads += rates[1];
                        byDc.merge(spec.member(m).datacenter(), rates[1], Double::sum);
                    }
                }
                final StringBuilder shares = new StringBuilder();
                for (final java.util.Map.Entry<String, Double> e : byDc.entrySet())
                {
                    if (reads > 0 && e.getValue() > 0)
                    {
                        shares.append(shares.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                            .append(Math.round(100 * e.getValue() / reads)).append('%');
                    }
                }
                lines.add(String.format("%-20s %-12s %-8s %6d %10.1f %10.1f  %s", db.name(),
                    db.owner().isEmpty() ? "-" : db.owner(), db.home().isEmpty() ? "(local)" : db.home(),
                    db.tables(), commits, reads, shares.length() == 0 ? "-" : shares));
            }
            return lines;
        }
    }

    /** {@code stardust ops move}. */
    @Command(name = "move", description = {
        "Move a database's serving location to another datacenter (a log record): its reads, read-only",
        "transactions and SQL sessions go to that datacenter's members; clients bound to it follow within a second.",
        "Every replica still applies every write, so nothing is copied, lost or applied twice."})
    static final class Move extends OpsCommands.ClusterCommand
    {
        @Option(names = "--database", required = true, description = "The database.")
        String database;

        @Option(names = "--to", required = true, description = "The datacenter that serves it from now on.")
        String to;

        @Override
        public Integer call() throws Exception
        {
            try (StardustClient client = connect())
            {
                return report(() -> client.moveDatabase(database, to).get(30, TimeUnit.SECONDS));
            }
        }
    }

    /** {@code stardust ops create-database}. */
    @Command(name = "create-database", description = {
        "Create a database (a log record). The owner's password is read from --owner-password-file or the terminal;",
        "only a salted verifier of it (SCRAM-SHA-256, 4096 iterations) leaves this process."})
    static final class CreateDatabase extends OpsCommands.ClusterCommand
    {
        @Option(names = "--name", required = true, description = "The database: [A-Za-z_][A-Za-z0-9_]{0,63}.")
        String name;

        @Option(names = "--owner", required = true, description = "The user that owns it and runs DDL in it.")
        String owner;

        @Option(names = "--home", required = true, description = "The datacenter that serves it.")
        String home;

        @Option(names = "--owner-password-file", description = "A file whose first line is the owner's password.")
        Path ownerPasswordFile;

        @Option(names = "--no-password", description = "Create it without credentials (clusters without " +
            "authentication).")
        boolean noPassword;

        @Override
        public Integer call() throws Exception
        {
            final char[] password;
            if (noPassword)
            {
                password = null;
            }
            else if (ownerPasswordFile != null)
            {
                password = Passwords.fromFile(ownerPasswordFile);
            }
            else
            {
                final Console console = System.console();
                if (console == null)
                {
                    System.err.println("no terminal to read the owner's password from: give " +
                        "--owner-password-file or --no-password");
                    return 2;
                }
                password = console.readPassword("password for %s: ", owner);
            }
            try (StardustClient client = connect())
            {
                return report(() -> client.createDatabase(name, owner, password, home).get(30, TimeUnit.SECONDS));
            }
            finally
            {
                if (password != null)
                {
                    java.util.Arrays.fill(password, '\0');
                }
            }
        }
    }

    /** {@code stardust ops drop-database}. */
    @Command(name = "drop-database", description = "Drop a database with every table in it (a log record).")
    static final class DropDatabase extends OpsCommands.ClusterCommand
    {
        @Option(names = "--name", required = true, description = "The database.")
        String name;

        @Override
        public Integer call() throws Exception
        {
            try (StardustClient client = connect())
            {
                return report(() -> client.dropDatabase(name).get(30, TimeUnit.SECONDS));
            }
        }
    }

    @FunctionalInterface
    interface Action
    {
        ControlResult run() throws Exception;
    }

    /** Print the ack, or the refusal with its reason (exit code 1). */
    static int report(final Action action) throws Exception
    {
        try
        {
            System.out.println(action.run().detail());
            return 0;
        }
        catch (final ExecutionException ex)
        {
            System.err.println("refused: " + ex.getCause().getMessage());
            return 1;
        }
    }
}
