package io.stardust.conformance;

import io.stardust.client.ClientConfig;
import io.stardust.client.CommitInfo;
import io.stardust.client.DigestInfo;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.test.Await;
import io.stardust.test.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
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
 * Separate member processes killed with SIGKILL under load (the leader, then a follower that restarts and catches
 * up while commits go on, then all three): no acknowledged commit is lost and the replicas end with equal digests.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class KillIT
{
    @Test
    void shouldLoseNoAcknowledgedCommitWhenLeaderFollowerAndWholeClusterAreKilled() throws Exception
    {
        try (ProcessCluster cluster = new ProcessCluster(3))
        {
            for (int i = 0; i < 3; i++)
            {
                cluster.start(i, true);
            }
            try (StardustClient client = StardustClient.connect(new ClientConfig().clusterSpec(cluster.spec())
                .connectTimeout(Duration.ofSeconds(60))))
            {
                client.createTable("acked").get(60, TimeUnit.SECONDS);
                final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
                final AtomicBoolean running = new AtomicBoolean(true);
                final Thread load = new Thread(() -> writeUntilStopped(client, acknowledged, running), "load");
                load.start();

                Await.until("commits before the kill", Duration.ofSeconds(60), () -> acknowledged.size() > 500);
                final int leader = cluster.leaderOf(client);
                cluster.kill(leader);
                final int before = acknowledged.size();
                Await.until(() -> "commits after the leader kill (" + acknowledged.size() + ")",
                    Duration.ofSeconds(60), () -> acknowledged.size() > before + 500);
                cluster.start(leader, false);

                // A follower next, still under load; it restarts and catches up while commits go on.
                final int follower = (cluster.leaderOf(client) + 1) % 3;
                cluster.kill(follower);
                final int beforeFollowerKill = acknowledged.size();
                Await.until(() -> "commits after the follower kill (" + acknowledged.size() + ")",
                    Duration.ofSeconds(60), () -> acknowledged.size() > beforeFollowerKill + 500);
                cluster.start(follower, false);
                final int beforeCatchUp = acknowledged.size();
                Await.until(() -> "commits while the follower catches up (" + acknowledged.size() + ")",
                    Duration.ofSeconds(60), () -> acknowledged.size() > beforeCatchUp + 500);
                running.set(false);
                load.join();
                assertAllPresentAndDigestsEqual(client, acknowledged, cluster);
            }

            // Now every member at once, then all back on their own files.
            for (int i = 0; i < 3; i++)
            {
                cluster.kill(i);
            }
            for (int i = 0; i < 3; i++)
            {
                cluster.start(i, false);
            }
            try (StardustClient client = StardustClient.connect(new ClientConfig().clusterSpec(cluster.spec())
                .connectTimeout(Duration.ofSeconds(60))))
            {
                final Set<String> none = ConcurrentHashMap.newKeySet();
                final Transaction probe = client.begin();
                probe.put("acked", "after-restart".getBytes(UTF_8), "1".getBytes(UTF_8));
                probe.commitSync();
                none.add("after-restart");
                assertAllPresentAndDigestsEqual(client, none, cluster);
            }
        }
    }

    private static void writeUntilStopped(
        final StardustClient client, final Set<String> acknowledged, final AtomicBoolean running)
    {
        final Semaphore inFlight = new Semaphore(64);
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
            final String key = "k" + i++;
            final Transaction tx = client.begin();
            tx.put("acked", key.getBytes(UTF_8), key.getBytes(UTF_8));
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
        inFlight.acquireUninterruptibly(64);
    }

    private static String statuses(final StardustClient client)
    {
        final StringBuilder sb = new StringBuilder();
        for (int m = 0; m < 3; m++)
        {
            try
            {
                sb.append(client.status(m).get(5, TimeUnit.SECONDS)).append('\n');
            }
            catch (final Exception ex)
            {
                sb.append("member ").append(m).append(": ").append(ex).append('\n');
            }
        }
        return sb.toString();
    }

    private static String tails(final ProcessCluster cluster)
    {
        final StringBuilder sb = new StringBuilder();
        for (int m = 0; m < 3; m++)
        {
            final String log = cluster.log(m);
            sb.append("--- member ").append(m).append(" log tail:\n")
                .append(log.substring(Math.max(0, log.length() - 3000))).append('\n');
        }
        return sb.toString();
    }


    private static void assertAllPresentAndDigestsEqual(
        final StardustClient client, final Set<String> acknowledged, final ProcessCluster cluster) throws Exception
    {
        // Wait until every member reports the same applied epoch, then compare digests and rows.
        final long[] epoch = {0};
        Await.until(() -> "members to agree on an applied epoch: " + statuses(client) + "\n" + tails(cluster),
            Duration.ofSeconds(90), () ->
        {
            try
            {
                final List<Long> applied = new ArrayList<>();
                for (int m = 0; m < 3; m++)
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
        for (int m = 1; m < 3; m++)
        {
            assertEquals(reference.digest(), client.digest(m, epoch[0]).get(10, TimeUnit.SECONDS).digest(),
                "digest of member " + m + " at epoch " + epoch[0]);
        }
        for (int m = 0; m < 3; m++)
        {
            final int member = m;
            try (StardustClient reader = StardustClient.connect(
                new ClientConfig().clusterSpec(cluster.spec()).preferredMember(member)))
            {
                final Transaction tx = reader.begin();
                final Set<String> present = ConcurrentHashMap.newKeySet();
                byte[] from = new byte[0];
                while (true)
                {
                    final var page = tx.scan("acked", from, null, 5_000);
                    page.forEach((kv) -> present.add(new String(kv.key(), UTF_8)));
                    if (page.size() < 5_000)
                    {
                        break;
                    }
                    final byte[] lastKey = page.get(page.size() - 1).key();
                    from = java.util.Arrays.copyOf(lastKey, lastKey.length + 1);
                }
                for (final String key : acknowledged)
                {
                    assertTrue(present.contains(key), "acknowledged " + key + " missing on member " + member);
                }
            }
        }
    }
}
