package io.stardust.server.sql;

import io.stardust.client.ClientConfig;
import io.stardust.client.StardustClient;
import io.stardust.protocol.ClusterSpec;
import io.stardust.sequencer.ReplicaView;
import io.stardust.server.SqlHandler;
import org.agrona.CloseHelper;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A member's SQL gateway, made on its first request, and the cluster client it commits through, opened on the first
 * statement that needs the log (through the member's own media driver). A member that serves no SQL spends nothing
 * on it, and starting a member does not wait for Calcite to load: the first request does, on a gateway thread.
 */
public final class MemberSql implements SqlHandler, AutoCloseable
{
    /** The members' key, with which the gateway's client authenticates as a member; null without authentication. */
    private final char[] memberKey;
    /**
     * Statements a member runs at once. Most of a statement's time is spent waiting for its commit to come back
     * through the log, not on a core, so there are many more threads than cores.
     */
    public static final int THREADS = 64;

    private final ReplicaView replica;
    private final ClusterSpec cluster;
    private final String aeronDir;
    private final String host;
    private final ExecutorService workers;
    private SqlGateway gateway;
    private StardustClient client;
    private boolean closed;

    /**
     * @param replica  the member's replica.
     * @param cluster  the cluster's members.
     * @param aeronDir the member's media driver.
     * @param host     the member's host, for the client's reply channel.
     */
    public MemberSql(final ReplicaView replica, final ClusterSpec cluster, final String aeronDir, final String host,
        final char[] memberKey)
    {
        this.memberKey = memberKey;
        this.replica = replica;
        this.cluster = cluster;
        this.aeronDir = aeronDir;
        this.host = host;
        final AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(THREADS, (r) ->
        {
            final Thread t = new Thread(r, "stardust-sql-" + replica.memberId() + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void submit(final int clientSession, final io.stardust.protocol.auth.Principal principal,
        final byte[] request, final Reply reply)
    {
        workers.execute(() ->
        {
            final SqlGateway g = gateway();
            if (g != null)
            {
                reply.send(g.handle(request, principal));
            }
        });
    }

    /** @return the gateway, made on first use; null once closing. */
    public synchronized SqlGateway gateway()
    {
        if (gateway == null && !closed)
        {
            gateway = new SqlGateway(replica, this::client);
        }
        return gateway;
    }

    private synchronized StardustClient client()
    {
        if (closed)
        {
            throw new IllegalStateException("the member is closing");
        }
        if (client == null)
        {
            final ClientConfig config = new ClientConfig().clusterSpec(cluster).aeronDirectoryName(aeronDir)
                .clientHost(host);
            if (memberKey != null)
            {
                config.credentials(io.stardust.server.auth.AuthFile.MEMBER_USER, memberKey);
            }
            client = StardustClient.connect(config);
        }
        return client;
    }

    @Override
    public void close()
    {
        final StardustClient c;
        synchronized (this)
        {
            closed = true;
            c = client;
            client = null;
        }
        workers.shutdownNow();
        CloseHelper.quietClose(c);
    }
}
