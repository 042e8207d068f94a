package io.stardust.conformance;

import io.stardust.client.CommitInfo;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.server.StardustMember;
import io.stardust.test.Await;
import io.stardust.test.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshots: every member writes its state at the snapshot's log position, and a member restarted on its own files
 * loads the snapshot, replays the log after it, and ends with the same rows and digests as the others.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SnapshotIT
{
    @Test
    void shouldRestartMemberFromSnapshotPlusLogWithEqualState()
    {
        try (TestCluster cluster = TestCluster.builder().members(3).start())
        {
            final StardustMember leader = cluster.awaitLeader();
            final int restarted = (leader.memberId() + 1) % 3;
            final StardustClient client = cluster.newClient((config) -> config.preferredMember(leader.memberId()));
            client.createTable("kv").join();
            client.createTable("other").join();
            for (int i = 0; i < 500; i++)
            {
                final Transaction tx = client.begin();
                tx.put("kv", ("before-" + i).getBytes(UTF_8), ("v" + i).getBytes(UTF_8));
                if (i % 10 == 0)
                {
                    tx.delete("kv", ("before-" + (i / 2)).getBytes(UTF_8));
                }
                tx.commit();
            }
            final Transaction last = client.begin();
            last.put("other", "x".getBytes(UTF_8), "1".getBytes(UTF_8));
            cluster.awaitApplied(last.commitSync().epoch());

            final long snapshotsBefore = leader.snapshotCount();
            Await.until("snapshot request accepted", Duration.ofSeconds(10), leader::requestSnapshot);
            Await.until("snapshot taken", Duration.ofSeconds(30), () -> leader.snapshotCount() > snapshotsBefore);

            // More commits after the snapshot: the restarted member must replay them from the log.
            CommitInfo after = null;
            for (int i = 0; i < 200; i++)
            {
                final Transaction tx = client.begin();
                tx.put("kv", ("after-" + i).getBytes(UTF_8), ("w" + i).getBytes(UTF_8));
                after = tx.commitSync();
            }
            cluster.awaitApplied(after.epoch());

            cluster.embedded().stopMember(restarted);
            final StardustMember back = cluster.embedded().restartMember(restarted);
            cluster.awaitApplied(after.epoch());
            assertTrue(back.service().restoredEpoch() > 0 && back.service().restoredEpoch() < after.epoch(),
                "started from the snapshot (epoch " + back.service().restoredEpoch() + "), then replayed the log");

            final StardustMember reference = cluster.member(leader.memberId());
            Await.until(() -> "restarted member reaches the leader's digest", Duration.ofSeconds(30),
                () -> reference.service().lastDigest() == back.service().lastDigest());
            assertEquals(reference.storage().checksum(), back.storage().checksum(), "rows after restart");
            assertEquals(reference.service().committedCount(), back.service().committedCount());
            assertEquals(2, back.service().catalog().relations().size());
            assertTrue(back.storage().appliedEpoch() >= after.epoch());

            final StardustClient reader = cluster.newClient((config) -> config.preferredMember(restarted));
            assertArrayEquals("v499".getBytes(UTF_8), reader.begin().get("kv", "before-499".getBytes(UTF_8)));
            assertArrayEquals("w199".getBytes(UTF_8), reader.begin().get("kv", "after-199".getBytes(UTF_8)));
        }
    }
}
