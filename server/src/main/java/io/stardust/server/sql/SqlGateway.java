package io.stardust.server.sql;

import io.stardust.client.StardustClient;
import io.stardust.planner.SqlSession;
import io.stardust.sequencer.ReplicaView;
import org.apache.calcite.avatica.metrics.noop.NoopMetricsSystem;
import org.apache.calcite.avatica.remote.LocalService;
import org.apache.calcite.avatica.remote.ProtobufHandler;
import org.apache.calcite.avatica.remote.ProtobufTranslationImpl;

import java.security.SecureRandom;
import java.util.function.Supplier;

/**
 * A member's SQL gateway: runs the JDBC driver's requests (Avatica's protocol) in SQL sessions that plan and read at
 * this member's snapshot and commit through the log, so any member can coordinate a transaction. Thread-safe: the
 * {@link MemberSql} threads call it at once, each request of one connection after the other.
 */
public final class SqlGateway
{
    private final ProtobufHandler handler;
    private final GatewayMeta meta;
    private final SqlSession.Plans plans;

    /**
     * @param replica the member's replica (catalog, storage).
     * @param client  a cluster client for commits and schema changes, made on first use.
     */
    public SqlGateway(final ReplicaView replica, final Supplier<StardustClient> client)
    {
        final GatewayBackend backend = new GatewayBackend(replica, client);
        this.plans = new SqlSession.Plans(new GatewayStats(replica));
        final SecureRandom random = new SecureRandom();
        this.meta = new GatewayMeta((connection, database) -> new SqlSession(
            io.stardust.planner.DatabaseBackend.of(backend, database), plans, () -> random.nextLong() & Long.MAX_VALUE),
            replica::catalog, replica.tenants()::read);
        this.handler = new ProtobufHandler(new LocalService(meta), new ProtobufTranslationImpl(),
            NoopMetricsSystem.getInstance());
    }

    /**
     * @param request an Avatica request.
     * @return its answer; a failure of any kind is an error answer, never an exception.
     */
    public byte[] handle(final byte[] request)
    {
        return handle(request, null);
    }

    /**
     * @param request   an Avatica request.
     * @param principal who the client's connection authenticated as; null on a member without authentication.
     * @return its answer; a failure of any kind is an error answer, never an exception.
     */
    public byte[] handle(final byte[] request, final io.stardust.protocol.auth.Principal principal)
    {
        GatewayMeta.CALLER.set(principal);
        try
        {
            return handler.apply(request).getResponse();
        }
        catch (final Throwable ex)
        {
            return handler.convertToErrorResponse(ex instanceof Exception e ? e : new RuntimeException(ex))
                .getResponse();
        }
        finally
        {
            GatewayMeta.CALLER.remove();
        }
    }

    /** @return {hits, misses} of the plan cache. */
    public long[] planCacheCounts()
    {
        return plans.cacheCounts();
    }

    /** @return open JDBC connections. */
    public int connections()
    {
        return meta.connectionCount();
    }
}
