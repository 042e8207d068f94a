package io.stardust.conformance;

import io.stardust.client.MemberStatus;
import io.stardust.client.ReadRouting;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.protocol.codecs.Knob;
import io.stardust.test.Await;
import io.stardust.test.NetworkProxy;
import io.stardust.test.ProcessCluster;
import io.stardust.test.WanCluster;
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
 * Three datacenters with wide-area round trips between them ({@link WanCluster}: 10, 40 and 80 ms through the
 * network relay): each datacenter's client reads at its own datacenter's member, checked by the members' own count
 * of reads served; a member cut off from the others, and so behind the session, is skipped within the read timeout,
 * then served from again once it caught up, with no action from the user. Commit and read latency per datacenter are
 * printed (a benchmark, not asserted: this machine is noisy). Then the tenants' checks on the same cluster
 * ({@link TenantChecks}).
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class DatacenterIT
{
    private static final int READS = 40;
    private static final int COMMITS = 40;

    @Test
    void shouldServeReadsInTheClientsDatacenterAndRouteAroundAMemberThatIsBehind() throws Exception
    {
        try (ProcessCluster cluster = WanCluster.create())
        {
            WanCluster.start(cluster);
            try (StardustClient admin = cluster.connect((config) -> config))
            {
                admin.createTable("kv").get(60, TimeUnit.SECONDS);
                final int leader = cluster.leaderOf(admin);
                cluster.awaitAllApplied(admin, admin.sessionEpoch(), Duration.ofSeconds(30));
                final StringBuilder report = new StringBuilder(String.format(
                    "%nWAN latency (leader member %d in %s; round trips dc1-dc2 10 ms, dc1-dc3 40 ms, dc2-dc3 80 ms)%n" +
                    "%-5s %-7s %14s %14s %12s %12s%n", leader, cluster.spec().member(leader).datacenter(), "dc",
                    "member", "commit p50 ms", "commit p99 ms", "read p50 ms", "read p99 ms"));
                final double[] commitP50 = new double[WanCluster.DATACENTERS.size()];
                for (final String dc : WanCluster.DATACENTERS)
                {
                    commitP50[WanCluster.DATACENTERS.indexOf(dc)] = servesLocally(cluster, dc, report);
                }
                reportAgainstTarget(cluster, admin, leader, commitP50, report);
                System.out.println(report);
                routesAroundAMemberThatIsBehind(cluster, leader);
                TenantChecks.run(cluster, admin);
            }
        }
    }

    /**
     * The yardstick: one majority round trip (the leader's nearest other datacenter) plus the batch window.
     * Reported, not asserted: the ratio with the members' default idle parks, and with short parks (the idle-park
     * knob at 0.5 ms on every member and the client), which shows how much of the rest is threads waking up.
     */
    private static void reportAgainstTarget(final ProcessCluster cluster, final StardustClient admin, final int leader,
        final double[] commitP50, final StringBuilder report) throws Exception
    {
        final String home = cluster.spec().member(leader).datacenter();
        Duration majority = null;
        for (final String dc : WanCluster.DATACENTERS)
        {
            if (!dc.equals(home) && (majority == null || WanCluster.roundTrip(home, dc).compareTo(majority) < 0))
            {
                majority = WanCluster.roundTrip(home, dc);
            }
        }
        final double windowMs = admin.status(leader).get(10, TimeUnit.SECONDS).batchWindowMicros() / 1e3;
        final double target = majority.toMillis() + windowMs;
        final long[] defaults = new long[3];
        for (int m = 0; m < 3; m++)
        {
            defaults[m] = admin.status(m).get(10, TimeUnit.SECONDS).telemetry().idleParkMicros();
            assertEquals(500, admin.setKnob(m, Knob.IDLE_PARK_MICROS, 500).get(10, TimeUnit.SECONDS));
        }
        final long[] commits;
        try (StardustClient client = cluster.connect((config) -> config.datacenter(home)
            .idleMaxPark(Duration.ofMillis(1))))
        {
            commits = timeCommits(client, "key-short-parks".getBytes(UTF_8));
        }
        finally
        {
            for (int m = 0; m < 3; m++)
            {
                admin.setKnob(m, Knob.IDLE_PARK_MICROS, defaults[m]).get(10, TimeUnit.SECONDS);
            }
        }
        final double best = java.util.Arrays.stream(commitP50).min().orElseThrow();
        report.append(String.format("target: majority round trip %d ms + batch window %.1f ms = %.1f ms; commit p50 " +
            "%.1f ms at best (%.2fx) with default idle parks, %.1f ms (%.2fx) from %s with 0.5 ms parks%n",
            majority.toMillis(), windowMs, target, best, best / target, millis(commits, 50),
            millis(commits, 50) / target, home));
    }

    /**
     * A client in {@code dc} commits and reads: every read is served by the member in {@code dc}.
     *
     * @return the commit p50, milliseconds.
     */
    private static double servesLocally(final ProcessCluster cluster, final String dc, final StringBuilder report)
        throws Exception
    {
        final int local = WanCluster.DATACENTERS.indexOf(dc);
        try (StardustClient client = cluster.connect((config) -> config.datacenter(dc)))
        {
            final long[] reads = new long[READS];
            final byte[] key = ("key-" + dc).getBytes(UTF_8);
            final long[] commits = timeCommits(client, key);
            client.refreshTopology().get(10, TimeUnit.SECONDS);
            final long[] before = readsServed(client);
            for (int i = 0; i < READS; i++)
            {
                final long start = System.nanoTime();
                final Transaction read = client.begin();
                assertArrayEquals(("v" + (COMMITS - 1)).getBytes(UTF_8), read.get("kv", key),
                    "read-your-writes in " + dc);
                read.commitSync();
                reads[i] = System.nanoTime() - start;
            }
            final long[] after = readsServed(client);
            for (int m = 0; m < after.length; m++)
            {
                final long served = after[m] - before[m];
                if (m == local)
                {
                    assertTrue(served >= READS, "member " + m + " in " + dc + " served " + served + " of " + READS +
                        " reads of a client in " + dc);
                }
                else
                {
                    assertEquals(0, served, "member " + m + " (" + cluster.spec().member(m).datacenter() +
                        ") served reads of a client in " + dc);
                }
            }
            assertEquals(READS, client.routing().served()[local], "the client's own count of reads at member " +
                local);
            report.append(String.format("%-5s %-7d %14.1f %14.1f %12.2f %12.2f%n", dc, local,
                millis(commits, 50), millis(commits, 99), millis(reads, 50), millis(reads, 99)));
            return millis(commits, 50);
        }
    }

    /** @return the time of each of {@link #COMMITS} sequential commits of {@code key}, nanoseconds. */
    private static long[] timeCommits(final StardustClient client, final byte[] key)
    {
        final long[] commits = new long[COMMITS];
        for (int i = 0; i < COMMITS; i++)
        {
            final long start = System.nanoTime();
            final Transaction write = client.begin();
            write.put("kv", key, ("v" + i).getBytes(UTF_8));
            write.commitSync();
            commits[i] = System.nanoTime() - start;
        }
        return commits;
    }

    private static double millis(final long[] nanos, final int percentile)
    {
        final long[] sorted = nanos.clone();
        java.util.Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)] / 1e6;
    }

    private static long[] readsServed(final StardustClient client) throws Exception
    {
        final long[] served = new long[3];
        for (int m = 0; m < 3; m++)
        {
            served[m] = client.status(m).get(10, TimeUnit.SECONDS).readsServed();
        }
        return served;
    }

    /**
     * The member of a follower's datacenter is cut off from the others: a read there that needs the session's newest
     * epoch is answered by another member well within the 5 s read timeout, the next reads skip it, and once the
     * link is back and it caught up, the datacenter's reads come back to it.
     */
    private static void routesAroundAMemberThatIsBehind(final ProcessCluster cluster, final int leader)
        throws Exception
    {
        final NetworkProxy network = cluster.network();
        final int cut = (leader + 1) % 3;
        final String dc = cluster.spec().member(cut).datacenter();
        try (StardustClient client = cluster.connect((config) -> config.datacenter(dc)
            .readTimeout(Duration.ofSeconds(5))))
        {
            client.refreshTopology().get(10, TimeUnit.SECONDS);
            assertEquals(cut, client.routing().pick(0), "a client in " + dc + " reads at member " + cut);
            network.isolate(cut);
            final byte[] key = "behind".getBytes(UTF_8);
            final Transaction write = client.begin();
            write.put("kv", key, "new".getBytes(UTF_8));
            final long written = write.commitSync().epoch(); // the leader and the third member are a majority
            assertTrue(client.sessionEpoch() >= written);

            final long start = System.nanoTime();
            final Transaction read = client.begin();
            assertArrayEquals("new".getBytes(UTF_8), read.get("kv", key), "read-your-writes");
            read.commitSync();
            final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis < 5_000, "answered within the read timeout, took " + millis + " ms");
            assertNotEquals(cut, client.readMember(), "the read moved off the member that is behind");
            final ReadRouting.MemberView view = client.routing().members().get(cut);
            assertTrue(view.avoided(), "the policy avoids member " + cut + ": " + view);

            final Transaction next = client.begin();
            assertArrayEquals("new".getBytes(UTF_8), next.get("kv", key));
            next.commitSync();
            assertNotEquals(cut, client.readMember(), "later reads skip it at once");

            network.heal();
            WanCluster.applyDelays(network);
            Await.until(() -> "reads of a client in " + dc + " back at member " + cut + " after it caught up; " +
                client.routing().members(), Duration.ofSeconds(60), () ->
            {
                final Transaction again = client.begin();
                final byte[] value = again.get("kv", key);
                again.commitSync();
                return value != null && client.readMember() == cut;
            });
            final MemberStatus status = client.status(cut).get(10, TimeUnit.SECONDS);
            assertTrue(status.appliedEpoch() >= written, "member " + cut + " caught up: " + status);
        }
    }
}
