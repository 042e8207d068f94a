package io.stardust.bench.jmh;

import io.stardust.scheduler.EpochResult;
import io.stardust.scheduler.OneShotExecution;
import io.stardust.scheduler.Scheduler;
import io.stardust.scheduler.TxnRecord;
import io.stardust.storage.Storage;
import io.stardust.storage.StorageConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One epoch of 1,024 one-shot transactions run by the scheduler under each {@link OneShotExecution}: groups of
 * one-shots that share keys, each group alone on a worker, against Calvin's ordered locks, where a one-shot waits only
 * for the earlier ones on its own keys. Workloads: {@code bank10} and {@code bank1000} (transfers between two of 10 or
 * 1,000 accounts: two ADDs, the first bounded at 0) and {@code zipf} (YCSB-F's read-modify-write as one ADD, keys
 * Zipf 0.99 over 1,000). With 10 accounts every transfer joins one group; with Zipf keys each key is a group.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.MISC, JvmFlags.LANG, JvmFlags.REFLECT, JvmFlags.NIO_CH, JvmFlags.JAVAC,
    JvmFlags.REF, JvmFlags.IO, JvmFlags.NIO, JvmFlags.NIO_CH_OPEN, JvmFlags.UTIL, JvmFlags.ANALYTICS,
    JvmFlags.DISK_MONITOR, JvmFlags.ANNOUNCER})
@State(Scope.Thread)
public class OneShotBenchmark
{
    private static final int TABLE = 1;
    private static final int TXNS = 1_024;

    @Param({"bank10", "bank1000", "zipf"})
    String workload;

    @Param({"GROUPS", "ORDERED_LOCKS"})
    OneShotExecution mode;

    @Param({"1", "2"})
    int workers;

    private File dir;
    private Storage storage;
    private Scheduler scheduler;
    private List<TxnRecord> epoch;
    private long nextEpoch;

    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        dir = Files.createTempDirectory("stardust-jmh-oneshot-").toFile();
        storage = new Storage(new StorageConfig().directory(dir));
        storage.createTable(TABLE, "accounts");
        scheduler = new Scheduler(storage, workers).oneShotExecution(mode);
        final SplittableRandom random = new SplittableRandom(42);
        epoch = new ArrayList<>();
        final int[] zipf = "zipf".equals(workload) ? zipf(1_000, 0.99, random) : null;
        final int accounts = "bank10".equals(workload) ? 10 : 1_000;
        for (int i = 0; i < TXNS; i++)
        {
            if (zipf != null)
            {
                epoch.add(TxnRecord.oneShot(i, TxnRecord.Op.add(TABLE, key(zipf[i % zipf.length]), 1,
                    Long.MIN_VALUE, Long.MAX_VALUE)));
                continue;
            }
            final int from = random.nextInt(accounts);
            final int to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
            // Balances start absent (0); a bound of Long.MIN_VALUE keeps every transfer committing in every epoch.
            epoch.add(TxnRecord.oneShot(i,
                TxnRecord.Op.add(TABLE, key(from), -1, Long.MIN_VALUE, Long.MAX_VALUE),
                TxnRecord.Op.add(TABLE, key(to), 1, Long.MIN_VALUE, Long.MAX_VALUE)));
        }
        nextEpoch = 1;
    }

    private static byte[] key(final int i)
    {
        return String.format("acct%06d", i).getBytes(StandardCharsets.UTF_8);
    }

    /** @return 1,024 draws from a Zipf distribution over {@code n} keys. */
    private static int[] zipf(final int n, final double theta, final SplittableRandom random)
    {
        final double[] cdf = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++)
        {
            sum += 1 / Math.pow(k + 1, theta);
            cdf[k] = sum;
        }
        final int[] draws = new int[TXNS];
        for (int i = 0; i < draws.length; i++)
        {
            final double u = random.nextDouble() * sum;
            int k = java.util.Arrays.binarySearch(cdf, u);
            draws[i] = k >= 0 ? k : -k - 1;
        }
        return draws;
    }

    @Benchmark
    public long runEpoch()
    {
        final EpochResult result = scheduler.execute(nextEpoch++, epoch);
        return result.digest();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception
    {
        scheduler.close();
        storage.close();
        try (var files = Files.walk(dir.toPath()))
        {
            files.sorted(java.util.Comparator.reverseOrder()).map(java.nio.file.Path::toFile).forEach(File::delete);
        }
    }
}
