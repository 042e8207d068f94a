package io.stardust.test;

import io.stardust.protocol.ClusterSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay between two members: it forwards both ways, drops both ways when cut, and holds datagrams when delayed.
 */
class NetworkProxyTest
{
    private ClusterSpec real;
    private NetworkProxy proxy;
    /** Member 1's real consensus port. */
    private DatagramChannel member1;
    /** Some socket of member 0. */
    private DatagramChannel member0;
    /** Where member 0 sends to reach member 1's consensus port. */
    private InetSocketAddress member1AsSeenBy0;

    @BeforeEach
    void start() throws IOException
    {
        real = ClusterSpec.local("127.0.0.1", Ports.freeBasePort(2), 2);
        proxy = new NetworkProxy(real);
        member1 = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(),
            real.member(1).port(ClusterSpec.CONSENSUS_PORT_OFFSET)));
        member0 = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        final ClusterSpec.Member viewed = proxy.viewOf(0).member(1);
        member1AsSeenBy0 = new InetSocketAddress(viewed.host(), viewed.port(ClusterSpec.CONSENSUS_PORT_OFFSET));
    }

    @AfterEach
    void stop() throws IOException
    {
        proxy.close();
        member0.close();
        member1.close();
    }

    @Test
    void shouldShowEachMemberItselfAtItsRealPortsAndOthersAtProxyPorts()
    {
        assertEquals(real.member(0).basePort(), proxy.viewOf(0).member(0).basePort());
        assertNotEquals(real.member(1).basePort(), proxy.viewOf(0).member(1).basePort());
        assertNotEquals(proxy.viewOf(0).member(1).basePort(), proxy.viewOf(1).member(0).basePort());
        assertEquals(real.member(1).datacenter(), proxy.viewOf(0).member(1).datacenter());
    }

    @Test
    void shouldRelayBothWays() throws IOException
    {
        member0.send(bytes("ping"), member1AsSeenBy0);
        final ByteBuffer in = ByteBuffer.allocate(64);
        final SocketAddress from = member1.receive(in);
        assertEquals("ping", text(in));
        // The answer goes to the relay's address for member 0, which passes it back.
        member1.send(bytes("pong"), from);
        in.clear();
        member0.receive(in);
        assertEquals("pong", text(in));
        assertEquals(2, proxy.relayed());
    }

    @Test
    void shouldDropBothWaysWhileCutAndRelayAgainAfterHeal() throws IOException
    {
        member0.send(bytes("before"), member1AsSeenBy0);
        final ByteBuffer in = ByteBuffer.allocate(64);
        final SocketAddress from = member1.receive(in);

        proxy.cut(0, 1);
        member0.send(bytes("lost"), member1AsSeenBy0);
        member1.send(bytes("lost too"), from);
        Await.until("two datagrams dropped", Duration.ofSeconds(10), () -> proxy.dropped() == 2);
        // The relay decided to drop them: nothing can arrive later.
        member1.configureBlocking(false);
        member0.configureBlocking(false);
        in.clear();
        assertNull(member1.receive(in));
        assertNull(member0.receive(in));

        proxy.heal();
        member1.configureBlocking(true);
        member0.send(bytes("after"), member1AsSeenBy0);
        in.clear();
        member1.receive(in);
        assertEquals("after", text(in));
    }

    @Test
    void shouldHoldDatagramsForTheDelay() throws IOException
    {
        proxy.delay(0, 1, Duration.ofMillis(150));
        final long start = System.nanoTime();
        member0.send(bytes("slow"), member1AsSeenBy0);
        final ByteBuffer in = ByteBuffer.allocate(64);
        final SocketAddress from = member1.receive(in);
        final long oneWayMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals("slow", text(in));
        member1.send(bytes("slow back"), from);
        in.clear();
        member0.receive(in);
        final long roundTripMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals("slow back", text(in));
        assertTrue(oneWayMs >= 150, "one way took " + oneWayMs + " ms");
        assertTrue(roundTripMs >= 300, "round trip took " + roundTripMs + " ms");
    }

    @Test
    void shouldDelayOnlyTheWayItIsTold() throws IOException
    {
        proxy.delayOneWay(1, 0, Duration.ofMillis(150));
        final long start = System.nanoTime();
        member0.send(bytes("quick"), member1AsSeenBy0);
        final ByteBuffer in = ByteBuffer.allocate(64);
        final SocketAddress from = member1.receive(in);
        final long oneWayMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals("quick", text(in));
        member1.send(bytes("slow back"), from);
        in.clear();
        member0.receive(in);
        final long roundTripMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals("slow back", text(in));
        assertTrue(oneWayMs < 150, "0 to 1 is not delayed, took " + oneWayMs + " ms");
        assertTrue(roundTripMs >= 150, "1 to 0 is, the round trip took " + roundTripMs + " ms");
    }

    @Test
    void shouldNeverDelayOrCutAClientPort() throws IOException
    {
        // A follower's view names the leader's ingress behind the relay; a client redirected there is no member.
        try (DatagramChannel ingress = DatagramChannel.open().bind(new InetSocketAddress(
            InetAddress.getLoopbackAddress(), real.member(1).port(ClusterSpec.INGRESS_PORT_OFFSET))))
        {
            final ClusterSpec.Member viewed = proxy.viewOf(0).member(1);
            proxy.delay(0, 1, Duration.ofSeconds(5));
            proxy.cut(0, 1);
            final long start = System.nanoTime();
            member0.send(bytes("commit"), new InetSocketAddress(viewed.host(),
                viewed.port(ClusterSpec.INGRESS_PORT_OFFSET)));
            final ByteBuffer in = ByteBuffer.allocate(64);
            ingress.configureBlocking(false);
            Await.until("the client's datagram passed the cut, delayed link", Duration.ofSeconds(2), () ->
            {
                try
                {
                    return ingress.receive(in) != null;
                }
                catch (final IOException ex)
                {
                    throw new java.io.UncheckedIOException(ex);
                }
            });
            assertEquals("commit", text(in));
            assertTrue(System.nanoTime() - start < 2_000_000_000L, "the ingress datagram was held");
        }
    }

    private static ByteBuffer bytes(final String s)
    {
        return ByteBuffer.wrap(s.getBytes(UTF_8));
    }

    private static String text(final ByteBuffer in)
    {
        in.flip();
        final byte[] b = new byte[in.remaining()];
        in.get(b);
        return new String(b, UTF_8);
    }
}
