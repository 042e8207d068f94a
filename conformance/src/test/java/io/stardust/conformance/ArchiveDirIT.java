package io.stardust.conformance;

import io.stardust.client.CommitInfo;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.server.StardustMember;
import io.stardust.test.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --archive-dir}: the Raft log is recorded where it says, not under the data directory, and a member
 * restarted on it recovers its rows from there.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ArchiveDirIT
{
    @TempDir
    File archives;

    @Test
    void shouldRecordTheLogInTheConfiguredArchiveDirAndRecoverFromIt()
    {
        try (TestCluster cluster = TestCluster.builder().members(3)
            .configure((c) -> c.archiveDir(new File(archives, "member-" + c.memberId()))).start())
        {
            final StardustMember leader = cluster.awaitLeader();
            final StardustClient client = cluster.newClient();
            client.createTable("kv").join();
            CommitInfo last = null;
            for (int i = 0; i < 100; i++)
            {
                final Transaction tx = client.begin();
                tx.put("kv", ("k" + i).getBytes(UTF_8), ("v" + i).getBytes(UTF_8));
                last = tx.commitSync();
            }
            cluster.awaitApplied(last.epoch());
            final int restarted = (leader.memberId() + 1) % 3;
            final File own = new File(archives, "member-" + restarted);
            final File[] recordings = own.listFiles((dir, name) -> name.endsWith(".rec"));
            assertTrue(recordings != null && recordings.length > 0, "log recorded in " + own);
            assertFalse(new File(cluster.member(restarted).config().dataDir(), "archive").exists(),
                "nothing recorded under the data directory");

            cluster.embedded().stopMember(restarted);
            cluster.embedded().restartMember(restarted);
            cluster.awaitApplied(last.epoch());
            assertFalse(new File(cluster.member(restarted).config().dataDir(), "archive").exists(),
                "the restarted member kept its archive where configured");
            final StardustClient reader = cluster.newClient((config) -> config.preferredMember(restarted));
            assertArrayEquals("v99".getBytes(UTF_8), reader.begin().get("kv", "k99".getBytes(UTF_8)));
        }
    }
}
