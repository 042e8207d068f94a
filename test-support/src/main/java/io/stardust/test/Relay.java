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
 * The engine of {@link NetworkProxy}: one thread relaying every ordered pair of members' datagrams through their own
 * block of ports, dropping a cut link's and holding a delayed link's. It runs in {@link NetworkRelay}'s process.
 * It reports a pause of its own thread past {@link #STALL_NS} (the links were frozen that long), which tells a network
 * fault of the harness from one of the members.
 */
final class Relay implements AutoCloseable
{
    private static final int MAX_DATAGRAM = 65_536;
    /**
     * The port offsets that only clients use: ingress, reads and metrics. A member never sends there, but a client can
     * be sent there: a follower redirects a connecting client to the leader as the follower's view names it, behind
     * the relay. Those datagrams pass undelayed and uncut, as every client's do when it reaches a member directly,
     * so that a client's commit never pays a delay between two other members.
     */
    private static final java.util.Set<Integer> CLIENT_PORTS = java.util.Set.of(ClusterSpec.INGRESS_PORT_OFFSET,
        ClusterSpec.READ_PORT_OFFSET, ClusterSpec.METRICS_PORT_OFFSET);
    /** A pause of the relay thread this long or longer is reported. */
    static final long STALL_NS = TimeUnit.MILLISECONDS.toNanos(250);

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

    /** The state of the link between two members: up or cut, and the delay each way. */
    private static final class Link
    {
        volatile boolean up = true;
        /** Delay of datagrams from the lower member id to the higher. */
        volatile long upwardNs;
        /** Delay of datagrams from the higher member id to the lower. */
        volatile long downwardNs;

        long delayNs(final int from, final int to)
        {
            return from < to ? upwardNs : downwardNs;
        }
    }

    /** Where datagrams arriving on a proxy port go: member {@code to}'s real port, for {@code from}. */
    private record Listener(DatagramChannel channel, Link link, int from, int to, InetSocketAddress target,
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
     * @param real      the members' real spec.
     * @param proxyBase the first of the {@code n * n * PORTS_PER_MEMBER} ports to bind.
     */
    Relay(final ClusterSpec real, final int proxyBase)
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
        this.proxyBase = proxyBase;
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
                        // A client's ports are the same link for every client: never delayed or cut (see the class
                        // comment); a member's view names them behind the relay only because its spec has one base.
                        final Link link = CLIENT_PORTS.contains(offset) ? new Link() : links[from][to];
                        channel.register(selector, SelectionKey.OP_READ, new Listener(channel, link, from, to,
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
        thread = new Thread(this::run, "stardust-relay");
        thread.setDaemon(true);
        thread.start();
    }

    private int proxyBasePort(final int from, final int to)
    {
        return proxyBase + (from * real.size() + to) * ClusterSpec.PORTS_PER_MEMBER;
    }

    /** Drop every datagram between members {@code a} and {@code b}, both ways, until {@link #heal}. */
    void cut(final int a, final int b)
    {
        links[a][b].up = false;
    }

    /** Hold datagrams between {@code a} and {@code b}, both ways, for {@code delay} each. */
    void delay(final int a, final int b, final Duration delay)
    {
        delayOneWay(a, b, delay);
        delayOneWay(b, a, delay);
    }

    /** Hold datagrams from {@code from} to {@code to} (only that way) for {@code delay}. */
    void delayOneWay(final int from, final int to, final Duration delay)
    {
        if (from < to)
        {
            links[from][to].upwardNs = delay.toNanos();
        }
        else
        {
            links[from][to].downwardNs = delay.toNanos();
        }
    }

    /** Every link up again, without delay. */
    void heal()
    {
        for (int a = 0; a < real.size(); a++)
        {
            for (int b = a + 1; b < real.size(); b++)
            {
                links[a][b].up = true;
                links[a][b].upwardNs = 0;
                links[a][b].downwardNs = 0;
            }
        }
    }

    /** @return datagrams relayed so far. */
    long relayed()
    {
        return relayed.get();
    }

    /** @return datagrams dropped so far (cut links, or a target with no socket). */
    long dropped()
    {
        return dropped.get();
    }

    private void run()
    {
        long last = System.nanoTime();
        while (running)
        {
            try
            {
                final long now = System.nanoTime();
                if (now - last >= STALL_NS)
                {
                    System.err.println("relay " + java.time.LocalTime.now() + ": the relay thread did not run for " +
                        TimeUnit.NANOSECONDS.toMillis(now - last) + " ms: every link was frozen that long");
                }
                last = now;
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
                    System.err.println("relay: " + ex);
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
                forward(listener.link().delayNs(listener.from(), listener.to()), upstream, listener.target());
            }
            else
            {
                final Upstream upstream = (Upstream)key.attachment();
                if (!upstream.listener().link().up)
                {
                    dropped.incrementAndGet();
                    continue;
                }
                final Listener back = upstream.listener();
                forward(back.link().delayNs(back.to(), back.from()), back.channel(), upstream.sender());
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

    private void forward(final long delayNs, final DatagramChannel channel, final SocketAddress to)
    {
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
