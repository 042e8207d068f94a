package io.stardust.test;

import io.stardust.protocol.ClusterSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A user-space UDP relay between cluster members, for network faults on loopback (the kernel here has no
 * {@code tc netem}). Every ordered pair of members (a, b) gets a block of ports that stands for b in a's view of the
 * cluster ({@link #viewOf}); datagrams a sends there are relayed to b's real ports, and b's answers back to a.
 * Links are symmetric: {@link #cut} drops both directions, {@link #delay} holds datagrams in both directions.
 *
 * <p>What goes through it: everything a member sends to another member's endpoints as it knows them (consensus,
 * log, archive control). What does not: datagrams sent to an address a peer gave in a message rather than taken
 * from the cluster spec (the catch-up replay and archive replication streams, addressed to the follower's own
 * endpoints), and clients, which use the real spec. A cut therefore stops elections, heartbeats and the log, which
 * is what a partition has to stop; a follower cannot start a catch-up without consensus with the leader anyway.
 */
public final class NetworkProxy implements AutoCloseable
{
    private static final int MAX_DATAGRAM = 65_536;

    private final ClusterSpec real;
    private final int proxyBase;
    private final Selector selector;
    private final Link[][] links;
    private final List<DatagramChannel> channels = new ArrayList<>();
    private final PriorityQueue<Held> held = new PriorityQueue<>();
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_DATAGRAM);
    private final Thread thread;
    private final AtomicLong relayed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean running = true;
    private long sequence;

    /** The state of the link between two members. */
    private static final class Link
    {
        volatile boolean up = true;
        volatile long delayNs;
    }

    /** Where datagrams arriving on a proxy port go: member {@code to}'s real port, for {@code from}. */
    private record Listener(DatagramChannel channel, Link link, InetSocketAddress target,
        Map<SocketAddress, DatagramChannel> upstreams)
    {
    }

    /** A socket connected to the real target for one sender; answers go back to {@code sender}. */
    private record Upstream(Listener listener, SocketAddress sender)
    {
    }

    /** A datagram held for a delay. */
    private record Held(long dueNs, long sequence, DatagramChannel channel, SocketAddress to, byte[] bytes)
        implements Comparable<Held>
    {
        public int compareTo(final Held o)
        {
            final int byTime = Long.compare(dueNs, o.dueNs);
            return byTime != 0 ? byTime : Long.compare(sequence, o.sequence);
        }
    }

    /**
     * Bind a proxy port block for every ordered pair of members and start relaying.
     *
     * @param real the members' real spec.
     */
    public NetworkProxy(final ClusterSpec real)
    {
        this.real = real;
        final int n = real.size();
        links = new Link[n][n];
        for (int a = 0; a < n; a++)
        {
            for (int b = a + 1; b < n; b++)
            {
                links[a][b] = links[b][a] = new Link();
            }
        }
        proxyBase = Ports.freeBasePort(n * n);
        try
        {
            selector = Selector.open();
            for (int from = 0; from < n; from++)
            {
                for (int to = 0; to < n; to++)
                {
                    if (from == to)
                    {
                        continue;
                    }
                    final ClusterSpec.Member target = real.member(to);
                    for (int offset = 0; offset < ClusterSpec.PORTS_PER_MEMBER; offset++)
                    {
                        final DatagramChannel channel = DatagramChannel.open();
                        channels.add(channel);
                        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                            proxyBasePort(from, to) + offset));
                        channel.configureBlocking(false);
                        channel.register(selector, SelectionKey.OP_READ, new Listener(channel, links[from][to],
                            new InetSocketAddress(target.host(), target.port(offset)), new HashMap<>()));
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            close();
            throw new UncheckedIOException("cannot bind the network proxy's ports from " + proxyBase, ex);
        }
        thread = new Thread(this::run, "stardust-network-proxy");
        thread.setDaemon(true);
        thread.start();
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
        links[a][b].up = false;
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
        links[a][b].delayNs = delay.toNanos();
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
        for (int a = 0; a < real.size(); a++)
        {
            for (int b = a + 1; b < real.size(); b++)
            {
                links[a][b].up = true;
                links[a][b].delayNs = 0;
            }
        }
    }

    /** @return true when the link between {@code a} and {@code b} passes datagrams. */
    public boolean isUp(final int a, final int b)
    {
        return links[a][b].up;
    }

    /** @return datagrams relayed so far. */
    public long relayed()
    {
        return relayed.get();
    }

    /** @return datagrams dropped so far (cut links, or a target with no socket). */
    public long dropped()
    {
        return dropped.get();
    }

    private void run()
    {
        while (running)
        {
            try
            {
                final long now = System.nanoTime();
                releaseDue(now);
                final Held next = held.peek();
                final long waitMs = next == null ? 100 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(next.dueNs - now));
                if (selector.select(waitMs) > 0)
                {
                    for (final SelectionKey key : selector.selectedKeys())
                    {
                        onReadable(key);
                    }
                    selector.selectedKeys().clear();
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                if (running)
                {
                    System.err.println("network proxy: " + ex);
                }
            }
        }
    }

    private void onReadable(final SelectionKey key) throws IOException
    {
        final DatagramChannel channel = (DatagramChannel)key.channel();
        while (true)
        {
            buffer.clear();
            final SocketAddress sender;
            try
            {
                sender = channel.receive(buffer);
            }
            catch (final IOException ex)
            {
                // A connected upstream whose target is gone reports ICMP port unreachable here: the datagram is
                // lost, as on a network.
                dropped.incrementAndGet();
                return;
            }
            if (sender == null)
            {
                return;
            }
            buffer.flip();
            if (key.attachment() instanceof Listener listener)
            {
                if (!listener.link().up)
                {
                    dropped.incrementAndGet();
                    continue;
                }
                final DatagramChannel upstream = listener.upstreams().computeIfAbsent(sender,
                    (s) -> openUpstream(listener, s));
                forward(listener.link(), upstream, listener.target());
            }
            else
            {
                final Upstream upstream = (Upstream)key.attachment();
                if (!upstream.listener().link().up)
                {
                    dropped.incrementAndGet();
                    continue;
                }
                forward(upstream.listener().link(), upstream.listener().channel(), upstream.sender());
            }
        }
    }

    private DatagramChannel openUpstream(final Listener listener, final SocketAddress sender)
    {
        try
        {
            final DatagramChannel upstream = DatagramChannel.open();
            channels.add(upstream);
            upstream.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            upstream.configureBlocking(false);
            upstream.register(selector, SelectionKey.OP_READ, new Upstream(listener, sender));
            return upstream;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private void forward(final Link link, final DatagramChannel channel, final SocketAddress to)
    {
        final long delayNs = link.delayNs;
        if (delayNs > 0)
        {
            final byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            held.add(new Held(System.nanoTime() + delayNs, sequence++, channel, to, bytes));
            return;
        }
        send(channel, buffer, to);
    }

    private void releaseDue(final long now)
    {
        while (!held.isEmpty() && held.peek().dueNs - now <= 0)
        {
            final Held h = held.poll();
            send(h.channel(), ByteBuffer.wrap(h.bytes()), h.to());
        }
    }

    private void send(final DatagramChannel channel, final ByteBuffer bytes, final SocketAddress to)
    {
        // Counted before it is sent, so a receiver never sees a datagram the count does not include yet.
        relayed.incrementAndGet();
        try
        {
            channel.send(bytes, to);
        }
        catch (final IOException ex)
        {
            relayed.decrementAndGet();
            dropped.incrementAndGet();
        }
    }

    @Override
    public void close()
    {
        running = false;
        if (thread != null)
        {
            selector.wakeup();
            try
            {
                thread.join(5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        for (final DatagramChannel channel : channels)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignored)
            {
                // Closing: nothing to do.
            }
        }
        if (selector != null)
        {
            try
            {
                selector.close();
            }
            catch (final IOException ignored)
            {
                // Closing: nothing to do.
            }
        }
    }
}
