package io.stardust.conformance;

import io.stardust.client.StardustClient;
import io.stardust.test.ProcessCluster;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Injects faults into a running {@link ProcessCluster} on a seeded schedule, one at a time, each healed before the
 * next: SIGKILL of the leader, SIGKILL and restart of a follower, SIGSTOP and SIGCONT of a member, a crash of the
 * whole cluster, a member cut off from the others by the cluster's {@link io.stardust.test.NetworkProxy}, and slow
 * links between members. A killed member restarts with a worker count chosen from the seed, so it replays its log
 * with a different concurrency than it first applied it with.
 */
final class Nemesis implements AutoCloseable
{
    /** The faults. */
    enum Fault
    {
        LEADER_KILL, FOLLOWER_KILL, PAUSE, CLUSTER_CRASH,
        /** One member (the leader in half the cases) cut off from both others, both ways. */
        PARTITION,
        /** Every link between members delayed by 20 to 150 ms each way. */
        SLOW_NETWORK
    }


    private static final int[] WORKER_CHOICES = {1, 2, 4};

    private final ProcessCluster cluster;
    private final StardustClient admin;
    private final SplittableRandom random;
    private final List<Fault> faults;
    private final long meanGapMs;
    private final Map<Fault, Integer> injected = new EnumMap<>(Fault.class);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile Throwable failure;
    private final StringBuilder log = new StringBuilder();
    private final List<String> crashes = new java.util.ArrayList<>();

    /**
     * Start injecting.
     *
     * @param cluster   the members.
     * @param admin     a client, to ask who leads.
     * @param seed      drives the schedule.
     * @param faults    the kinds to draw from (empty: none).
     * @param meanGapMs mean time between one fault's heal and the next fault.
     */
    Nemesis(final ProcessCluster cluster, final StardustClient admin, final long seed, final List<Fault> faults,
        final long meanGapMs)
    {
        this.cluster = cluster;
        this.admin = admin;
        this.random = new SplittableRandom(seed);
        this.faults = faults;
        this.meanGapMs = meanGapMs;
        this.thread = new Thread(this::run, "nemesis");
        thread.setDaemon(true);
        if (!faults.isEmpty())
        {
            thread.start();
        }
    }

    static String[] workers(final int count)
    {
        return new String[] {"--workers=" + count};
    }

    private void run()
    {
        try
        {
            while (running.get())
            {
                if (!pause(meanGapMs / 2 + random.nextLong(meanGapMs)))
                {
                    return;
                }
                reviveCrashed();
                final Fault fault = faults.get(random.nextInt(faults.size()));
                final int leader = cluster.leaderOf(admin);
                final long holdMs = 500 + random.nextLong(2_500);
                note(fault + " (leader " + leader + ", held " + holdMs + " ms)");
                switch (fault)
                {
                    case LEADER_KILL -> killAndRestart(leader, holdMs);
                    case FOLLOWER_KILL -> killAndRestart((leader + 1 + random.nextInt(2)) % 3, holdMs);
                    case PAUSE ->
                    {
                        final int member = random.nextInt(3);
                        cluster.pause(member);
                        try
                        {
                            pause(holdMs);
                        }
                        finally
                        {
                            cluster.resume(member);
                        }
                    }
                    case PARTITION ->
                    {
                        // Longer than the leader heartbeat timeout, so the cut usually brings an election.
                        final int member = random.nextBoolean() ? leader : (leader + 1 + random.nextInt(2)) % 3;
                        note("  cut off member " + member);
                        cluster.network().isolate(member);
                        try
                        {
                            pause(holdMs + 1_000);
                        }
                        finally
                        {
                            cluster.network().heal();
                        }
                    }
                    case SLOW_NETWORK ->
                    {
                        final java.time.Duration delay = java.time.Duration.ofMillis(20 + random.nextInt(131));
                        note("  links delayed " + delay.toMillis() + " ms each way");
                        for (int a = 0; a < 3; a++)
                        {
                            for (int b = a + 1; b < 3; b++)
                            {
                                cluster.network().delay(a, b, delay);
                            }
                        }
                        try
                        {
                            pause(holdMs + 2_000);
                        }
                        finally
                        {
                            cluster.network().heal();
                        }
                    }
                    case CLUSTER_CRASH ->
                    {
                        for (int m = 0; m < 3; m++)
                        {
                            cluster.kill(m);
                        }
                        pause(holdMs);
                        for (int m = 0; m < 3; m++)
                        {
                            cluster.start(m, false, workers(WORKER_CHOICES[random.nextInt(WORKER_CHOICES.length)]));
                        }
                    }
                }
                synchronized (this)
                {
                    injected.merge(fault, 1, Integer::sum);
                }
                // The next fault waits until a leader serves again.
                cluster.leaderOf(admin);
            }
        }
        catch (final Throwable t)
        {
            failure = t;
        }
    }

    private void killAndRestart(final int member, final long holdMs)
    {
        cluster.kill(member);
        pause(holdMs);
        cluster.start(member, false, workers(WORKER_CHOICES[random.nextInt(WORKER_CHOICES.length)]));
    }

    /** Wait, unless stopped; false when stopped. */
    private boolean pause(final long ms)
    {
        final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (running.get() && System.nanoTime() < end)
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        return running.get();
    }

    private synchronized void note(final String what)
    {
        log.append(java.time.LocalTime.now()).append(' ').append(what).append('\n');
    }

    synchronized String log()
    {
        return log.toString();
    }

    /** @return faults injected so far, by kind. */
    synchronized Map<Fault, Integer> injected()
    {
        final Map<Fault, Integer> copy = new EnumMap<>(Fault.class);
        copy.putAll(injected);
        return copy;
    }

    /** @return members found stopped that no fault stopped (each restarted), with their exit codes. */
    synchronized List<String> crashes()
    {
        return List.copyOf(crashes);
    }

    /** Restart any member that stopped by itself, counting it as a crash. */
    private void reviveCrashed()
    {
        for (int m = 0; m < 3; m++)
        {
            if (!cluster.isRunning(m))
            {
                final String tail = cluster.log(m);
                synchronized (this)
                {
                    crashes.add("member " + m + " exited with " + cluster.exitCode(m) + "; its log ends:\n" +
                        tail.substring(Math.max(0, tail.length() - 2_000)));
                }
                cluster.start(m, false);
            }
        }
    }

    /**
     * Stop after the fault in progress is healed, and make sure every member runs.
     */
    @Override
    public void close()
    {
        running.set(false);
        try
        {
            thread.join(TimeUnit.MINUTES.toMillis(2));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        reviveCrashed();
        if (failure != null)
        {
            throw new IllegalStateException("the nemesis failed: " + failure, failure);
        }
    }
}
