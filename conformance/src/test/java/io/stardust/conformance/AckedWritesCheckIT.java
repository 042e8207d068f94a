package io.stardust.conformance;

import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.test.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.AssertionFailedError;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault tests' check ({@link AckedWrites#assertAllPresentOnceAndDigestsEqual}) must catch what it claims to:
 * it passes on a sound history, and fails on a planted lost write and on a planted second application.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AckedWritesCheckIT
{
    @Test
    void shouldPassASoundHistoryAndCatchALostAndADoubleAppliedWrite() throws Exception
    {
        try (TestCluster cluster = TestCluster.builder().members(3).start())
        {
            cluster.awaitLeader();
            final StardustClient client = cluster.newClient();
            client.createTable("acked").join();
            final Set<String> acknowledged = new HashSet<>();
            try (AckedWrites load = new AckedWrites(client, "acked", "k"))
            {
                load.awaitMore(300, "for the check");
                acknowledged.addAll(load.acknowledged());
            }
            AckedWrites.assertAllPresentOnceAndDigestsEqual(client, cluster.spec(), () -> "", "acked", acknowledged);

            // Lost: an acknowledged key that no member holds.
            final Set<String> withLost = new HashSet<>(acknowledged);
            withLost.add("never-written");
            final AssertionFailedError lost = assertThrows(AssertionFailedError.class, () ->
                AckedWrites.assertAllPresentOnceAndDigestsEqual(client, cluster.spec(), () -> "", "acked", withLost));
            assertTrue(lost.getMessage().contains("never-written"), lost.getMessage());

            // Applied twice: one more committed transaction that adds no row, as a repeated application would.
            final String again = acknowledged.iterator().next();
            final Transaction repeat = client.begin();
            repeat.put("acked", again.getBytes(UTF_8), again.getBytes(UTF_8));
            repeat.commitSync();
            final AssertionFailedError twice = assertThrows(AssertionFailedError.class, () ->
                AckedWrites.assertAllPresentOnceAndDigestsEqual(client, cluster.spec(), () -> "", "acked",
                acknowledged));
            assertTrue(twice.getMessage().contains("applied twice"), twice.getMessage());
        }
    }
}
