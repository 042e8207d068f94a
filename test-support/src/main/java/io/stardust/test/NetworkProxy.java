package io.stardust.test;

import io.stardust.protocol.ClusterSpec;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A user-space UDP relay between cluster members, for network faults on loopback (the kernel here has no
 * {@code tc netem}). Every ordered pair of members (a, b) gets a block of ports that stands for b in a's view of the
 * cluster ({@link #viewOf}); datagrams a sends there are relayed to b's real ports, and b's answers back to a.
 * Links are symmetric: {@link #cut} drops both directions, {@link #delay} holds datagrams in both directions.
 * The relay runs in a process of its own ({@link NetworkRelay}), so that a pause of the test's JVM never freezes the
 * links; each call here returns once the relay has applied it.
 *
 * <p>What goes through it: everything a member sends to another member's endpoints as it knows them (consensus,
 * log, archive control). What does not: datagrams sent to an address a peer gave in a message rather than taken
 * from the cluster spec (the catch-up replay and archive replication streams, addressed to the follower's own
 * endpoints), and clients, which use the real spec. A cut therefore stops elections, heartbeats and the log, which
 * is what a partition has to stop; a follower cannot start a catch-up without consensus with the leader anyway.
 */
public final class NetworkProxy implements AutoCloseable
{
    private static final long START_TIMEOUT_MS = 60_000;

    private final ClusterSpec real;
    private final int proxyBase;
    private final boolean[][] up;
    private final Process process;
    private final Writer commands;
    private final BufferedReader answers;

    /**
     * Bind a proxy port block for every ordered pair of members and start relaying.
     *
     * @param real the members' real spec.
     */
    public NetworkProxy(final ClusterSpec real)
    {
        this.real = real;
        final int n = real.size();
        up = new boolean[n][n];
        for (final boolean[] row : up)
        {
            java.util.Arrays.fill(row, true);
        }
        proxyBase = Ports.freeBasePort(n * n);
        final List<String> command = new java.util.ArrayList<>();
        command.add(new File(System.getProperty("java.home"), "bin/java").getPath());
        command.addAll(List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
            System.getProperty("java.class.path"), NetworkRelay.class.getName(), real.toString(),
            Integer.toString(proxyBase)));
        try
        {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot start the network relay", ex);
        }
        commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
        answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
        final String ready = readLine(START_TIMEOUT_MS);
        if (!NetworkRelay.READY.equals(ready))
        {
            process.destroyForcibly();
            throw new IllegalStateException("the network relay did not start (ports from " + proxyBase + "): " +
                (ready == null ? "it exited with " + exitOf(process) : ready));
        }
    }

    private static String exitOf(final Process process)
    {
        try
        {
            return process.waitFor(5, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "no exit";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "no exit";
        }
    }

    private String readLine(final long timeoutMs)
    {
        final java.util.concurrent.CompletableFuture<String> line = java.util.concurrent.CompletableFuture
            .supplyAsync(() ->
            {
                try
                {
                    return answers.readLine();
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            });
        try
        {
            return line.get(timeoutMs, TimeUnit.MILLISECONDS);
        }
        catch (final java.util.concurrent.TimeoutException ex)
        {
            process.destroyForcibly();
            throw new IllegalStateException("the network relay did not answer in " + timeoutMs + " ms");
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            throw new IllegalStateException("the network relay failed: " + ex.getCause(), ex.getCause());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the network relay", ex);
        }
    }

    private synchronized String call(final String command)
    {
        try
        {
            commands.write(command + "\n");
            commands.flush();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("the network relay is gone (exit " + exitOf(process) + ")", ex);
        }
        final String answer = readLine(START_TIMEOUT_MS);
        if (answer == null || answer.startsWith("error"))
        {
            throw new IllegalStateException("the network relay refused '" + command + "': " + answer);
        }
        return answer;
    }

    private int proxyBasePort(final int from, final int to)
    {
        return proxyBase + (from * real.size() + to) * ClusterSpec.PORTS_PER_MEMBER;
    }

    /**
     * @param member a member id.
     * @return the cluster as that member should be told it: itself at its real ports, every other member at the
     * proxy ports that relay to it.
     */
    public ClusterSpec viewOf(final int member)
    {
        final StringBuilder sb = new StringBuilder();
        for (final ClusterSpec.Member m : real.members())
        {
            final int base = m.id() == member ? m.basePort() : proxyBasePort(member, m.id());
            final String host = m.id() == member ? m.host() : InetAddress.getLoopbackAddress().getHostAddress();
            sb.append(sb.length() == 0 ? "" : ",").append(m.id()).append('=').append(host).append(':').append(base)
                .append('@').append(m.datacenter());
        }
        return ClusterSpec.parse(sb.toString());
    }

    /** Drop every datagram between members {@code a} and {@code b}, both ways, until {@link #heal}. */
    public void cut(final int a, final int b)
    {
        call("cut " + a + " " + b);
        up[a][b] = up[b][a] = false;
    }

    /** Cut {@code member} off from every other member. */
    public void isolate(final int member)
    {
        for (int other = 0; other < real.size(); other++)
        {
            if (other != member)
            {
                cut(member, other);
            }
        }
    }

    /** Hold datagrams between {@code a} and {@code b}, both ways, for {@code delay} each. */
    public void delay(final int a, final int b, final Duration delay)
    {
        call("delay " + a + " " + b + " " + delay.toNanos());
    }

    /** Hold datagrams from {@code from} to {@code to}, that way only, for {@code delay} (an asymmetric route). */
    public void delayOneWay(final int from, final int to, final Duration delay)
    {
        call("delay-one-way " + from + " " + to + " " + delay.toNanos());
    }

    /**
     * Delay every link between a member of datacenter {@code a} and one of {@code b} by half of {@code roundTrip}
     * each way (a wide-area link between two datacenters).
     *
     * @param a         a datacenter label.
     * @param b         another.
     * @param roundTrip the round trip between them.
     * @throws IllegalArgumentException for a label no member has.
     */
    public void delayDatacenters(final String a, final String b, final Duration roundTrip)
    {
        for (final String dc : List.of(a, b))
        {
            if (!real.datacenters().contains(dc))
            {
                throw new IllegalArgumentException("no member is in datacenter '" + dc + "'; the cluster's are " +
                    real.datacenters());
            }
        }
        for (final ClusterSpec.Member x : real.members())
        {
            for (final ClusterSpec.Member y : real.members())
            {
                if (x.id() < y.id() && ((x.datacenter().equals(a) && y.datacenter().equals(b)) ||
                    (x.datacenter().equals(b) && y.datacenter().equals(a))))
                {
                    delay(x.id(), y.id(), roundTrip.dividedBy(2));
                }
            }
        }
    }

    /** Every link up again, without delay. */
    public void heal()
    {
        call("heal");
        for (final boolean[] row : up)
        {
            java.util.Arrays.fill(row, true);
        }
    }

    /** @return true when the link between {@code a} and {@code b} passes datagrams. */
    public boolean isUp(final int a, final int b)
    {
        return up[a][b];
    }

    /** @return datagrams relayed so far. */
    public long relayed()
    {
        return stat(1);
    }

    /** @return datagrams dropped so far (cut links, or a target with no socket). */
    public long dropped()
    {
        return stat(2);
    }

    private long stat(final int index)
    {
        return Long.parseLong(call("stats").split(" ")[index]);
    }

    @Override
    public void close()
    {
        try
        {
            commands.close();
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
            }
        }
        catch (final IOException ex)
        {
            process.destroyForcibly();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
