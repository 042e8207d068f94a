package io.stardust.conformance;

import io.stardust.client.StardustClient;
import io.stardust.client.StardustTimeoutException;
import io.stardust.client.Transaction;
import io.stardust.test.Await;
import io.stardust.test.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Failover time over repeated SIGKILLs of the leader, with real processes: from the kill to the first commit
 * acknowledged through the new leader, with the default timeouts (1 s leader heartbeat timeout, 300 ms election
 * timeout). Long: runs with {@code make soak} ({@code -Dstardust.soak=true}).
 */
@EnabledIfSystemProperty(named = "stardust.soak", matches = "true")
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class FailoverSoakIT
{
    private static final int KILLS = Integer.getInteger("stardust.soak.kills", 20);

    @Test
    void shouldFailOverAfterEveryLeaderKillWithoutLosingAcknowledgedCommits() throws Exception
    {
        try (ProcessCluster cluster = new ProcessCluster(3))
        {
            cluster.startAll(true);
            final List<Double> failoverMs = new ArrayList<>();
            try (StardustClient admin = cluster.connect((config) -> config))
            {
                admin.createTable("soak").get(60, TimeUnit.SECONDS);
            }
            try (StardustClient client = cluster.connect((config) -> config.commitTimeout(Duration.ofMillis(500))
                .readTimeout(Duration.ofMillis(500))))
            {
                long acknowledged = 0;
                for (int kill = 0; kill < KILLS; kill++)
                {
                    acknowledged = commitUntilOk(client, acknowledged, System.nanoTime(), new ArrayList<>());
                    final int leader = cluster.leaderOf(client);
                    final long killedAt = System.nanoTime();
                    final java.time.LocalTime killedAtClock = java.time.LocalTime.now();
                    cluster.kill(leader);
                    final List<String> attempts = new ArrayList<>();
                    acknowledged = commitUntilOk(client, acknowledged, killedAt, attempts);
                    failoverMs.add((System.nanoTime() - killedAt) / 1e6);
                    System.out.printf("kill %d of leader %d at %s: failover %.0f ms%n", kill + 1, leader,
                        killedAtClock, failoverMs.get(failoverMs.size() - 1));
                    attempts.forEach((a) -> System.out.println("    " + a));
                    cluster.start(leader, false);
                    awaitAllUp(client);
                    // Kill the next leader only once the restarted member is back in the log: a kill while it still
                    // catches up would leave one healthy member, a double fault, not a failover.
                    acknowledged = commitUntilOk(client, acknowledged, System.nanoTime(), new ArrayList<>());
                    cluster.awaitAllApplied(client, client.lastCommittedEpoch(), Duration.ofSeconds(90));
                }
                // Every acknowledged counter value is there: the last one committed is readable and equal.
                final Transaction check = client.begin();
                assertArrayEquals(Long.toString(acknowledged).getBytes(UTF_8), check.get("soak", "counter".getBytes(UTF_8)));
            }
            Collections.sort(failoverMs);
            System.out.printf("failover over %d leader kills: p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                failoverMs.size(), failoverMs.get(failoverMs.size() / 2),
                failoverMs.get((int)Math.ceil(failoverMs.size() * 0.99) - 1), failoverMs.get(failoverMs.size() - 1));
            assertEquals(KILLS, failoverMs.size());
        }
    }

    /**
     * Increment a counter until one increment is acknowledged, and check that it found every increment acknowledged
     * before: the committed increment's read is validated at its place in the log, so the value it read is the
     * counter's value there, and must be {@code current}, the last value acknowledged, or up to one more for each
     * attempt here that timed out (its outcome unknown: it may have committed). Less means an acknowledged write was
     * lost; more, an increment applied that no attempt accounts for. A timed-out attempt is retried and noted in
     * {@code attempts} with its time since {@code sinceNs}, so a slow failover shows where the time went.
     *
     * @return the value now acknowledged.
     */
    private static long commitUntilOk(
        final StardustClient client, final long current, final long sinceNs, final List<String> attempts)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int unknownOutcomes = 0;
        while (true)
        {
            final long found;
            try
            {
                found = client.run((tx) ->
                {
                    final byte[] value = tx.get("soak", "counter".getBytes(UTF_8));
                    final long seen = value == null ? 0 : Long.parseLong(new String(value, UTF_8));
                    tx.put("soak", "counter".getBytes(UTF_8), Long.toString(seen + 1).getBytes(UTF_8));
                    return seen;
                });
            }
            catch (final StardustTimeoutException ex)
            {
                unknownOutcomes++;
                attempts.add(String.format("%6.0f ms: %s", (System.nanoTime() - sinceNs) / 1e6, ex.getMessage()));
                if (System.nanoTime() > deadline)
                {
                    throw new AssertionError("no commit within 60 s", ex);
                }
                continue;
            }
            if (found < current || found > current + unknownOutcomes)
            {
                throw new AssertionError((found < current ? "acknowledged write lost" : "unaccounted increment") +
                    ": the counter was acknowledged at " + current + ", then " + unknownOutcomes +
                    " attempts timed out, and the increment that committed found " + found + "; attempts: " +
                    attempts);
            }
            return found + 1;
        }
    }

    private static void awaitAllUp(final StardustClient client)
    {
        Await.until("all three members answering", Duration.ofSeconds(90), () ->
        {
            for (int m = 0; m < 3; m++)
            {
                try
                {
                    client.status(m).get(2, TimeUnit.SECONDS);
                }
                catch (final Exception ex)
                {
                    return false;
                }
            }
            return true;
        });
    }
}
