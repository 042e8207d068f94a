package io.stardust.bench;

import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives one workload against one system: a closed loop (each client starts its next transaction when the last
 * one commits) or an open loop (each client follows a fixed schedule, and latency counts from the scheduled start,
 * so a system that falls behind is charged for the queue it builds). A transaction that aborts is retried until it
 * commits; its latency covers every attempt.
 */
public final class Runner
{
    /** What to run. */
    public record Plan(
        Workload workload,
        KeyChooser keys,
        int clients,
        double rate,
        long warmupMs,
        long measureMs,
        int valueBytes,
        long accounts,
        long seed)
    {
    }

    private static final long RETRY_BASE_NS = 100_000;

    private final PrintStream progress;

    /** @param progress where the progress bar goes (stderr), or null for none. */
    public Runner(final PrintStream progress)
    {
        this.progress = progress;
    }

    /**
     * @param target the system, loaded.
     * @param plan   what to run.
     * @param label  for the progress bar.
     * @param batchWindowUs recorded in the result.
     * @return the measurements.
     */
    public Result run(final Target target, final Plan plan, final String label, final long batchWindowUs)
        throws Exception
    {
        final AtomicLong committed = new AtomicLong();
        final AtomicLong aborts = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final List<Histogram> histograms = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>();
        final List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        final SplittableRandom seeds = new SplittableRandom(plan.seed());
        final AtomicLong allCommits = new AtomicLong();
        final java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(plan.clients());
        final java.util.concurrent.CountDownLatch endSampled = new java.util.concurrent.CountDownLatch(1);
        // Sessions first (256 PostgreSQL connections take seconds): the clock starts once all are open.
        final List<Target.Session> sessions = new ArrayList<>();
        for (int c = 0; c < plan.clients(); c++)
        {
            sessions.add(target.session());
        }
        final long start = System.nanoTime();
        final long measureStart = start + TimeUnit.MILLISECONDS.toNanos(plan.warmupMs());
        final long end = measureStart + TimeUnit.MILLISECONDS.toNanos(plan.measureMs());
        for (int c = 0; c < plan.clients(); c++)
        {
            final Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
            histograms.add(histogram);
            final SplittableRandom random = seeds.split();
            final Target.Session session = sessions.get(c);
            final int client = c;
            final Thread t = new Thread(() ->
            {
                try (session)
                {
                    try
                    {
                        runClient(plan, client, start, measureStart, end, random, session, committed, allCommits,
                            aborts, errors, histogram);
                    }
                    finally
                    {
                        finished.countDown();
                    }
                    // Keep the session (a server process, for PostgreSQL) until the CPU time is read at the end.
                    endSampled.await();
                }
                catch (final Throwable ex)
                {
                    failures.add(ex);
                }
            }, "bench-client-" + c);
            threads.add(t);
        }
        // Server CPU is read before the clients start and after they stop, with every session open: a read under
        // load (hundreds of busy client threads on two cores) came seconds late and took seconds. The run's CPU per
        // commit, warm-up included, is then charged to the measured window's commits.
        final long cpuAtStart = target.serverCpuNanos();
        threads.forEach(Thread::start);
        while (!finished.await(200, TimeUnit.MILLISECONDS))
        {
            bar(label, System.nanoTime(), start, end, committed.get(), measureStart);
        }
        final long cpuAtEnd = target.serverCpuNanos();
        endSampled.countDown();
        for (final Thread t : threads)
        {
            t.join();
        }
        if (progress != null)
        {
            progress.print("\r" + " ".repeat(100) + "\r");
        }
        if (!failures.isEmpty())
        {
            throw new IllegalStateException(label + ": a client failed: " + failures.get(0), failures.get(0));
        }
        final Histogram merged = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        histograms.forEach(merged::add);
        final long cpu = serverCpu(cpuAtStart, cpuAtEnd, allCommits.get(), committed.get());
        return new Result(target.name(), plan.workload().label(), plan.keys().name(), plan.clients(), plan.rate(),
            batchWindowUs, plan.measureMs() / 1000.0, committed.get(), aborts.get(), errors.get(), merged, cpu);
    }

