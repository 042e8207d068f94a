package io.stardust.conformance;

import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.test.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * Separate member processes killed with SIGKILL under load (the leader, then a follower that restarts and catches
 * up while commits go on, then all three): no acknowledged commit is lost, none is applied twice, and the replicas
 * end with equal digests.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class KillIT
{
    @Test
    void shouldLoseNoAcknowledgedCommitWhenLeaderFollowerAndWholeClusterAreKilled() throws Exception
    {
        try (ProcessCluster cluster = new ProcessCluster(3))
        {
            cluster.startAll(true);
            final Set<String> acknowledged = new HashSet<>();
            try (StardustClient client = cluster.connect((config) -> config))
            {
                client.createTable("acked").get(60, TimeUnit.SECONDS);
                try (AckedWrites load = new AckedWrites(client, "acked", "k"))
                {
                    load.awaitMore(500, "before the kill");
                    final int leader = cluster.leaderOf(client);
                    cluster.kill(leader);
                    load.awaitMore(500, "after the leader kill");
                    cluster.start(leader, false);

                    // A follower next, still under load; it restarts and catches up while commits go on.
                    final int follower = (cluster.leaderOf(client) + 1) % 3;
                    cluster.kill(follower);
                    load.awaitMore(500, "after the follower kill");
                    cluster.start(follower, false);
                    load.awaitMore(500, "while the follower catches up");
                    // The whole cluster at once, under load, then all back on their own files.
                    for (int i = 0; i < 3; i++)
                    {
                        cluster.kill(i);
                    }
                    acknowledged.addAll(load.acknowledged());
                }
            }
            cluster.startAll(false);
            try (StardustClient client = cluster.connect((config) -> config))
            {
                final Transaction probe = client.begin();
                probe.put("acked", "after-restart".getBytes(UTF_8), "1".getBytes(UTF_8));
                probe.commitSync();
                acknowledged.add("after-restart");
                AckedWrites.assertAllPresentOnceAndDigestsEqual(client, cluster, "acked", acknowledged);
            }
        }
    }
}
