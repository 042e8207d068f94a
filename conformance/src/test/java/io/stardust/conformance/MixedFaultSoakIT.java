package io.stardust.conformance;

import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.test.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.File;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * About ten minutes of faults on real member processes under a steady write load: SIGKILL of the leader, SIGKILL and
 * restart of a follower, SIGKILL of the whole cluster, and a member restarted on a damaged snapshot (archived
 * snapshot with bytes flipped or cut short, or row checkpoint cut short),
 * in an order drawn from a seed (printed; {@code -Dstardust.soak.seed=N} replays it). Afterwards every acknowledged
 * commit is on every member, none was applied twice, and the digests are equal. Runs with {@code make soak}.
 */
@EnabledIfSystemProperty(named = "stardust.soak", matches = "true")
@Timeout(value = 40, unit = TimeUnit.MINUTES)
class MixedFaultSoakIT
{
    private static final long MINUTES = Long.getLong("stardust.soak.minutes", 10);

    enum Fault
    {
        LEADER_KILL, FOLLOWER_KILL, WHOLE_CLUSTER_KILL, CORRUPT_SNAPSHOT
    }

    @Test
    void shouldKeepEveryAcknowledgedCommitThroughTenMinutesOfFaults() throws Exception
    {
        final long seed = Long.getLong("stardust.soak.seed", System.nanoTime());
        System.out.println("mixed-fault soak: seed " + seed + " (-Dstardust.soak.seed=" + seed + " replays the order)");
        final Random random = new Random(seed);
        final Map<Fault, Integer> counts = new EnumMap<>(Fault.class);
        final Set<String> acknowledged = new HashSet<>();
        final long endNs = System.nanoTime() + TimeUnit.MINUTES.toNanos(MINUTES);
        // Ten minutes of load writes about a million rows: size the tables for that.
        try (ProcessCluster cluster = new ProcessCluster(3))
        {
            cluster.startAll(true);
            try (StardustClient client = cluster.connect((config) -> config))
            {
                client.createTable("acked").get(60, TimeUnit.SECONDS);
                try (AckedWrites load = new AckedWrites(client, "acked", "k"))
                {
                    load.awaitMore(500, "before the first fault");
                    int round = 0;
                    while (System.nanoTime() < endNs)
                    {
                        round++;
                        final Fault fault = Fault.values()[random.nextInt(Fault.values().length)];
                        final int leader = cluster.leaderOf(client);
                        System.out.printf("round %d at %s: %s (leader %d, %d acknowledged)%n", round,
                            java.time.LocalTime.now(), fault, leader, load.count());
                        switch (fault)
                        {
                            case LEADER_KILL ->
                            {
                                cluster.kill(leader);
                                load.awaitMore(200, "after the leader kill");
                                cluster.start(leader, false);
                            }
                            case FOLLOWER_KILL ->
                            {
                                final int follower = (leader + 1 + random.nextInt(2)) % 3;
                                cluster.kill(follower);
                                load.awaitMore(300, "with a follower down");
                                cluster.start(follower, false);
                            }
                            case WHOLE_CLUSTER_KILL ->
                            {
                                for (int m = 0; m < 3; m++)
                                {
                                    cluster.kill(m);
                                }
                                cluster.startAll(false);
                            }
                            case CORRUPT_SNAPSHOT ->
                            {
                                CorruptSnapshotIT.takeSnapshot(cluster, leader);
                                load.awaitMore(200, "after the snapshot");
                                final int follower = (leader + 1 + random.nextInt(2)) % 3;
                                cluster.kill(follower);
                                final int how = random.nextInt(3);
                                final File damaged = how == 2 ? CorruptSnapshotIT.damageLatestRows(cluster, follower) :
                                    CorruptSnapshotIT.damageLatestServiceSnapshot(cluster, follower, how == 1);
                                cluster.start(follower, false);
                                CorruptSnapshotIT.awaitLog(cluster, follower, damaged);
                            }
                        }
                        counts.merge(fault, 1, Integer::sum);
                        load.awaitMore(300, "after round " + round + " (" + fault + ")");
                        cluster.awaitCaughtUp(client, Duration.ofSeconds(120));
                    }
                    acknowledged.addAll(load.acknowledged());
                }
                final Transaction probe = client.begin();
                probe.put("acked", "after-soak".getBytes(UTF_8), "1".getBytes(UTF_8));
                probe.commitSync();
                acknowledged.add("after-soak");
                AckedWrites.assertAllPresentOnceAndDigestsEqual(client, cluster, "acked", acknowledged);
            }
        }
        System.out.println("mixed-fault soak (seed " + seed + "): " + MINUTES + " minutes, faults " + counts +
            ", acknowledged commits " + acknowledged.size() + ", lost 0, applied twice 0, digests equal");
    }
}
