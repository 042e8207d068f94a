package io.stardust.bench.jmh;

import io.stardust.protocol.Versions;
import io.stardust.storage.Storage;
import io.stardust.storage.StorageConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Storage on real Chronicle Map files, 100,000 rows of 100 bytes: a get of the latest version, a snapshot read, a
 * put (one write in an epoch of 100, epoch bookkeeping included), and a range scan of 100 rows.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.MISC, JvmFlags.LANG, JvmFlags.REFLECT, JvmFlags.NIO_CH, JvmFlags.JAVAC,
    JvmFlags.REF, JvmFlags.IO, JvmFlags.NIO, JvmFlags.NIO_CH_OPEN, JvmFlags.UTIL, JvmFlags.ANALYTICS,
    JvmFlags.DISK_MONITOR, JvmFlags.ANNOUNCER})
@State(Scope.Thread)
public class StorageBenchmark
{
    private static final int TABLE = 1;
    private static final int ROWS = 100_000;
    private static final int WRITES_PER_EPOCH = 100;

    private File dir;
    private Storage storage;
    private byte[][] keys;
    private byte[] value;
    private final SplittableRandom random = new SplittableRandom(7);
    private long epoch;
    private int writesInEpoch;

    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        dir = Files.createTempDirectory("stardust-jmh-storage-").toFile();
        storage = new Storage(new StorageConfig().directory(dir));
        storage.createTable(TABLE, "usertable");
        keys = new byte[ROWS][];
        value = new byte[100];
        epoch = 1;
        storage.beginEpoch(epoch, ROWS);
        for (int i = 0; i < ROWS; i++)
        {
            keys[i] = String.format("user%010d", i).getBytes(StandardCharsets.UTF_8);
            storage.write(TABLE, keys[i], Versions.pack(epoch, 0), false, value);
        }
        storage.finishEpoch(epoch);
        epoch++;
        storage.beginEpoch(epoch, WRITES_PER_EPOCH);
    }

    @Benchmark
    public Object getLatest()
    {
        return storage.latestEncoded(TABLE, keys[random.nextInt(ROWS)]);
    }

    @Benchmark
    public Object readAtSnapshot()
    {
        return storage.read(TABLE, keys[random.nextInt(ROWS)], 1);
    }

    @Benchmark
    public void put()
    {
        storage.write(TABLE, keys[random.nextInt(ROWS)], Versions.pack(epoch, writesInEpoch), false, value);
        if (++writesInEpoch == WRITES_PER_EPOCH)
        {
            storage.finishEpoch(epoch);
            epoch++;
            writesInEpoch = 0;
            storage.beginEpoch(epoch, WRITES_PER_EPOCH);
        }
    }

    @Benchmark
    public boolean scan100(final Blackhole bh)
    {
        final int first = random.nextInt(ROWS - 100);
        return storage.scan(TABLE, keys[first], keys[first + 100], storage.appliedEpoch(), 100,
            (key, row) -> bh.consume(row));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception
    {
        storage.close();
        try (var files = Files.walk(dir.toPath()))
        {
            files.sorted(java.util.Comparator.reverseOrder()).map(java.nio.file.Path::toFile).forEach(File::delete);
        }
    }
}
