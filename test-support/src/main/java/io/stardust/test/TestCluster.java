package io.stardust.test;

import io.stardust.client.ClientConfig;
import io.stardust.client.StardustClient;
import io.stardust.protocol.ClusterSpec;
import io.stardust.server.EmbeddedCluster;
import io.stardust.server.MemberConfig;
import io.stardust.server.StardustMember;
import org.agrona.CloseHelper;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A real cluster of {@code n} members in this JVM on free loopback ports, with clients, for integration tests.
 * Closing it stops everything, deletes its files, and fails if any member reported an error.
 * <pre>
 * try (TestCluster cluster = TestCluster.builder().members(3).start())
 * {
 *     cluster.awaitLeader();
 *     StardustClient client = cluster.newClient();
 *     ...
 * }
 * </pre>
 */
public final class TestCluster implements AutoCloseable
{
    /** Default time to wait for an election on a loaded 2-core machine. */
    public static final Duration LEADER_TIMEOUT = Duration.ofSeconds(30);

    private final EmbeddedCluster cluster;
    private final File dir;
    private final List<StardustClient> clients = new ArrayList<>();
    private boolean ignoreErrors;

    private TestCluster(final EmbeddedCluster cluster, final File dir)
    {
        this.cluster = cluster;
        this.dir = dir;
    }

    /** @return a builder. */
    public static Builder builder()
    {
        return new Builder();
    }

    /** Builds a {@link TestCluster}. */
    public static final class Builder
    {
        private int members = 3;
        private Consumer<MemberConfig> customise = (c) -> {};

        public Builder members(final int members)
        {
            this.members = members;
            return this;
        }

        /**
         * @param customise changes each member's config, e.g. its worker count by {@code config.memberId()}.
         * @return this.
         */
        public Builder configure(final Consumer<MemberConfig> customise)
        {
            this.customise = this.customise.andThen(customise);
            return this;
        }

        public TestCluster start()
        {
            final File dir;
            try
            {
                dir = Files.createTempDirectory("stardust-test-").toFile();
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            final ClusterSpec spec = ClusterSpec.local("localhost", Ports.freeBasePort(members), members);
            return new TestCluster(EmbeddedCluster.start(spec, dir, (config) ->
            {
                config.storage();
                customise.accept(config);
            }), dir);
        }
    }

    public ClusterSpec spec()
    {
        return cluster.spec();
    }

    public EmbeddedCluster embedded()
    {
        return cluster;
    }

    /**
     * @param id member id.
     * @return the running member.
     */
    public StardustMember member(final int id)
    {
        return cluster.member(id);
    }

    public List<StardustMember> members()
    {
        return cluster.members();
    }

    /** @return the leader, once elected. */
    public StardustMember awaitLeader()
    {
        try
        {
            return cluster.awaitLeader(LEADER_TIMEOUT);
        }
        catch (final TimeoutException ex)
        {
            throw new AssertionError(ex.getMessage());
        }
    }

    /**
     * Wait until every running member applied {@code epoch}.
     *
     * @param epoch epoch.
     */
    public void awaitApplied(final long epoch)
    {
        try
        {
            cluster.awaitApplied(epoch, Duration.ofSeconds(30));
        }
        catch (final TimeoutException ex)
        {
            throw new AssertionError(ex.getMessage());
        }
    }

    /** @return a connected client, closed with the cluster. */
    public StardustClient newClient()
    {
        return newClient((c) -> {});
    }

    /**
     * @param customise adjusts the client's config.
     * @return a connected client, closed with the cluster.
     */
    public StardustClient newClient(final Consumer<ClientConfig> customise)
    {
        final ClientConfig config = new ClientConfig().clusterSpec(cluster.spec());
        customise.accept(config);
        final StardustClient client = StardustClient.connect(config);
        clients.add(client);
        return client;
    }

    /** Do not fail on close for errors the members reported (for tests that provoke them). */
    public void ignoreMemberErrors()
    {
        ignoreErrors = true;
    }

    @Override
    public void close()
    {
        final List<Throwable> errors = new ArrayList<>();
        for (final StardustMember m : cluster.members())
        {
            errors.addAll(m.errors());
        }
        clients.forEach(CloseHelper::quietClose);
        cluster.close();
        StardustMember.deleteTree(dir);
        if (!ignoreErrors && !errors.isEmpty())
        {
            final AssertionError failure = new AssertionError(errors.size() + " member error(s), first: " +
                errors.get(0));
            errors.forEach(failure::addSuppressed);
            throw failure;
        }
    }
}
