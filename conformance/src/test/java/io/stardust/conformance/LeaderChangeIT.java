package io.stardust.conformance;

import io.stardust.client.CommitInfo;
import io.stardust.client.StardustClient;
import io.stardust.client.StardustTimeoutException;
import io.stardust.client.Transaction;
import io.stardust.server.StardustMember;
import io.stardust.test.LogRecorder;
import io.stardust.test.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client follows a leader change by itself: after the leader stops, commits go to the new leader.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LeaderChangeIT
{
    @Test
    void shouldApplyEveryCommitInFlightExactlyOnceAcrossALeaderChange() throws Exception
    {
        try (TestCluster cluster = TestCluster.builder()
            .members(3)
            .configure((config) -> config.leaderHeartbeatTimeout(Duration.ofSeconds(1)))
            .start())
        {
            final StardustMember oldLeader = cluster.awaitLeader();
            final int survivor = (oldLeader.memberId() + 1) % 3;
            final LogRecorder recorder = new LogRecorder();
            cluster.member(survivor).service().addListener(recorder);
            final StardustClient client = cluster.newClient((config) -> config.preferredMember(survivor));
            client.createTable("kv").join();

            final java.util.List<java.util.concurrent.CompletableFuture<CommitInfo>> commits =
                new java.util.ArrayList<>();
            for (int i = 0; i < 400; i++)
            {
                final Transaction tx = client.begin();
                tx.put("kv", ("k" + i).getBytes(UTF_8), "v".getBytes(UTF_8));
                commits.add(tx.commit());
                if (i == 200)
                {
                    // Stop the leader with commits in flight.
                    cluster.embedded().stopMember(oldLeader.memberId());
                }
            }
            long last = 0;
            for (final java.util.concurrent.CompletableFuture<CommitInfo> commit : commits)
            {
                // Blind writes never conflict: every one must commit, none may time out.
                last = Math.max(last, commit.get(60, TimeUnit.SECONDS).epoch());
            }
            cluster.awaitApplied(last);
            recorder.awaitEpoch(last);

            final java.util.Map<Long, Integer> committedTimes = new java.util.HashMap<>();
            for (final LogRecorder.Event event : recorder.events())
            {
                if (event.txns() == null)
                {
                    continue;
                }
                for (int i = 0; i < event.txns().size(); i++)
                {
                    if (event.trace().outcomes().get(i).equals("NONE"))
                    {
                        committedTimes.merge(event.txns().get(i).txnId(), 1, Integer::sum);
                    }
                }
            }
            for (final java.util.concurrent.CompletableFuture<CommitInfo> commit : commits)
            {
                assertEquals(1, committedTimes.getOrDefault(commit.get().txnId(), 0),
                    "transaction " + commit.get().txnId() + " must be applied exactly once");
            }
            assertEquals(400, committedTimes.size());
            long retried = 0;
            for (final StardustMember m : cluster.members())
            {
                retried = Math.max(retried, m.service().duplicatesAnswered());
            }
            System.out.println("commits answered from an earlier decision after the leader change: " + retried);
        }
    }

    @Test
    void shouldMoveReadsToAnotherMemberWhenTheReadMemberStops()
    {
        try (TestCluster cluster = TestCluster.builder().members(3).start())
        {
            final StardustMember leader = cluster.awaitLeader();
            final int follower = (leader.memberId() + 1) % 3;
            final StardustClient client = cluster.newClient((config) -> config.preferredMember(follower)
                .readTimeout(Duration.ofSeconds(1)));
            client.createTable("kv").join();
            client.run((tx) ->
            {
                tx.put("kv", "k".getBytes(UTF_8), "v".getBytes(UTF_8));
                return null;
            });
            cluster.embedded().stopMember(follower);

            // The first read after the stop may time out; the client then reads from another member by itself.
            byte[] value = null;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (value == null)
            {
                try
                {
                    value = client.begin().get("kv", "k".getBytes(UTF_8));
                }
                catch (final StardustTimeoutException ex)
                {
                    assertTrue(System.nanoTime() < deadline, "reads did not move off the stopped member: " + ex);
                }
            }
            assertArrayEquals("v".getBytes(UTF_8), value);
            assertNotEquals(follower, client.readMember());
        }
    }

    @Test
    void shouldCommitThroughNewLeaderAfterLeaderStops()
    {
        try (TestCluster cluster = TestCluster.builder()
            .members(3)
            .configure((config) -> config.leaderHeartbeatTimeout(Duration.ofSeconds(1)))
            .start())
        {
            final StardustMember oldLeader = cluster.awaitLeader();
            // Read from a member that stays up.
            final int reader = (oldLeader.memberId() + 1) % 3;
            final StardustClient client = cluster.newClient((config) -> config.preferredMember(reader)
                .commitTimeout(Duration.ofSeconds(3)));
            client.createTable("kv").join();
            final Transaction before = client.begin();
            before.put("kv", "k".getBytes(UTF_8), "before".getBytes(UTF_8));
            before.commitSync();

            cluster.embedded().stopMember(oldLeader.memberId());
            final StardustMember newLeader = cluster.awaitLeader();
            assertNotEquals(oldLeader.memberId(), newLeader.memberId());

            // In-flight or just-sent commits may time out while the client finds the new leader; a fresh attempt
            // must then succeed without the application reconnecting anything.
            CommitInfo after = null;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (after == null)
            {
                final Transaction tx = client.begin();
                tx.put("kv", "k".getBytes(UTF_8), "after".getBytes(UTF_8));
                try
                {
                    after = tx.commitSync();
                }
                catch (final StardustTimeoutException ex)
                {
                    assertTrue(System.nanoTime() < deadline, "no commit through the new leader within 60 s: " + ex);
                }
            }
            cluster.awaitApplied(after.epoch());
            assertArrayEquals("after".getBytes(UTF_8), client.begin().get("kv", "k".getBytes(UTF_8)));
        }
    }
}
