package io.stardust.test;

import io.stardust.protocol.ClusterSpec;
import io.stardust.server.CpuCgroups;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The process that runs {@link NetworkProxy}'s relay, as network gear of its own: the test's JVM can pause, allocate
 * or be starved without freezing the links between members. It reads one command a line on its standard input and
 * answers each on its standard output; it exits when its input closes, so it never outlives the test that started it.
 *
 * <pre>
 * cut A B | heal | delay A B NANOS | delay-one-way FROM TO NANOS | stats
 *     answered "ok", or "stats RELAYED DROPPED"
 * </pre>
 *
 * <p>Members run in cgroups weighted as several threads each (the server's {@code CpuQuota}). A relay left in the
 * root group would compete as one thread against them and, on a busy machine, wait up to a second for a core: every
 * member then missed its heartbeats at once. So the relay joins a cgroup of the same weight when it can.
 */
public final class NetworkRelay
{
    /** The line the relay prints once its ports are bound. */
    static final String READY = "ready";
    private static final String GROUP_PREFIX = "stardust-relay-";
    private static final Path CPU_MOUNT = Path.of("/sys/fs/cgroup/cpu");
    /**
     * Four members' weight (a member's group weighs 8 threads): the relay uses little CPU, but when a datagram comes it
     * has to run at once, as a network would.
     */
    private static final long SHARES = 4 * 8 * 1024;

    private NetworkRelay()
    {
    }

    /**
     * @param args the members' real spec and the first proxy port.
     * @throws IOException if standard input fails.
     */
    public static void main(final String[] args) throws IOException
    {
        if (args.length != 2)
        {
            System.err.println("usage: NetworkRelay <real cluster spec> <first proxy port>");
            System.exit(2);
        }
        final PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
            StandardCharsets.US_ASCII);
        final String group = joinCgroup();
        try (Relay relay = new Relay(ClusterSpec.parse(args[0]), Integer.parseInt(args[1]));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)))
        {
            if (group == null)
            {
                System.err.println("relay: no cgroup of its own; it competes with the members as one thread");
            }
            out.println(READY);
            String line;
            while ((line = in.readLine()) != null)
            {
                out.println(answer(relay, line.strip().split(" ")));
            }
        }
        finally
        {
            leaveCgroup(group);
        }
    }

    private static String answer(final Relay relay, final String[] words)
    {
        try
        {
            switch (words[0])
            {
                case "cut" -> relay.cut(Integer.parseInt(words[1]), Integer.parseInt(words[2]));
                case "heal" -> relay.heal();
                case "delay" -> relay.delay(Integer.parseInt(words[1]), Integer.parseInt(words[2]),
                    Duration.ofNanos(Long.parseLong(words[3])));
                case "delay-one-way" -> relay.delayOneWay(Integer.parseInt(words[1]), Integer.parseInt(words[2]),
                    Duration.ofNanos(Long.parseLong(words[3])));
                case "stats" ->
                {
                    return "stats " + relay.relayed() + " " + relay.dropped();
                }
                default ->
                {
                    return "error unknown command '" + words[0] + "'";
                }
            }
            return "ok";
        }
        catch (final RuntimeException ex)
        {
            return "error " + ex;
        }
    }

    /** @return the cgroup joined, or null where the cpu controller cannot be written. */
    private static String joinCgroup()
    {
        try
        {
            if (!Files.exists(CPU_MOUNT.resolve("cpu.shares")))
            {
                return null;
            }
            final Path parent = CpuCgroups.ownGroup(CPU_MOUNT);
            CpuCgroups.removeStale(parent, GROUP_PREFIX, "a relay", (line) -> System.err.println("relay: " + line));
            final Path group = parent.resolve(GROUP_PREFIX + ProcessHandle.current().pid());
            Files.createDirectories(group);
            Files.writeString(group.resolve("cpu.shares"), Long.toString(SHARES));
            Files.writeString(group.resolve("cgroup.procs"), Long.toString(ProcessHandle.current().pid()));
            return group.toString();
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
    }

    private static void leaveCgroup(final String group)
    {
        if (group == null)
        {
            return;
        }
        try
        {
            final Path dir = Path.of(group);
            Files.writeString(dir.getParent().resolve("cgroup.procs"), Long.toString(ProcessHandle.current().pid()));
            Files.delete(dir);
        }
        catch (final IOException | RuntimeException ignored)
        {
            // The next relay to start removes a group whose process is gone.
        }
    }
}
