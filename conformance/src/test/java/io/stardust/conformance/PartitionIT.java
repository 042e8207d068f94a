package io.stardust.conformance;

import io.stardust.client.StardustClient;
import io.stardust.test.Await;
import io.stardust.test.NetworkProxy;
import io.stardust.test.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Network partitions between member processes (through {@link NetworkProxy}), under load: the leader cut off from
 * both followers, then a follower cut off, then the links heal. No acknowledged commit may be lost or applied twice,
 * and the members must end with equal digests.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PartitionIT
{
    @Test
    void shouldLoseNothingWhenTheLeaderAndThenAFollowerAreCutOff() throws Exception
    {
        try (ProcessCluster cluster = new ProcessCluster(3).withNetworkProxy())
        {
            cluster.startAll(true);
            final NetworkProxy network = cluster.network();
            final Set<String> acknowledged = new HashSet<>();
            try (StardustClient client = cluster.connect((config) -> config))
            {
                client.createTable("acked").get(60, TimeUnit.SECONDS);
                try (AckedWrites load = new AckedWrites(client, "acked", "k"))
                {
                    load.awaitMore(300, "before the partition");
                    final int oldLeader = cluster.leaderOf(client);
                    final long droppedBefore = network.dropped();
                    network.isolate(oldLeader);
                    // The majority side elects a leader of its own, and the cut-off leader steps down: it cannot
                    // reach a quorum. Members' read endpoints are not behind the proxy, so both can be asked.
                    Await.until(() -> "a new leader on the majority side and the old one stepped down: " +
                        io.stardust.test.MemberStatuses.describe(client, 3), Duration.ofSeconds(30),
                        () -> newLeaderElected(client, oldLeader) && !"LEADER".equals(role(client, oldLeader)));
                    load.awaitMore(300, "while the old leader is cut off");
                    assertTrue(network.dropped() > droppedBefore, "the proxy dropped nothing while the leader was cut off");
                    network.heal();
                    load.awaitMore(300, "after the leader's links heal");

                    // Then the follower that was not cut off before.
                    final int follower = 3 - oldLeader - cluster.leaderOf(client);
                    network.isolate(follower);
                    load.awaitMore(300, "while a follower is cut off");
                    network.heal();
                    load.awaitMore(300, "after the follower's links heal");
                    acknowledged.addAll(load.acknowledged());
                }
                AckedWrites.assertAllPresentOnceAndDigestsEqual(client, cluster, "acked", acknowledged);
            }
        }
    }

    private static boolean newLeaderElected(final StardustClient client, final int oldLeader)
    {
        for (int m = 0; m < 3; m++)
        {
            if (m != oldLeader && "LEADER".equals(role(client, m)))
            {
                return true;
            }
        }
        return false;
    }

    private static String role(final StardustClient client, final int member)
    {
        try
        {
            return client.status(member).get(2, TimeUnit.SECONDS).role();
        }
        catch (final Exception ex)
        {
            return "no answer: " + ex;
        }
    }
}
