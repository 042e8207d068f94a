package io.stardust.storage;

import io.stardust.protocol.Versions;
import net.openhft.chronicle.algo.hashing.LongHashFunction;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TableGrowthTest
{
    @TempDir
    File dir;

    private Storage storage;
    private long epoch;

    @BeforeEach
    void open()
    {
        storage = new Storage(new StorageConfig().directory(dir).retainedEpochs(3));
        storage.createTable(0, "t");
    }

    @AfterEach
    void close()
    {
        storage.close();
    }

    private File tables()
    {
        return new File(dir, "tables");
    }

    static byte[] b(final String s)
    {
        return s.getBytes(UTF_8);
    }

    /** One epoch of writes to table 0 (a null value deletes), with room made first as the scheduler does. */
    private void epoch(final Map<String, byte[]> writes)
    {
        final long e = ++epoch;
        long bytes = 0;
        for (final Map.Entry<String, byte[]> w : writes.entrySet())
        {
            bytes += b(w.getKey()).length + (w.getValue() == null ? 0 : w.getValue().length);
        }
        storage.ensureCapacity(0, writes.size(), bytes);
        storage.beginEpoch(e, writes.size());
        int i = 0;
        for (final Map.Entry<String, byte[]> w : writes.entrySet())
        {
            storage.write(0, b(w.getKey()), Versions.pack(e, i++), w.getValue() == null, w.getValue());
        }
        storage.finishEpoch(e);
    }

    private static Map<String, byte[]> rows(final String prefix, final int from, final int count)
    {
        final Map<String, byte[]> rows = new LinkedHashMap<>();
        for (int i = from; i < from + count; i++)
        {
            rows.put(prefix + i, b("value-" + i));
        }
        return rows;
    }

    @Test
    void shouldTakeNoFileUntilTheFirstRowAndKilobytesAfterIt()
    {
        assertEquals(0, Disk.files(tables()), "an empty table has no map file");
        assertNull(storage.tableMap(0));
        assertEquals(0, storage.size(0));
        epoch(rows("k", 0, 1));
        assertEquals(1, Disk.files(tables()));
        final long allocated = Disk.allocatedBytes(tables());
        assertTrue(allocated <= 64 * 1024, "a one-row table takes " + allocated + " bytes on disk");
        assertArrayEquals(b("value-0"), storage.read(0, b("k0"), epoch).value());
    }

    @Test
    void shouldHoldManyTablesInFewMappingsAndKilobytesEach()
    {
        final int tables = 400;
        final long mappingsBefore = Disk.mappings();
        for (int t = 1; t <= tables; t++)
        {
            storage.createTable(t, "t" + t);
        }
        assertEquals(0, Disk.files(tables()));
        epoch++;
        for (int t = 1; t <= tables; t++)
        {
            storage.ensureCapacity(t, 1, 10);
        }
        storage.beginEpoch(epoch);
        for (int t = 1; t <= tables; t++)
        {
            storage.write(t, b("k"), Versions.pack(epoch, 0), false, b("v" + t));
        }
        storage.finishEpoch(epoch);
        final double mappingsPerTable = (Disk.mappings() - mappingsBefore) / (double)tables;
        final long bytesPerTable = Disk.allocatedBytes(tables()) / tables;
        assertTrue(mappingsPerTable < 1.2, mappingsPerTable + " mappings per one-row table");
        assertTrue(bytesPerTable <= 32 * 1024, bytesPerTable + " bytes on disk per one-row table");
        assertArrayEquals(b("v" + tables), storage.read(tables, b("k"), epoch).value());
    }

    @Test
    void shouldGrowPastItsMapKeepingEveryRowInOneFile()
    {
        final int perEpoch = 1_500;
        final int epochs = 20;
        for (int e = 0; e < epochs; e++)
        {
            epoch(rows("k", e * perEpoch, perEpoch));
        }
        final TableMap map = storage.tableMap(0);
        assertTrue(map.segments() >= 8, map.segments() + " segments");
        assertTrue(storage.tableForTest(0).generation() >= 2, "generation " + storage.tableForTest(0).generation());
        assertEquals(0, map.extraTiers(), "rows fit in the first tiers");
        assertEquals(1, Disk.files(tables()), "replaced map files are deleted");
        assertEquals(perEpoch * epochs, storage.size(0));
        for (int i = 0; i < perEpoch * epochs; i++)
        {
            assertArrayEquals(b("value-" + i), storage.read(0, b("k" + i), epoch).value(), "k" + i);
        }
        // The same rows written in one go to another storage: growth moved every row unchanged.
        try (Storage other = new Storage(new StorageConfig().directory(new File(dir, "other"))))
        {
            other.createTable(0, "t");
            storage.forEachEncoded(0, (key, row) -> other.loadEncoded(0, key, row));
            other.restoredTo(epoch);
            assertEquals(storage.checksum(), other.checksum());
        }
    }

    /** Keys whose hashes put them all in segment 0 of any map of up to 256 segments. */
    private static List<String> crowdedKeys(final int count)
    {
        final List<String> keys = new ArrayList<>();
        for (long i = 0; keys.size() < count; i++)
        {
            final String key = "c" + i;
            if ((LongHashFunction.xx_r39().hashBytes(b(key)) & 255) == 0)
            {
                keys.add(key);
            }
        }
        return keys;
    }

    @Test
    void shouldNeverFindTheMapFullWhateverTheKeysAndSizes()
    {
        final List<String> keys = crowdedKeys(3_000);
        final SplittableRandom random = new SplittableRandom(7);
        final Map<String, byte[]> model = new HashMap<>();
        for (int e = 0; e < 30; e++)
        {
            final Map<String, byte[]> writes = new LinkedHashMap<>();
            for (int w = 0; w < 150; w++)
            {
                final String key = keys.get(random.nextInt(keys.size()));
                final int kind = random.nextInt(1_000);
                final byte[] value;
                if (kind < 60)
                {
                    value = null;
                }
                else if (kind < 900)
                {
                    value = new byte[random.nextInt(200)];
                }
                else if (kind < 995)
                {
                    value = new byte[4_096 + random.nextInt(60_000)];
                }
                else
                {
                    value = new byte[Storage.MAX_VALUE_BYTES - random.nextInt(1_000)];
                }
                if (value != null)
                {
                    random.nextBytes(value);
                }
                writes.put(key, value);
            }
            epoch(writes);
            model.putAll(writes);
        }
        for (final Map.Entry<String, byte[]> row : model.entrySet())
        {
            final Row read = storage.read(0, b(row.getKey()), epoch);
            if (row.getValue() == null)
            {
                assertFalse(read.isLive(), row.getKey());
            }
            else
            {
                assertArrayEquals(row.getValue(), read.value(), row.getKey());
            }
        }
        assertEquals(model.size(), storage.size(0));
    }

    @Test
    void shouldKeepAsManySpareTiersAsTheEpochHasWrites()
    {
        epoch(rows("k", 0, 10));
        for (final long writes : new long[] {1, 499, 500, 501, 1_000, 1_001, 30_000})
        {
            storage.ensureCapacity(0, writes, writes * 20);
            assertTrue(storage.tableMap(0).freeTiers() >= writes,
                storage.tableMap(0).freeTiers() + " free tiers for " + writes + " writes");
        }
    }

    @Test
    void shouldKeepAReplacedMapOpenWhileAReaderIsInsideIt()
    {
        epoch(rows("k", 0, 10));
        final TableMap old = storage.tableMap(0);
        assertTrue(old.enter());
        storage.ensureCapacity(0, 100_000, 4_000_000);
        final TableMap next = storage.tableMap(0);
        assertNotSame(old, next);
        assertFalse(old.closed(), "a reader is inside");
        assertTrue(old.file().exists());
        assertArrayEquals(b("value-3"), Row.decode(old.rows().get(b("k3"))).value());
        assertFalse(old.enter(), "a retired map lets no new reader in");
        old.exit();
        epoch(rows("k", 10, 1));
        assertTrue(old.closed());
        assertFalse(old.file().exists());
        assertArrayEquals(b("value-3"), storage.read(0, b("k3"), epoch).value());
    }

    @Test
    void shouldServeReadersWhileTheTableGrowsUnderThem() throws Exception
    {
        final int perEpoch = 500;
        final int epochs = 40;
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicLong reads = new AtomicLong();
        final List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++)
        {
            final SplittableRandom random = new SplittableRandom(r);
            final Thread reader = new Thread(() ->
            {
                while (!done.get())
                {
                    try
                    {
                        final long snapshot = storage.appliedEpoch();
                        if (snapshot == 0)
                        {
                            continue;
                        }
                        // Epoch e wrote keys e/0 .. e/499; a snapshot shows every one of them for e <= snapshot.
                        final long e = 1 + random.nextInt((int)snapshot);
                        final int i = random.nextInt(perEpoch);
                        final Row row = storage.read(0, b(e + "/" + i), snapshot);
                        if (!row.isLive() || !new String(row.value(), UTF_8).equals("v" + e + "/" + i))
                        {
                            throw new AssertionError("snapshot " + snapshot + " key " + e + "/" + i + ": " + row);
                        }
                        final int[] count = {0};
                        storage.scan(0, b(e + "/"), b(e + "0"), snapshot, Integer.MAX_VALUE, (k, v) -> count[0]++);
                        if (count[0] != perEpoch)
                        {
                            throw new AssertionError("snapshot " + snapshot + " scan of " + e + "/: " + count[0]);
                        }
                        reads.incrementAndGet();
                        // Leave the writer some of the two cores this runs on.
                        java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                    }
                    catch (final SnapshotTooOldException ignore)
                    {
                        // The writer outran this reader's snapshot; the next pass takes a newer one.
                    }
                    catch (final Throwable t)
                    {
                        failure.compareAndSet(null, t);
                        return;
                    }
                }
            });
            readers.add(reader);
            reader.start();
        }
        for (int e = 1; e <= epochs; e++)
        {
            final Map<String, byte[]> writes = new LinkedHashMap<>();
            for (int i = 0; i < perEpoch; i++)
            {
                writes.put(e + "/" + i, b("v" + e + "/" + i));
            }
            epoch(writes);
        }
        done.set(true);
        for (final Thread reader : readers)
        {
            reader.join();
        }
        assertNull(failure.get());
        assertTrue(reads.get() > 0, "readers overlapped the writer");
        assertTrue(storage.tableForTest(0).generation() >= 3, "generation " + storage.tableForTest(0).generation());
        assertEquals(1, Disk.files(tables()));
    }

    @Test
    void shouldRestoreIntoATableThatGrowsAsRowsArrive()
    {
        storage.reset();
        storage.createTable(0, "t");
        final int rows = 20_000;
        for (int i = 0; i < rows; i++)
        {
            storage.loadEncoded(0, b("k" + i), Row.encode(Versions.pack(3, i % 100), false, b("value-" + i)));
        }
        storage.restoredTo(3);
        epoch = 3;
        assertEquals(rows, storage.size(0));
        assertTrue(storage.tableMap(0).segments() >= 4, storage.tableMap(0).segments() + " segments");
        assertEquals(1, Disk.files(tables()));
        for (int i = 0; i < rows; i += 7)
        {
            assertArrayEquals(b("value-" + i), storage.read(0, b("k" + i), 3).value());
        }
        epoch(rows("k", rows, 10));
        assertEquals(rows + 10, storage.size(0));
    }

    @Test
    void shouldReopenTheNewestMapFile()
    {
        for (int e = 0; e < 12; e++)
        {
            epoch(rows("k", e * 1_000, 1_000));
        }
        assertTrue(storage.tableForTest(0).generation() >= 2, "generation " + storage.tableForTest(0).generation());
        storage.close();
        storage = new Storage(new StorageConfig().directory(dir).retainedEpochs(3));
        storage.createTable(0, "t");
        assertEquals(12_000, storage.size(0));
        assertArrayEquals(b("value-11999"), storage.latest(0, b("k11999")).value());
        assertEquals(1, Disk.files(tables()));
    }

    @Test
    void shouldMoveAFileOfAnotherLayoutToTheStandardOneAndDropPartlyFilledOnes() throws Exception
    {
        final File legacyDir = new File(dir, "legacy");
        final File tables = new File(legacyDir, "tables");
        assertTrue(tables.mkdirs());
        // A file as earlier versions made it (their layout held rows of at most about 200 KB in a small table).
        try (ChronicleMap<byte[], byte[]> old = ChronicleMapBuilder.of(byte[].class, byte[].class)
            .entries(1_000).averageKeySize(32).averageValueSize(137)
            .createPersistedTo(new File(tables, "0-t.cm")))
        {
            old.put(b("a"), Row.encode(Versions.pack(1, 0), false, b("1")));
        }
        assertTrue(new File(tables, "0-t.7.cm.filling").createNewFile(), "left by a crash while growing");
        try (Storage reopened = new Storage(new StorageConfig().directory(legacyDir)))
        {
            reopened.createTable(0, "t");
            assertArrayEquals(b("1"), reopened.latest(0, b("a")).value());
            final String[] files = tables.list();
            assertEquals(List.of("0-t.1.cm"), List.of(files));
            final byte[] big = new byte[Storage.MAX_VALUE_BYTES];
            reopened.ensureCapacity(0, 1, 1 + big.length);
            reopened.beginEpoch(1);
            reopened.write(0, b("b"), Versions.pack(1, 0), false, big);
            reopened.finishEpoch(1);
            assertArrayEquals(big, reopened.latest(0, b("b")).value());
        }
    }

    @Test
    void shouldRefuseWritesThatCouldFillTheDiskBeforeTheEpoch()
    {
        final UncheckedIOException ex = assertThrows(UncheckedIOException.class,
            () -> storage.ensureCapacity(0, 10, 1L << 50));
        assertTrue(ex.getMessage().contains("bytes free"), ex.getMessage());
        assertNull(storage.tableMap(0), "nothing was created");
        epoch(rows("k", 0, 1));
        assertEquals(1, storage.size(0));
    }
}
