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
        for (int attempt = 0; attempt < 200; attempt++)
        {
            final int base = 21_000 + ThreadLocalRandom.current().nextInt(0, 300) * 100;
            if (allFree(base, span))
            {
                return base;
            }
        }
        throw new IllegalStateException("no free block of " + span + " UDP ports found");
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
