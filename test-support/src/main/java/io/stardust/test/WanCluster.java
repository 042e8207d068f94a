package io.stardust.test;

import io.stardust.client.StardustClient;
import io.stardust.protocol.ClusterSpec;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Three member processes in three datacenters, with the wide-area round trips between them made by
 * {@link NetworkProxy} (the kernel here has no {@code tc netem}): dc1-dc2 10 ms, dc1-dc3 40 ms, dc2-dc3 80 ms.
 * Member {@code i} is in {@code dc(i+1)}. Consensus, log replication and archive traffic between members go through
 * the relay; clients reach every member directly (a client names its own datacenter, and the routing policy serves
 * it there).
 * <p>
 * {@code make wan-cluster} runs {@link #main} for demos: the cluster until Ctrl-C.
 */
public final class WanCluster
{
    /** The datacenters, member i in the i-th. */
    public static final List<String> DATACENTERS = List.of("dc1", "dc2", "dc3");
    /** Round trip between dc1 and dc2. */
    public static final Duration RTT_DC1_DC2 = Duration.ofMillis(10);
    /** Round trip between dc1 and dc3. */
    public static final Duration RTT_DC1_DC3 = Duration.ofMillis(40);
    /** Round trip between dc2 and dc3. */
    public static final Duration RTT_DC2_DC3 = Duration.ofMillis(80);

    private WanCluster()
    {
    }

    /**
     * @return a cluster of three members labelled as above, behind the relay, not yet started; {@link #start} starts
     * it and puts the delays on.
     */
    public static ProcessCluster create()
    {
        return new ProcessCluster(DATACENTERS.size())
            .withDatacenters(DATACENTERS.toArray(String[]::new))
            .withNetworkProxy();
    }

    /**
     * Start every member fresh, wait until all three have joined the cluster (a leader, and no member starting or
     * catching up), then put the wide-area round trips on: the cluster forms as a deployment's would, before its
     * links are measured. (A member that started seconds after the others, while the delays were on, was once seen
     * to wait for a log that never came, in FOLLOWER_LOG_AWAIT, for as long as the test ran.)
     *
     * @param cluster from {@link #create()}.
     */
    public static void start(final ProcessCluster cluster)
    {
        cluster.startAll(true);
        try (StardustClient client = cluster.connect((config) -> config))
        {
            cluster.leaderOf(client);
            final StringBuilder last = new StringBuilder();
            Await.until(() -> "every member joined; last statuses: " + last, Duration.ofSeconds(90), () ->
            {
                last.setLength(0);
                for (int m = 0; m < DATACENTERS.size(); m++)
                {
                    try
                    {
                        final io.stardust.client.MemberStatus s = client.status(m).get(2, TimeUnit.SECONDS);
                        last.append(m).append('=').append(s.role()).append(s.catchingUp() ? "/catching-up " : " ");
                        if (s.catchingUp() || s.leaderMemberId() < 0)
                        {
                            return false;
                        }
                    }
                    catch (final Exception ex)
                    {
                        last.append(m).append("=no answer ");
                        return false;
                    }
                }
                return true;
            });
        }
        applyDelays(cluster.network());
    }

    /** Put the wide-area round trips on the proxy's links (again, after a {@link NetworkProxy#heal()}). */
    public static void applyDelays(final NetworkProxy network)
    {
        network.delayDatacenters("dc1", "dc2", RTT_DC1_DC2);
        network.delayDatacenters("dc1", "dc3", RTT_DC1_DC3);
        network.delayDatacenters("dc2", "dc3", RTT_DC2_DC3);
    }

    /**
     * @param a a datacenter.
     * @param b another.
     * @return the round trip between them (zero within one).
     */
    public static Duration roundTrip(final String a, final String b)
    {
        if (a.equals(b))
        {
            return Duration.ZERO;
        }
        final String pair = a.compareTo(b) < 0 ? a + "-" + b : b + "-" + a;
        return switch (pair)
        {
            case "dc1-dc2" -> RTT_DC1_DC2;
            case "dc1-dc3" -> RTT_DC1_DC3;
            case "dc2-dc3" -> RTT_DC2_DC3;
            default -> throw new IllegalArgumentException("no datacenter pair " + pair);
        };
    }

    /**
     * Start the cluster and keep it up until the process is interrupted (Ctrl-C) or {@code --seconds N} pass.
     *
     * @param args {@code [--seconds N]}.
     * @throws Exception when it cannot start.
     */
    public static void main(final String[] args) throws Exception
    {
        long seconds = 0;
        for (int i = 0; i < args.length; i++)
        {
            if ("--seconds".equals(args[i]) && i + 1 < args.length)
            {
                seconds = Long.parseLong(args[++i]);
            }
            else
            {
                System.err.println("usage: wan-cluster [--seconds N]");
                System.exit(2);
            }
        }
        final ProcessCluster cluster = create();
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            cluster.close();
            stopped.countDown();
        }));
        start(cluster);
        final ClusterSpec spec = cluster.spec();
        try (StardustClient client = cluster.connect((config) -> config))
        {
            final int leader = cluster.leaderOf(client);
            cluster.awaitCaughtUp(client, Duration.ofSeconds(60));
            System.out.println("3 datacenters, one member each; round trips dc1-dc2 " + RTT_DC1_DC2.toMillis() +
                " ms, dc1-dc3 " + RTT_DC1_DC3.toMillis() + " ms, dc2-dc3 " + RTT_DC2_DC3.toMillis() + " ms");
            System.out.println("leader: member " + leader + " (" + spec.member(leader).datacenter() + ")");
            System.out.println("cluster: " + spec);
            System.out.println("try: bin/stardust status --cluster " + spec);
            System.out.println("     bin/stardust sql --cluster " + spec + " --datacenter dc2");
        }
        System.out.println(seconds > 0 ? "up for " + seconds + " s" : "up until Ctrl-C");
        if (seconds > 0)
        {
            stopped.await(seconds, TimeUnit.SECONDS);
            System.exit(0);
        }
        stopped.await();
    }
}
