package io.stardust.client;

import io.aeron.cluster.client.AeronCluster;
import org.agrona.CloseHelper;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * Opens a cluster session in attempts of a bounded length, each with fresh ingress publications, until one succeeds
 * or the connect deadline passes.
 * <p>
 * One Aeron {@code AsyncConnect} can wait out its whole timeout in a state it will not leave: a member that redirected
 * the client during an election, then lost the leadership, is the only one it waits on; a pending session that an
 * election closed is answered with an event the connect ignores. A new attempt starts over with every member. Each
 * attempt's path through the connect states is kept, so a connect that fails says where each attempt stopped.
 */
final class ClusterConnector implements AutoCloseable
{
    /** The longest one attempt waits before it starts over. */
    static final long ATTEMPT_NS = TimeUnit.SECONDS.toNanos(10);

    private final LongFunction<AeronCluster.Context> contexts;
    private final long deadlineNs;
    private final long attemptNs;
    private final List<String> history = new ArrayList<>();
    private AeronCluster.AsyncConnect attempt;
    private long attemptStartNs;
    private final StringBuilder path = new StringBuilder();
    private AeronCluster.AsyncConnect.State lastState;

    /**
     * @param contexts   a new cluster context for an attempt, given the attempt's message timeout in nanoseconds.
     * @param deadlineNs {@link System#nanoTime()} after which no new attempt starts; {@code Long.MAX_VALUE} for none.
     * @param attemptNs  the longest one attempt waits before it starts over.
     */
    ClusterConnector(final LongFunction<AeronCluster.Context> contexts, final long deadlineNs, final long attemptNs)
    {
        this.contexts = contexts;
        this.deadlineNs = deadlineNs;
        this.attemptNs = attemptNs;
    }

    /**
     * Connect, blocking until a session is open.
     *
     * @param contexts a new cluster context for an attempt, given the attempt's message timeout in nanoseconds.
     * @param timeoutNs how long to keep trying.
     * @param attemptNs the longest one attempt waits before it starts over.
     * @return the open session.
     * @throws io.aeron.security.AuthenticationException if the cluster refused the credentials.
     * @throws IllegalStateException naming every attempt's path, if the time ran out.
     */
    static AeronCluster connect(
        final LongFunction<AeronCluster.Context> contexts, final long timeoutNs, final long attemptNs)
    {
        try (ClusterConnector connector = new ClusterConnector(contexts, System.nanoTime() + timeoutNs, attemptNs))
        {
            while (true)
            {
                final AeronCluster cluster = connector.poll();
                if (cluster != null)
                {
                    return cluster;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
        }
    }

    /**
     * Advance the connect.
     *
     * @return the open session, or null if not yet open.
     * @throws io.aeron.security.AuthenticationException if the cluster refused the credentials (not retried).
     * @throws IllegalStateException naming every attempt's path, if an attempt failed after the deadline.
     */
    AeronCluster poll()
    {
        final long now = System.nanoTime();
        if (attempt == null)
        {
            final long timeoutNs = Math.max(TimeUnit.MILLISECONDS.toNanos(100),
                Math.min(attemptNs, deadlineNs == Long.MAX_VALUE ? attemptNs : deadlineNs - now));
            attempt = AeronCluster.asyncConnect(contexts.apply(timeoutNs));
            attemptStartNs = now;
            path.setLength(0);
            lastState = null;
        }
        try
        {
            final AeronCluster cluster = attempt.poll();
            noteState(now);
            if (cluster != null)
            {
                attempt = null;
            }
            return cluster;
        }
        catch (final io.aeron.security.AuthenticationException ex)
        {
            CloseHelper.quietClose(attempt);
            attempt = null;
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(attempt);
            attempt = null;
            history.add("attempt " + (history.size() + 1) + " (" + path + ") failed after " +
                TimeUnit.NANOSECONDS.toMillis(now - attemptStartNs) + " ms: " + ex.getMessage());
            if (deadlineNs != Long.MAX_VALUE && System.nanoTime() - deadlineNs >= 0)
            {
                throw new IllegalStateException(String.join("; ", history), ex);
            }
            return null;
        }
    }

    private void noteState(final long now)
    {
        final AeronCluster.AsyncConnect.State state = attempt.state();
        if (state != lastState)
        {
            if (path.length() > 0)
            {
                path.append(" > ");
            }
            path.append(state).append('@').append(TimeUnit.NANOSECONDS.toMillis(now - attemptStartNs)).append("ms");
            lastState = state;
        }
    }

    /** @return the failed attempts so far, each with its path through the connect states. */
    List<String> history()
    {
        return history;
    }

    @Override
    public void close()
    {
        CloseHelper.quietClose(attempt);
        attempt = null;
    }
}
