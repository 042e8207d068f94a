package io.stardust.conformance;

import io.stardust.client.ClientConfig;
import io.stardust.client.CommitInfo;
import io.stardust.client.DigestInfo;
import io.stardust.client.KeyValue;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.protocol.ClusterSpec;
import io.stardust.test.Await;
import io.stardust.test.ProcessCluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A load for fault tests, and its check. Every transaction puts one new key into one table, so after the faults:
 * every acknowledged key must be on every member (nothing lost), and every member's count of committed transactions
 * must equal the rows in the table (nothing applied twice: a transaction applied a second time would count a commit
 * without adding a row). Digests at a common epoch must be equal.
 */
final class AckedWrites implements AutoCloseable
{
    private static final int IN_FLIGHT = 64;
    private static final int PAGE = 5_000;

    private final StardustClient client;
    private final String table;
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread load;
    private final String prefix;

    /**
     * Start writing in the background.
     *
     * @param client client of the cluster under test.
     * @param table  an existing, otherwise unused table.
     * @param prefix key prefix, unique per load on the same table.
     */
    AckedWrites(final StardustClient client, final String table, final String prefix)
    {
        this.client = client;
        this.table = table;
        this.prefix = prefix;
        this.load = new Thread(this::writeUntilStopped, "load-" + prefix);
        load.start();
    }

    /** @return acknowledged keys so far. */
    int count()
    {
        return acknowledged.size();
    }

    /** @return keys whose commit was acknowledged. */
    Set<String> acknowledged()
    {
        return acknowledged;
    }

    /**
     * Wait for {@code more} acknowledgements beyond the count now.
     *
     * @param more how many.
     * @param what for the failure message.
     */
    void awaitMore(final int more, final String what)
    {
        final int before = acknowledged.size();
        Await.until(() -> "commits " + what + " (" + (acknowledged.size() - before) + " of " + more + ")",
            Duration.ofSeconds(90), () -> acknowledged.size() >= before + more);
    }

    /** Stop the load and wait for its commits in flight to finish either way. */
    @Override
    public void close() throws InterruptedException
    {
        running.set(false);
        load.join();
    }

    private void writeUntilStopped()
    {
        final Semaphore inFlight = new Semaphore(IN_FLIGHT);
        long i = 0;
        while (running.get())
        {
            try
            {
                if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS))
                {
                    continue;
                }
            }
            catch (final InterruptedException ex)
            {
                return;
            }
            final String key = prefix + i++;
            final Transaction tx = client.begin();
            tx.put(table, key.getBytes(UTF_8), key.getBytes(UTF_8));
            final CompletableFuture<CommitInfo> commit = tx.commit();
            commit.whenComplete((info, error) ->
            {
                if (error == null)
                {
                    acknowledged.add(key);
                }
                inFlight.release();
            });
        }
        inFlight.acquireUninterruptibly(IN_FLIGHT);
    }

    /**
     * Wait until the members agree on an applied epoch, then check digests, every acknowledged key on every member,
     * and committed transactions against rows.
     *
     * @param client       a client of the cluster.
     * @param cluster      the processes, for their logs in failure messages.
     * @param table        the table every load wrote to.
     * @param acknowledged keys that must be present.
     */
    static void assertAllPresentOnceAndDigestsEqual(
        final StardustClient client, final ProcessCluster cluster, final String table, final Set<String> acknowledged)
        throws Exception
    {
        assertAllPresentOnceAndDigestsEqual(client, cluster.spec(), () -> tails(cluster), table, acknowledged);
    }

    /**
     * As {@link #assertAllPresentOnceAndDigestsEqual(StardustClient, ProcessCluster, String, Set)}, for any cluster.
     *
     * @param spec        the members.
     * @param diagnostics more to say when the members do not converge (their logs).
     */
    static void assertAllPresentOnceAndDigestsEqual(final StardustClient client, final ClusterSpec spec,
        final java.util.function.Supplier<String> diagnostics, final String table, final Set<String> acknowledged)
        throws Exception
    {
        final int members = spec.size();
        final long[] epoch = {0};
        Await.until(() -> "members to agree on an applied epoch: " + io.stardust.test.MemberStatuses.describe(client, members) + "\n" +
            diagnostics.get(), Duration.ofSeconds(90), () ->
        {
            try
            {
                final List<Long> applied = new ArrayList<>();
                for (int m = 0; m < members; m++)
                {
                    applied.add(client.status(m).get(5, TimeUnit.SECONDS).appliedEpoch());
                }
                epoch[0] = applied.get(0);
                return applied.stream().allMatch((a) -> a.equals(applied.get(0))) && applied.get(0) > 0;
            }
            catch (final Exception ex)
            {
                return false;
            }
        });
        final DigestInfo reference = client.digest(0, epoch[0]).get(10, TimeUnit.SECONDS);
        for (int m = 1; m < members; m++)
        {
            assertEquals(reference.digest(), client.digest(m, epoch[0]).get(10, TimeUnit.SECONDS).digest(),
                "digest of member " + m + " at epoch " + epoch[0]);
        }
        for (int m = 0; m < members; m++)
        {
            final Set<String> present = rows(spec, m, table);
            for (final String key : acknowledged)
            {
                assertTrue(present.contains(key), "acknowledged " + key + " missing on member " + m);
            }
            final long committed = client.status(m).get(5, TimeUnit.SECONDS).committed();
            assertEquals(present.size(), committed, "member " + m + " committed " + committed +
                " transactions but holds " + present.size() + " rows: a transaction was applied twice or lost");
        }
    }

    private static Set<String> rows(final ClusterSpec spec, final int member, final String table)
    {
        try (StardustClient reader = StardustClient.connect(
            new ClientConfig().clusterSpec(spec).preferredMember(member)))
        {
            final Transaction tx = reader.begin();
            final Set<String> present = ConcurrentHashMap.newKeySet();
            byte[] from = new byte[0];
            while (true)
            {
                final List<KeyValue> page = tx.scan(table, from, null, PAGE);
                page.forEach((kv) -> present.add(new String(kv.key(), UTF_8)));
                if (page.size() < PAGE)
                {
                    return present;
                }
                final byte[] lastKey = page.get(page.size() - 1).key();
                from = Arrays.copyOf(lastKey, lastKey.length + 1);
            }
        }
    }

    static String tails(final ProcessCluster cluster)
    {
        return cluster.logTails(40);
    }
}
