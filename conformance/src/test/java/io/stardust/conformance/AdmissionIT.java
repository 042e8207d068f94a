package io.stardust.conformance;

import io.stardust.client.ControlResult;
import io.stardust.client.StardustClient;
import io.stardust.server.StardustMember;
import io.stardust.test.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replicated admission rate on a real 3-member cluster: every replica refuses the same commits (their digests
 * agree), the refused ones are sent again by the client and none is lost, the rate holds, and lifting it lets
 * throughput back up.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AdmissionIT
{
    private static final int RATE = 100;
    private static final int BURST = 10;

    @Test
    void shouldHoldCommitsToTheRateOnEveryReplicaWithoutLosingAny() throws Exception
    {
        try (TestCluster cluster = TestCluster.builder().members(3).start())
        {
            cluster.awaitLeader();
            try (StardustClient admin = cluster.newClient();
                StardustClient load = cluster.newClient((c) -> c.commitTimeout(java.time.Duration.ofSeconds(30))))
            {
                admin.createTable("kv").get(60, TimeUnit.SECONDS);
                final ControlResult set = admin.setAdmission(RATE, BURST).get(30, TimeUnit.SECONDS);
                assertTrue(set.detail().startsWith("admission of " + RATE + " transactions/s with a burst of " +
                    BURST), set.detail());

                final long limitedStart = System.nanoTime();
                final long limited = run(load, 3);
                final double limitedSeconds = (System.nanoTime() - limitedStart) / 1e9;
                final long refusedRetries = load.overBudgetRetries();
                assertTrue(refusedRetries > 0, "the load must exceed the rate for this test to mean anything");
                // Admitted by log time: at most RATE a second plus the burst (log and wall time run together here,
                // with a second of slack for the last commits' round trips).
                assertTrue(limited <= RATE * (limitedSeconds + 1) + BURST, limited + " commits in " + limitedSeconds +
                    " s at " + RATE + "/s");
                assertTrue(limited >= RATE * (limitedSeconds - 1.5), "the rate is used: " + limited + " in " +
                    limitedSeconds + " s");

                admin.setAdmission(0, 0).get(30, TimeUnit.SECONDS);
                final long freeStart = System.nanoTime();
                final long free = run(load, 3);
                final double freeSeconds = (System.nanoTime() - freeStart) / 1e9;
                assertTrue(free / freeSeconds > 3.0 * limited / limitedSeconds, "lifting the limit lets throughput " +
                    "up: " + free / freeSeconds + " against " + limited / limitedSeconds + " txn/s");

                // Every replica refused the same records: the same epochs, the same digests.
                final StardustMember leader = cluster.awaitLeader();
                final long epoch = leader.storage().appliedEpoch();
                cluster.awaitApplied(epoch);
                final Long reference = leader.service().digestAt(epoch);
                for (final StardustMember m : cluster.members())
                {
                    assertEquals(reference, m.service().digestAt(epoch), "member " + m.memberId() + " at " + epoch);
                    assertTrue(m.service().overBudgetRefusals() > 0, "member " + m.memberId() + " refused commits " +
                        "itself, from the log");
                }
            }
        }
    }

    /** 32 transactions kept in flight for {@code seconds}; every one must commit. @return how many did. */
    private static long run(final StardustClient client, final int seconds) throws Exception
    {
        final AtomicLong committed = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        final List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<CompletableFuture<Void>> loops = new ArrayList<>();
        final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(32);
        for (int i = 0; i < 32; i++)
        {
            final int worker = i;
            loops.add(CompletableFuture.runAsync(() ->
            {
                for (long n = 0; !stop.get(); n++)
                {
                    try
                    {
                        final io.stardust.client.Transaction tx = client.begin();
                        tx.put("kv", "w" + worker + "-" + n, "v");
                        tx.commitSync();
                        committed.incrementAndGet();
                    }
                    catch (final RuntimeException ex)
                    {
                        failures.add(ex);
                        return;
                    }
                }
            }, pool));
        }
        try
        {
            // The load runs for a fixed time: this sleep is its length, not a wait for a condition.
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            stop.set(true);
            CompletableFuture.allOf(loops.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
        }
        finally
        {
            stop.set(true);
            pool.shutdownNow();
        }
        assertTrue(failures.isEmpty(), "every commit commits in the end: " + failures);
        return committed.get();
    }
}
