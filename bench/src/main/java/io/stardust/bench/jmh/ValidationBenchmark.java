package io.stardust.bench.jmh;

import io.stardust.protocol.Versions;
import io.stardust.scheduler.EpochResult;
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
import java.util.concurrent.TimeUnit;

/**
 * The scheduler validating and applying one epoch of {@code txns} read-modify-write transactions (one read checked
 * against storage, one write applied, digest updated) with 1 and 2 workers. Reads are of a table the benchmark never
 * writes, so every transaction commits in every epoch; the keys differ, so none conflicts with another.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.MISC, JvmFlags.LANG, JvmFlags.REFLECT, JvmFlags.NIO_CH, JvmFlags.JAVAC,
    JvmFlags.REF, JvmFlags.IO, JvmFlags.NIO, JvmFlags.NIO_CH_OPEN, JvmFlags.UTIL, JvmFlags.ANALYTICS,
    JvmFlags.DISK_MONITOR, JvmFlags.ANNOUNCER})
@State(Scope.Thread)
public class ValidationBenchmark
{
    private static final int READ_TABLE = 1;
    private static final int WRITE_TABLE = 2;

    @Param({"128", "1024"})
    int txns;

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
        dir = Files.createTempDirectory("stardust-jmh-validation-").toFile();
        storage = new Storage(new StorageConfig().directory(dir));
        storage.createTable(READ_TABLE, "reads");
        storage.createTable(WRITE_TABLE, "writes");
        final byte[] value = new byte[100];
        storage.beginEpoch(1, txns);
        final byte[][] keys = new byte[txns][];
        for (int i = 0; i < txns; i++)
        {
            keys[i] = String.format("user%010d", i).getBytes(StandardCharsets.UTF_8);
            storage.write(READ_TABLE, keys[i], Versions.pack(1, i), false, value);
        }
        storage.finishEpoch(1);
        scheduler = new Scheduler(storage, workers);
        scheduler.restore(1, 0);
        epoch = new ArrayList<>();
        for (int i = 0; i < txns; i++)
        {
            epoch.add(new TxnRecord(i, 1,
                new TxnRecord.Read[] {new TxnRecord.Read(READ_TABLE, keys[i], Versions.pack(1, i))},
                new TxnRecord.Range[0],
                new TxnRecord.Write[] {new TxnRecord.Write(WRITE_TABLE, keys[i], false, value)}));
        }
        nextEpoch = 2;
    }

    @Benchmark
    public long validateAndApply()
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
