package io.stardust.conformance;

import io.stardust.client.CommitInfo;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.sequencer.FatalHandler;
import io.stardust.server.StardustMember;
import io.stardust.storage.ReplicaFailedException;
import io.stardust.storage.StorageFaults;
import io.stardust.test.Await;
import io.stardust.test.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fault after some of an epoch's writes reached a follower's storage: the follower serves no read from the partial
 * epoch, stops with exit code 5, and, started again, rebuilds from its snapshot and the log to the others' digest.
 * The fault is planted through storage's test-only hook.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PartialEpochIT
{
    @Test
    void shouldStopAReplicaWhoseEpochFailedHalfWayAndRecoverIt()
    {
        try (TestCluster cluster = TestCluster.builder().members(3).start())
        {
            cluster.ignoreMemberErrors();
            final StardustMember leader = cluster.awaitLeader();
            final StardustClient client = cluster.newClient((config) -> config.preferredMember(leader.memberId()));
            client.createTable("kv").join();
            CommitInfo before = null;
            for (int i = 0; i < 50; i++)
            {
                before = client.begin().put("kv", "before-" + i, "v").commitSync();
            }
            cluster.awaitApplied(before.epoch());

            final int faulty = (leader.memberId() + 1) % 3;
            final StardustMember follower = cluster.member(faulty);
            StorageFaults.failAfterWrites(follower.storage(), 3);
            final Transaction tx = client.begin();
            for (int i = 0; i < 10; i++)
            {
                tx.put("kv", "partial-" + i, "x");
            }
            final CommitInfo partial = tx.commitSync();

            Await.until("the faulty member stops with exit code 5", Duration.ofSeconds(30),
                () -> follower.fatalExitCode() == FatalHandler.APPLY_FAILED);
            assertNotNull(follower.fatalReason());
            assertTrue(follower.fatalReason().contains("could not finish applying epoch " + partial.epoch()),
                follower.fatalReason());
            assertTrue(follower.storage().appliedEpoch() < partial.epoch(), "the partial epoch was never published");
            assertThrows(ReplicaFailedException.class,
                () -> follower.storage().read(0, "partial-0".getBytes(UTF_8), follower.storage().appliedEpoch()),
                "no read is served from a failed replica");

            // The others carry on.
            final CommitInfo after = client.begin().put("kv", "after", "1").commitSync();
            assertTrue(after.epoch() > partial.epoch());

            cluster.embedded().stopMember(faulty);
            final StardustMember back = cluster.embedded().restartMember(faulty);
            cluster.awaitApplied(after.epoch());
            final StardustMember reference = cluster.member(leader.memberId());
            Await.until(() -> "the restarted member reaches the leader's digest", Duration.ofSeconds(30),
                () -> reference.service().lastDigest() == back.service().lastDigest());
            assertEquals(reference.storage().checksum(), back.storage().checksum(), "rows after recovery");
            assertEquals(0, back.fatalExitCode());
        }
    }
}
