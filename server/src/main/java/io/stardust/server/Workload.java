package io.stardust.server;

import io.stardust.client.CommitInfo;
import io.stardust.client.ConflictException;
import io.stardust.client.KeyValue;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A bank-style read-modify-write workload with a checkable invariant: accounts start with {@link #START_BALANCE};
 * most transactions add 1 to one account (single-key read-modify-write), the rest move 1 between two accounts.
 * The sum of all balances must equal {@code accounts * START_BALANCE + committed deposits}.
 */
public final class Workload
{
    /** Balance every account starts with. */
    public static final long START_BALANCE = 1_000;

    private final StardustClient client;
    private final String table;
    private final int accounts;
    private final int concurrency;
    private final double transferFraction;
    private final long seed;

    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong deposits = new AtomicLong();
    private final AtomicLong aborts = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();
    private final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    /** From a transaction's start to its first read's answer: the read half of {@link #latency}. */
    private final Histogram readLatency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    private volatile boolean running;
    private volatile Throwable firstError;

    /**
     * @param client           connected client.
     * @param table            table of accounts (created by {@link #load()}).
     * @param accounts         number of accounts.
     * @param concurrency      transactions in flight at once.
     * @param transferFraction share of two-account transfers, 0..1.
     * @param seed             seed of the generator.
     */
    public Workload(
        final StardustClient client,
        final String table,
        final int accounts,
        final int concurrency,
        final double transferFraction,
        final long seed)
    {
        this.client = client;
        this.table = table;
        this.accounts = accounts;
        this.concurrency = concurrency;
        this.transferFraction = transferFraction;
        this.seed = seed;
    }

    /** Outcome of {@link #run(Duration, Consumer)}. */
    public record Result(long commits, long aborts, long errors, double seconds, Histogram latencyNanos,
        Histogram firstReadNanos, Throwable firstError)
    {
        public double throughput()
        {
            return commits / seconds;
        }
    }

    /** Create the table and its accounts, 500 per transaction. */
    public void load()
    {
        client.createTable(table).join();
        for (int start = 0; start < accounts; start += 500)
        {
            final Transaction tx = client.begin();
            for (int i = start; i < Math.min(accounts, start + 500); i++)
            {
                tx.put(table, key(i), encode(START_BALANCE));
            }
            tx.commitSync();
        }
    }

    /**
     * Run for {@code duration}, then wait for transactions in flight.
     *
     * @param duration how long to keep starting transactions.
     * @param progress called about once a second with a progress line; may be null.
     * @return counts and latencies of committed transactions.
     */
    public Result run(final Duration duration, final Consumer<String> progress) throws InterruptedException
    {
        final ExecutorService driver = Executors.newSingleThreadExecutor((r) ->
        {
            final Thread t = new Thread(r, "stardust-workload");
            t.setDaemon(true);
            return t;
        });
        running = true;
        final long startNs = System.nanoTime();
        try
        {
            for (int slot = 0; slot < concurrency; slot++)
            {
                final SplittableRandom random = new SplittableRandom(seed + slot);
                inFlight.incrementAndGet();
                driver.execute(() -> next(random, driver));
            }
            final long endNs = startNs + duration.toNanos();
            long lastCommits = 0;
            long nextReport = startNs + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < endNs)
            {
                TimeUnit.MILLISECONDS.sleep(Math.max(1, Math.min(100, (endNs - System.nanoTime()) / 1_000_000)));
                if (progress != null && System.nanoTime() >= nextReport)
                {
                    final long c = commits.get();
                    progress.accept(String.format("  %4.1fs  commits %8d  aborts %7d  %8d tx/s",
                        (System.nanoTime() - startNs) / 1e9, c, aborts.get(), c - lastCommits));
                    lastCommits = c;
                    nextReport += TimeUnit.SECONDS.toNanos(1);
                }
            }
            running = false;
            final long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (inFlight.get() > 0 && System.nanoTime() < drainDeadline)
            {
                TimeUnit.MILLISECONDS.sleep(1);
            }
        }
        finally
        {
            running = false;
            driver.shutdown();
        }
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        synchronized (latency)
        {
            return new Result(commits.get(), aborts.get(), errors.get(), seconds, latency.copy(), readLatency.copy(),
                firstError);
        }
    }

    private void next(final SplittableRandom random, final ExecutorService driver)
    {
        if (!running)
        {
            inFlight.decrementAndGet();
            return;
        }
        final long startNs = System.nanoTime();
        final Transaction tx = client.begin();
        final boolean transfer = random.nextDouble() < transferFraction;
        final int a = random.nextInt(accounts);
        final CompletableFuture<CommitInfo> commit;
        if (transfer)
        {
            final int b = (a + 1 + random.nextInt(accounts - 1)) % accounts;
            commit = tx.getAsync(table, key(a)).thenCompose((va) -> tx.getAsync(table, key(b)).thenCompose((vb) ->
            {
                tx.put(table, key(a), encode(decode(va) - 1));
                tx.put(table, key(b), encode(decode(vb) + 1));
                return tx.commit();
            }));
        }
        else
        {
            commit = tx.getAsync(table, key(a)).thenCompose((va) ->
            {
                synchronized (latency)
                {
                    readLatency.recordValue(Math.min(System.nanoTime() - startNs, latency.getHighestTrackableValue()));
                }
                tx.put(table, key(a), encode(decode(va) + 1));
                return tx.commit();
            });
        }
        commit.whenComplete((info, error) ->
        {
            if (error == null)
            {
                commits.incrementAndGet();
                if (!transfer)
                {
                    deposits.incrementAndGet();
                }
                synchronized (latency)
                {
                    latency.recordValue(Math.min(System.nanoTime() - startNs, latency.getHighestTrackableValue()));
                }
            }
            else if (unwrap(error) instanceof ConflictException)
            {
                aborts.incrementAndGet();
            }
            else
            {
                errors.incrementAndGet();
                if (firstError == null)
                {
                    firstError = unwrap(error);
                }
            }
            driver.execute(() -> next(random, driver));
        });
    }

    /** @return committed single-account deposits so far. */
    public long deposits()
    {
        return deposits.get();
    }

    /**
     * Sum every balance in one read-only transaction (one snapshot), paging through the table with scans.
     *
     * @return the total.
     */
    public long totalBalance()
    {
        return client.run((tx) ->
        {
            long total = 0;
            long rows = 0;
            byte[] from = new byte[0];
            while (true)
            {
                final List<KeyValue> page = tx.scan(table, from, null, 5_000);
                for (final KeyValue kv : page)
                {
                    total += decode(kv.value());
                    rows++;
                }
                if (page.size() < 5_000)
                {
                    break;
                }
                final byte[] last = page.get(page.size() - 1).key();
                from = java.util.Arrays.copyOf(last, last.length + 1);
            }
            if (rows != accounts)
            {
                throw new IllegalStateException("expected " + accounts + " accounts, scanned " + rows);
            }
            return total;
        });
    }

    /** @return the balance the invariant requires. */
    public long expectedTotal()
    {
        return accounts * START_BALANCE + deposits.get();
    }

    static Throwable unwrap(final Throwable error)
    {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    static byte[] key(final int account)
    {
        // Formatting by hand: String.format here cost the load generator a sixth of the benchmark's CPU.
        final byte[] key = {'a', 'c', 'c', 't', '0', '0', '0', '0', '0', '0', '0', '0'};
        int n = account;
        for (int i = key.length - 1; i >= 4 && n > 0; i--)
        {
            key[i] = (byte)('0' + n % 10);
            n /= 10;
        }
        return key;
    }

    static byte[] encode(final long balance)
    {
        return ByteBuffer.allocate(8).putLong(balance).array();
    }

    static long decode(final byte[] value)
    {
        if (value == null || value.length != 8)
        {
            throw new IllegalStateException("account value is " + (value == null ? "missing" : value.length + " bytes"));
        }
        return ByteBuffer.wrap(value).getLong();
    }
}
