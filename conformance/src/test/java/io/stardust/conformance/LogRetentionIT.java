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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bounded disk: with small archive segments, every member purges the recorded log behind its second-newest snapshot,
 * and a member restarted after the purge recovers from its snapshot and the log it kept, with the others' digest.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LogRetentionIT
{
    private static final int MIB = 1024 * 1024;

    @Test
    void shouldPurgeTheLogBehindTheOlderSnapshotAndRecoverAfterIt()
    {
        try (TestCluster cluster = startWithSmallSegments())
        {
            final StardustMember leader = cluster.awaitLeader();
            final StardustClient client = cluster.newClient((config) -> config.preferredMember(leader.memberId()));
            client.createTable("kv").join();
            long lastEpoch = 0;
            for (int round = 0; round < 3; round++)
            {
                lastEpoch = write(client, round, 3 * MIB);
                cluster.awaitApplied(lastEpoch);
                final long before = leader.snapshotCount();
                Await.until("snapshot request accepted", Duration.ofSeconds(10), leader::requestSnapshot);
                Await.until("snapshot taken", Duration.ofSeconds(30), () -> leader.snapshotCount() > before);
            }
            final CommitInfo last = client.begin().put("kv", "last".getBytes(UTF_8), "1".getBytes(UTF_8))
                .commitSync();
            cluster.awaitApplied(last.epoch());
            for (final StardustMember m : cluster.members())
            {
                Await.until(() -> "member " + m.memberId() + " purges its log", Duration.ofSeconds(40),
                    () -> m.purgedLogBytes() >= MIB);
            }

            final int restarted = (leader.memberId() + 1) % 3;
            cluster.embedded().stopMember(restarted);
            final StardustMember back = cluster.embedded().restartMember(restarted);
            cluster.awaitApplied(last.epoch());
            assertTrue(back.service().restoredEpoch() > 0, "started from a snapshot");
            final StardustMember reference = cluster.member(leader.memberId());
            Await.until(() -> "restarted member reaches the leader's digest", Duration.ofSeconds(30),
                () -> reference.service().lastDigest() == back.service().lastDigest());
            assertEquals(reference.storage().checksum(), back.storage().checksum(), "rows after restart");
        }
    }

    /**
     * @return 3 members with 1 MiB log terms and archive segments (transactions up to 100,000 bytes), so a few MiB
     * of commits fill several segments that log retention can purge.
     */
    static TestCluster startWithSmallSegments()
    {
        return TestCluster.builder().members(3).configure((config) ->
        {
            config.logTermLength(MIB).archiveSegmentBytes(MIB);
            config.logRetentionInterval(Duration.ofSeconds(1)); // the tests wait for purges
            config.sequencer().maxTransactionBytes(100_000);
        }).start();
    }

    /** Commit about {@code bytes} of 40 KB values, one per transaction; @return the last commit's epoch. */
    static long write(final StardustClient client, final int round, final int bytes)
    {
        final byte[] value = new byte[40_000];
        long epoch = 0;
        for (int i = 0; i < bytes / value.length; i++)
        {
            value[0] = (byte)i;
            final Transaction tx = client.begin();
            tx.put("kv", ("r" + round + "-" + i).getBytes(UTF_8), value);
            epoch = tx.commitSync().epoch();
        }
        return epoch;
    }
}