    /**
     * Server CPU time charged to the measured window.
     *
     * @param cpuAtStart CPU nanoseconds before the clients started (negative: unknown).
     * @param cpuAtEnd   CPU nanoseconds after they stopped (negative: unknown).
     * @param allCommits commits in between, warm-up included.
     * @param commits    commits in the measured window.
     * @return the run's CPU per commit times {@code commits}; -1 when unknown or when the run had fewer than 100
     * commits (too few to divide by).
     */
    static long serverCpu(final long cpuAtStart, final long cpuAtEnd, final long allCommits, final long commits)
    {
        if (cpuAtStart < 0 || cpuAtEnd < cpuAtStart || allCommits < 100)
        {
            return -1;
        }
        return (long)((double)(cpuAtEnd - cpuAtStart) * commits / allCommits);
    }

    /** One client's loop: closed, or open on a fixed schedule; returns once a transaction ends after {@code end}. */
    private static void runClient(final Plan plan, final int client, final long start, final long measureStart,
        final long end, final SplittableRandom random, final Target.Session session, final AtomicLong committed,
        final AtomicLong allCommits, final AtomicLong aborts, final AtomicLong errors, final Histogram histogram)
    {
        final double periodNs = plan.rate() > 0 ? 1e9 * plan.clients() / plan.rate() : 0;
        // Spread the clients' schedules over one period.
        long next = start + (long)(periodNs * client / plan.clients());
        while (true)
        {
            final long begin;
            if (periodNs > 0)
            {
                final long now = System.nanoTime();
                if (next - now > 0)
                {
                    LockSupport.parkNanos(next - now);
                    continue;
                }
                begin = next;
                next += (long)periodNs;
            }
            else
            {
                begin = System.nanoTime();
            }
            final boolean counted = begin - measureStart >= 0 && begin - end < 0;
            final int attempts = execute(session, plan, random, counted ? aborts : new AtomicLong(),
                counted ? errors : new AtomicLong());
            final long done = System.nanoTime();
            if (attempts > 0)
            {
                allCommits.incrementAndGet();
            }
            if (counted && attempts > 0)
            {
                committed.incrementAndGet();
                histogram.recordValue(Math.max(1, TimeUnit.NANOSECONDS.toMicros(done - begin)));
            }
            if (done - end >= 0)
            {
                return;
            }
        }
    }

    /**
     * Run one transaction until it commits.
     *
     * @return attempts it took; 0 when it failed with an error other than an abort (counted in {@code errors}).
     */
    private static int execute(final Target.Session session, final Plan plan, final SplittableRandom random,
        final AtomicLong aborts, final AtomicLong errors)
    {
        final Workload.Op op = plan.workload().next(random);
        final long record = plan.keys().next(random);
        long other = 0;
        if (op == Workload.Op.TRANSFER)
        {
            do
            {
                other = plan.keys().next(random);
            }
            while (other == record);
        }
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                switch (op)
                {
                    case READ -> session.read(record);
                    case UPDATE -> session.update(record, Records.value(plan.valueBytes(), random.nextLong()));
                    case READ_MODIFY_WRITE ->
                        session.readModifyWrite(record, Records.value(plan.valueBytes(), random.nextLong()));
                    case TRANSFER -> session.transfer(record, other, 1);
                }
                return attempt;
            }
            catch (final Target.Aborted ex)
            {
                aborts.incrementAndGet();
                // Back off before the retry, as an application would (every system gets the same policy): up to
                // 0.1 ms doubled per attempt, at most 6.4 ms, drawn at random so contenders spread out.
                LockSupport.parkNanos(1 + random.nextLong(RETRY_BASE_NS << Math.min(attempt - 1, 6)));
            }
            catch (final Exception ex)
            {
                errors.incrementAndGet();
                return 0;
            }
        }
    }

    private void bar(final String label, final long now, final long start, final long end, final long committed,
        final long measureStart)
    {
        if (progress == null)
        {
            return;
        }
        final double done = Math.min(1.0, (double)(now - start) / (end - start));
        final int filled = (int)(done * 30);
        final double seconds = Math.max(1e-3, (now - measureStart) / 1e9);
        final String rate = now - measureStart > 0 ? String.format("%,.0f txn/s", committed / seconds) : "warming up";
        progress.printf("\r[%s%s] %3.0f%% %-48s %s   ", "#".repeat(filled), ".".repeat(30 - filled), done * 100,
            label, rate);
        progress.flush();
    }
}
