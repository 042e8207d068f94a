package io.stardust.conformance;

import io.stardust.client.CommitInfo;
import io.stardust.client.StardustClient;
import io.stardust.server.StardustMember;
import io.stardust.test.Await;
import io.stardust.test.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member that lags behind the other members' purge point (stopped while they wrote, snapshotted and purged their
 * logs past its end) catches up from a snapshot: started with {@code --rebuild-from-peers} it copies a peer's latest
 * snapshot, its row checkpoint and the log after it, then rejoins with the leader's digest and rows. Started as it
 * was, it stops with {@link StardustMember#EXIT_LAGGING} instead of failing elections forever.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class LaggingMemberIT
{
    private static final int MIB = 1024 * 1024;

    @Test
    void shouldCatchUpFromAPeersSnapshotAfterThePeersPurgedTheLogItLacks()
    {
        try (TestCluster cluster = LogRetentionIT.startWithSmallSegments())
        {
            final StardustMember leader = cluster.awaitLeader();
            final StardustClient client = cluster.newClient((config) -> config.preferredMember(leader.memberId()));
            client.createTable("kv").join();
            final CommitInfo first = client.begin().put("kv", "first".getBytes(UTF_8), "1".getBytes(UTF_8))
                .commitSync();
            cluster.awaitApplied(first.epoch());

            final int lagging = (leader.memberId() + 1) % 3;
            cluster.embedded().stopMember(lagging);
            long lastEpoch = 0;
            for (int round = 0; round < 3; round++)
            {
                lastEpoch = LogRetentionIT.write(client, round, 3 * MIB);
                cluster.awaitApplied(lastEpoch);
                final long before = leader.snapshotCount();
                Await.until("snapshot request accepted", Duration.ofSeconds(10), leader::requestSnapshot);
                Await.until("snapshot taken", Duration.ofSeconds(30), () -> leader.snapshotCount() > before);
            }
            // Some log after the newest snapshot, for the rebuilt member to copy and replay.
            lastEpoch = client.begin().put("kv", "last".getBytes(UTF_8), "1".getBytes(UTF_8)).commitSync().epoch();
            cluster.awaitApplied(lastEpoch);
            for (final StardustMember m : cluster.members())
            {
                // The lagging member's log ends well inside the first MiB; purging 2 MiB leaves it behind.
                Await.until(() -> "member " + m.memberId() + " purges its log", Duration.ofSeconds(40),
                    () -> m.purgedLogBytes() >= 2 * MIB);
            }

            // Started as it was, it cannot catch up from the log: it stops, telling the operator to rebuild it.
            // Ten failed catch-ups instead of the default sixty: the test waits for them.
            final StardustMember stuck = cluster.embedded().restartMember(lagging,
                (config) -> config.maxFailedCatchups(10));
            Await.until(() -> "lagging member stops with exit code " + StardustMember.EXIT_LAGGING + " (" +
                stuck.fatalReason() + ")", Duration.ofSeconds(120),
                () -> stuck.fatalExitCode() == StardustMember.EXIT_LAGGING);
            assertTrue(stuck.fatalReason().contains("--rebuild-from-peers"), stuck.fatalReason());
            cluster.embedded().stopMember(lagging);
            final StardustMember reference = cluster.member(leader.memberId());
            // The leader's archive refused its catch-up replays below the purged start: expected here, not a fault.
            assertTrue(reference.errors().stream().allMatch((e) ->
                String.valueOf(e.getMessage()).contains("is less than recording start position")),
                () -> "leader errors: " + reference.errors());
            reference.errors().clear();

            final StardustMember back = cluster.embedded().restartMember(lagging, (config) ->
                config.rebuildFromPeers(true));
            cluster.awaitApplied(lastEpoch);
            assertTrue(back.service().restoredEpoch() > 0, "started from the copied snapshot");
            Await.until(() -> "rebuilt member reaches the leader's digest", Duration.ofSeconds(30),
                () -> reference.service().lastDigest() == back.service().lastDigest());
            assertEquals(reference.storage().checksum(), back.storage().checksum(), "rows after the rebuild");

            final CommitInfo after = client.begin().put("kv", "after".getBytes(UTF_8), "2".getBytes(UTF_8))
                .commitSync();
            cluster.awaitApplied(after.epoch());
            Await.until(() -> "rebuilt member applies a new commit with the leader's digest", Duration.ofSeconds(30),
                () -> reference.service().lastDigest() == back.service().lastDigest());
            assertEquals(reference.storage().checksum(), back.storage().checksum(), "rows after a new commit");
        }
    }
}
