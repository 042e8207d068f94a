package io.stardust.server;

import io.aeron.cluster.service.Cluster;
import io.stardust.protocol.ClusterSpec;
import org.agrona.CloseHelper;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * A whole cluster in one JVM, each member with its own media driver, directories and ports: for {@code make run},
 * the demo and tests. State is erased on start.
 */
public final class EmbeddedCluster implements AutoCloseable
{
    private final ClusterSpec spec;
    private final File baseDir;
    private final IntFunction<MemberConfig> configs;
    private final StardustMember[] members;
    private java.util.function.IntFunction<io.aeron.cluster.service.ClusteredService> otherService = (id) -> null;

    private EmbeddedCluster(final ClusterSpec spec, final File baseDir, final IntFunction<MemberConfig> configs)
    {
        this.spec = spec;
        this.baseDir = baseDir;
        this.configs = configs;
        this.members = new StardustMember[spec.size()];
    }

    /**
     * Start every member.
     *
     * @param spec      where the members listen.
     * @param baseDir   each member's data goes to {@code baseDir/member-N}.
     * @param customise adjusts each member's config (workers, limits, timeouts) before it starts; may be null.
     * @return the running cluster (a leader may not be elected yet: see {@link #awaitLeader(Duration)}).
     */
    public static EmbeddedCluster start(
        final ClusterSpec spec, final File baseDir, final java.util.function.Consumer<MemberConfig> customise)
    {
        return start(spec, baseDir, customise, null);
    }

    /**
     * As {@link #start(ClusterSpec, File, java.util.function.Consumer)}, running another clustered service on every
     * member instead of Stardust's (to measure the raw cluster).
     *
     * @param spec         where the members listen.
     * @param baseDir      data directory.
     * @param customise    adjusts each member's config; may be null.
     * @param otherService makes each member's service; null for Stardust's.
     * @return the running cluster.
     */
    public static EmbeddedCluster start(
        final ClusterSpec spec,
        final File baseDir,
        final java.util.function.Consumer<MemberConfig> customise,
        final IntFunction<io.aeron.cluster.service.ClusteredService> otherService)
    {
        final EmbeddedCluster cluster = new EmbeddedCluster(spec, baseDir, (id) ->
        {
            final MemberConfig config = new MemberConfig()
                .memberId(id)
                .cluster(spec)
                .dataDir(new File(baseDir, "member-" + id))
                .deleteStateOnStart(true);
            config.storage();
            if (customise != null)
            {
                customise.accept(config);
            }
            return config;
        });
        if (otherService != null)
        {
            cluster.otherService = otherService;
        }
        try
        {
            for (int i = 0; i < spec.size(); i++)
            {
                cluster.startMember(i);
            }
            return cluster;
        }
        catch (final RuntimeException ex)
        {
            cluster.close();
            throw ex;
        }
    }

    /**
     * Start (or restart after {@link #stopMember(int)}) one member. A restart keeps nothing: it catches up from
     * the other members' log.
     *
     * @param id member id.
     * @return the member.
     */
    public StardustMember startMember(final int id)
    {
        if (members[id] != null)
        {
            throw new IllegalStateException("member " + id + " is running");
        }
        members[id] = StardustMember.launch(configs.apply(id), otherService.apply(id));
        return members[id];
    }

    /**
     * Start a stopped member again on its own state (recorded log, snapshots), as a restarted process would.
     *
     * @param id member id.
     * @return the member.
     */
    public StardustMember restartMember(final int id)
    {
        return restartMember(id, (config) -> {});
    }

    /**
     * As {@link #restartMember(int)}, with a change to the member's settings for this start, e.g.
     * {@code config.rebuildFromPeers(true)}.
     *
     * @param id     member id.
     * @param change adjusts the member's config after the cluster's own customisation.
     * @return the member.
     */
    public StardustMember restartMember(final int id, final java.util.function.Consumer<MemberConfig> change)
    {
        if (members[id] != null)
        {
            throw new IllegalStateException("member " + id + " is running");
        }
        final MemberConfig config = configs.apply(id).deleteStateOnStart(false);
        change.accept(config);
        members[id] = StardustMember.launch(config, otherService.apply(id));
        return members[id];
    }

    /**
     * Stop one member, abruptly for the rest of the cluster.
     *
     * @param id member id.
     */
    public void stopMember(final int id)
    {
        CloseHelper.close(members[id]);
        members[id] = null;
    }

    public ClusterSpec spec()
    {
        return spec;
    }

    public File baseDir()
    {
        return baseDir;
    }

    /**
     * @param id member id.
     * @return the running member, or null when stopped.
     */
    public StardustMember member(final int id)
    {
        return members[id];
    }

    /** @return running members. */
    public List<StardustMember> members()
    {
        final List<StardustMember> running = new ArrayList<>();
        for (final StardustMember m : members)
        {
            if (m != null)
            {
                running.add(m);
            }
        }
        return running;
    }

    /**
     * Wait until one running member is leader.
     *
     * @param timeout how long to wait.
     * @return the leader.
     * @throws TimeoutException when none was elected in time.
     */
    public StardustMember awaitLeader(final Duration timeout) throws TimeoutException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0)
        {
            for (final StardustMember m : members)
            {
                if (m != null && m.role() == Cluster.Role.LEADER)
                {
                    return m;
                }
            }
            LockSupport.parkNanos(1_000_000);
        }
        throw new TimeoutException("no leader elected within " + timeout);
    }

    /**
     * Wait until every running member has applied at least {@code epoch}.
     *
     * @param epoch   epoch.
     * @param timeout how long to wait.
     * @throws TimeoutException naming the lagging member.
     */
    public void awaitApplied(final long epoch, final Duration timeout) throws TimeoutException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        for (final StardustMember m : members())
        {
            while (m.storage().appliedEpoch() < epoch)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new TimeoutException("member " + m.memberId() + " applied epoch " +
                        m.storage().appliedEpoch() + ", not " + epoch + ", within " + timeout);
                }
                LockSupport.parkNanos(1_000_000);
            }
        }
    }

    /** @return the highest applied epoch among running members. */
    public long maxAppliedEpoch()
    {
        long max = 0;
        for (final StardustMember m : members())
        {
            max = Math.max(max, m.storage().appliedEpoch());
        }
        return max;
    }

    @Override
    public void close()
    {
        for (int i = members.length - 1; i >= 0; i--)
        {
            CloseHelper.quietClose(members[i]);
            members[i] = null;
        }
    }
}
