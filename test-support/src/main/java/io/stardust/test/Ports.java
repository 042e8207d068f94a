package io.stardust.test;

import io.stardust.protocol.ClusterSpec;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
     * @return a base port whose {@code members * PORTS_PER_MEMBER} ports are free on loopback now.
     */
    public static int freeBasePort(final int members)
    {
        final int span = members * ClusterSpec.PORTS_PER_MEMBER;
        // Below the kernel's ephemeral range: a port from that range can be taken at any moment by some socket
        // bound to port 0 (an Aeron publication's, a client's), which made members fail to bind now and then.
        final int ceiling = ephemeralLow() - span;
        final int slots = Math.max(1, (ceiling - FIRST_BASE) / 100);
        for (int attempt = 0; attempt < 200; attempt++)
        {
            final int base = FIRST_BASE + ThreadLocalRandom.current().nextInt(0, slots) * 100;
            if (allFree(base, span))
            {
                return base;
            }
        }
        throw new IllegalStateException("no free block of " + span + " UDP ports found between " + FIRST_BASE +
            " and " + ceiling);
    }

    /** Lowest base port handed out. */
    private static final int FIRST_BASE = 10_000;

    /** @return the first port of the kernel's ephemeral range (Linux's default 32768 where it cannot be read). */
    static int ephemeralLow()
    {
        try
        {
            final String range = java.nio.file.Files.readString(
                java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            final int low = Integer.parseInt(range.split("\\s+")[0]);
            // A range starting too low to leave room keeps the old behaviour of sharing it.
            return low > FIRST_BASE + 2_000 ? low : 61_000;
        }
        catch (final IOException | RuntimeException ex)
        {
            return 32_768;
        }
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
