package io.stardust.server.sql;

import io.stardust.client.ClientConfig;
import io.stardust.client.StardustClient;
import io.stardust.protocol.ClusterSpec;
import io.stardust.sequencer.ReplicaView;
import org.agrona.CloseHelper;

/**
 * A member's SQL gateway with the cluster client it commits through. The client connects on the first statement
 * that needs the log, through the member's own media driver, so a member that serves no SQL spends nothing on it.
 */
public final class MemberSql implements AutoCloseable
{
    /** Statements a member runs at once. */
    public static final int THREADS = 4;

    private final ClusterSpec cluster;
    private final String aeronDir;
    private final String host;
    private final SqlGateway gateway;
    private StardustClient client;
    private boolean closed;

    /**
     * @param replica  the member's replica.
     * @param cluster  the cluster's members.
     * @param aeronDir the member's media driver.
     * @param host     the member's host, for the client's reply channel.
     */
    public MemberSql(final ReplicaView replica, final ClusterSpec cluster, final String aeronDir, final String host)
    {
        this.cluster = cluster;
        this.aeronDir = aeronDir;
        this.host = host;
        this.gateway = new SqlGateway(replica, this::client, THREADS);
    }

    /** @return the gateway, which the read endpoint hands SQL requests to. */
    public SqlGateway gateway()
    {
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
            client = StardustClient.connect(new ClientConfig().clusterSpec(cluster).aeronDirectoryName(aeronDir)
                .clientHost(host));
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
        CloseHelper.quietCloseAll(gateway, c);
    }
}
