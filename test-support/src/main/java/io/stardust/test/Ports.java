package io.stardust.test;

import io.stardust.protocol.ClusterSpec;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Finds a block of free UDP ports for a test cluster, so tests do not collide with each other or a running demo.
 */
public final class Ports
{
    private Ports()
    {
    }

    /**
     * @param members members in the cluster.
     * @return a base port whose {@code members * PORTS_PER_MEMBER} ports are free on loopback now and overlap no
     * block that this JVM handed out before.
     */
    public static int freeBasePort(final int members)
    {
        final int span = members * ClusterSpec.PORTS_PER_MEMBER;
        // Below the kernel's ephemeral range: a port from that range can be taken at any moment by some socket
        // bound to port 0 (an Aeron publication's, a client's), which made members fail to bind now and then.
        final int ceiling = ephemeralLow() - span;
        final int slots = Math.max(1, (ceiling - FIRST_BASE) / 100);
        synchronized (HANDED_OUT)
        {
            for (int attempt = 0; attempt < 400; attempt++)
            {
                if (attempt == 200)
                {
                    // Every block tried was taken or handed out: the oldest clusters of this JVM are long closed.
                    HANDED_OUT.clear();
                }
                final int base = FIRST_BASE + ThreadLocalRandom.current().nextInt(0, slots) * 100;
                if (!overlapsHandedOut(base, span) && allFree(base, span))
                {
                    HANDED_OUT.addLast(new int[] {base, base + span});
                    if (HANDED_OUT.size() > slots / 2)
                    {
                        HANDED_OUT.removeFirst();
                    }
                    return base;
                }
            }
        }
        throw new IllegalStateException("no free block of " + span + " UDP ports found between " + FIRST_BASE +
            " and " + ceiling);
    }

    /**
     * Blocks handed out, oldest first, as [first, end). A block is free when handed out but is only bound later, when
     * its members start: a cluster and its network proxy, asked for one after the other, once got the same block, and
     * the proxy's sockets kept the members from binding.
     */
    private static final ArrayDeque<int[]> HANDED_OUT = new ArrayDeque<>();

    private static boolean overlapsHandedOut(final int base, final int span)
    {
        for (final int[] block : HANDED_OUT)
        {
            if (base < block[1] && block[0] < base + span)
            {
                return true;
            }
        }
        return false;
    }

    /** Lowest base port handed out. */
    private static final int FIRST_BASE = 10_000;

    /**
     * @return the first port of the kernel's ephemeral range, read from procfs with a stream: procfs reports a size
     * of 0, and {@code Files.readString} trusts it and came back with a truncated value ("3"). Linux's default 32768
     * where the file cannot be read or parsed.
     */
    static int ephemeralLow()
    {
        try (java.io.InputStream in = new java.io.FileInputStream("/proc/sys/net/ipv4/ip_local_port_range"))
        {
            return parseEphemeralLow(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII));
        }
        catch (final IOException ex)
        {
            return 32_768;
        }
    }

    /**
     * @param range the contents of {@code ip_local_port_range}: "low high".
     * @return the low end; 32768 when it is not two port numbers. A range starting too low to leave room for test
     * clusters below it is refused: a test cluster inside the ephemeral range can lose a port to any socket bound to
     * port 0, so better to fail with a clear message.
     * @throws IllegalStateException when the range leaves fewer than 2,000 ports below it for test clusters.
     */
    static int parseEphemeralLow(final String range)
    {
        final String[] parts = range.trim().split("\\s+");
        final int low;
        try
        {
            if (parts.length != 2)
            {
                return 32_768;
            }
            low = Integer.parseInt(parts[0]);
            Integer.parseInt(parts[1]);
        }
        catch (final NumberFormatException ex)
        {
            return 32_768;
        }
        if (low <= FIRST_BASE + 2_000)
        {
            throw new IllegalStateException("the kernel's ephemeral port range starts at " + low + ", which leaves " +
                "no room for test clusters below it (from " + FIRST_BASE + "); raise net.ipv4.ip_local_port_range");
        }
        return low;
    }

    private static boolean allFree(final int base, final int span)
    {
        for (int port = base; port < base + span; port++)
        {
            try (DatagramSocket socket = new DatagramSocket(null))
            {
                socket.setReuseAddress(false);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            }
            catch (final IOException ex)
            {
                return false;
            }
        }
        return true;
    }
}
