package io.stardust.sequencer;

import io.aeron.Aeron;
import io.aeron.DirectBufferVector;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusteredServiceContainer;
import io.aeron.logbuffer.BufferClaim;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpIdleStrategy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Just enough of Aeron Cluster to drive a {@link StardustService} by hand: sessions, time, timers, offers. */
public final class FakeCluster implements Cluster
{
    /** A client session that keeps what the service sends it. */
    static final class Session implements ClientSession
    {
        final long id;
        final List<byte[]> received = new ArrayList<>();

        Session(final long id)
        {
            this.id = id;
        }

        @Override
        public long id()
        {
            return id;
        }

        @Override
        public int responseStreamId()
        {
            return 0;
        }

        @Override
        public String responseChannel()
        {
            return "";
        }

        @Override
        public byte[] encodedPrincipal()
        {
            return new byte[0];
        }

        @Override
        public void close()
        {
        }

        @Override
        public boolean isClosing()
        {
            return false;
        }

        @Override
        public long offer(final DirectBuffer buffer, final int offset, final int length)
        {
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            received.add(copy);
            return 1;
        }

        @Override
        public long offer(final DirectBufferVector[] vectors)
        {
            throw new UnsupportedOperationException();
        }

        @Override
        public long tryClaim(final int length, final BufferClaim bufferClaim)
        {
            throw new UnsupportedOperationException();
        }
    }

    final Map<Long, Session> sessions = new TreeMap<>();
    final Map<Long, Long> timers = new TreeMap<>();
    /** What the service appended to the log itself. */
    final List<byte[]> serviceOffers = new ArrayList<>();
    Role role = Role.LEADER;
    long time = 1_000_000_000L;

    Session session(final long id)
    {
        return sessions.computeIfAbsent(id, Session::new);
    }

    @Override
    public int memberId()
    {
        return 0;
    }

    @Override
    public Role role()
    {
        return role;
    }

    @Override
    public long logPosition()
    {
        return 0;
    }

    @Override
    public Aeron aeron()
    {
        return null;
    }

    @Override
    public ClusteredServiceContainer.Context context()
    {
        return null;
    }

    @Override
    public ClientSession getClientSession(final long clusterSessionId)
    {
        return sessions.get(clusterSessionId);
    }

    @Override
    public Collection<ClientSession> clientSessions()
    {
        return new ArrayList<>(sessions.values());
    }

    @Override
    public void forEachClientSession(final Consumer<? super ClientSession> action)
    {
        sessions.values().forEach(action);
    }

    @Override
    public boolean closeClientSession(final long clusterSessionId)
    {
        return sessions.remove(clusterSessionId) != null;
    }

    @Override
    public long time()
    {
        return time;
    }

    @Override
    public TimeUnit timeUnit()
    {
        return TimeUnit.NANOSECONDS;
    }

    @Override
    public boolean scheduleTimer(final long correlationId, final long deadline)
    {
        timers.put(correlationId, deadline);
        return true;
    }

    @Override
    public boolean cancelTimer(final long correlationId)
    {
        return timers.remove(correlationId) != null;
    }

    @Override
    public long offer(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        serviceOffers.add(copy);
        return 1;
    }

    @Override
    public long offer(final DirectBufferVector[] vectors)
    {
        throw new UnsupportedOperationException();
    }

    @Override
    public long tryClaim(final int length, final BufferClaim bufferClaim)
    {
        throw new UnsupportedOperationException();
    }

    @Override
    public IdleStrategy idleStrategy()
    {
        return NoOpIdleStrategy.INSTANCE;
    }
}
