package io.stardust.storage;

import io.stardust.protocol.Versions;
import net.openhft.chronicle.hash.impl.VanillaChronicleHash;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RowLimitsTest
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

    private static byte[] bytes(final int length, final int seed)
    {
        final byte[] bytes = new byte[length];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    private void write(final byte[] key, final byte[] value)
    {
        final long e = ++epoch;
        storage.ensureCapacity(0, 1, key.length + (value == null ? 0 : value.length));
        storage.beginEpoch(e);
        storage.write(0, key, Versions.pack(e, 0), value == null, value);
        storage.finishEpoch(e);
    }

    @Test
    void shouldStateTheLimits()
    {
        assertEquals(64 * 1024, Storage.MAX_KEY_BYTES);
        assertEquals(1024 * 1024, Storage.MAX_VALUE_BYTES);
        assertNull(Storage.checkRow(Storage.MAX_KEY_BYTES, Storage.MAX_VALUE_BYTES));
        assertNull(Storage.checkRow(1, 0));
        assertEquals("key of 65537 bytes exceeds the storage limit of 65536 bytes",
            Storage.checkRow(Storage.MAX_KEY_BYTES + 1, 0));
        assertEquals("value of 1048577 bytes exceeds the storage limit of 1048576 bytes",
            Storage.checkRow(1, Storage.MAX_VALUE_BYTES + 1));
    }

    @Test
    void shouldHoldAKeyAndAValueExactlyAtTheLimitsInAFreshTable()
    {
        final byte[] key = bytes(Storage.MAX_KEY_BYTES, 1);
        final byte[] value = bytes(Storage.MAX_VALUE_BYTES, 2);
        write(key, value);
        assertArrayEquals(value, storage.read(0, key, epoch).value());
        // Written without making room first, the row lands in the smallest map there is.
        storage.createTable(1, "u");
        storage.beginEpoch(++epoch);
        storage.write(1, key, Versions.pack(epoch, 0), false, value);
        assertEquals(1, storage.tableMap(1).segments(), "the smallest map holds the largest row");
        assertArrayEquals(value, storage.latest(1, key).value());
        storage.finishEpoch(epoch);
        assertArrayEquals(value, storage.read(1, key, epoch).value());
        // And again, over a table packed with small rows and holes: the large row finds a tier of its own.
        for (int i = 0; i < 2_000; i++)
        {
            write(bytes(10, 100 + i), i % 3 == 0 ? null : bytes(i % 700, i));
        }
        final byte[] other = bytes(Storage.MAX_VALUE_BYTES, 3);
        write(key, other);
        write(bytes(Storage.MAX_KEY_BYTES, 4), value);
        assertArrayEquals(other, storage.read(0, key, epoch).value());
        assertArrayEquals(value, storage.read(0, bytes(Storage.MAX_KEY_BYTES, 4), epoch).value());
    }

    @Test
    void shouldHoldTheLargestRowInAGrownTable()
    {
        final long e = ++epoch;
        storage.ensureCapacity(0, 20_000, 20_000 * 40L);
        storage.beginEpoch(e, 20_000);
        for (int i = 0; i < 20_000; i++)
        {
            storage.write(0, ("k" + i).getBytes(), Versions.pack(e, 0), false, bytes(20, i));
        }
        storage.finishEpoch(e);
        assertTrue(storage.tableMap(0).segments() > 1);
        final byte[] key = bytes(Storage.MAX_KEY_BYTES, 5);
        final byte[] value = bytes(Storage.MAX_VALUE_BYTES, 6);
        write(key, value);
        assertArrayEquals(value, storage.read(0, key, epoch).value());
    }

    @Test
    void shouldLayEveryMapOutForTheLargestRow()
    {
        for (final int segments : new int[] {1, 2, 64, 1024})
        {
            final TableMap map = TableMap.createOrOpen(new File(dir, "layout-" + segments + ".cm"), "layout", segments,
                segments * 300L);
            try
            {
                final VanillaChronicleHash<?, ?, ?, ?> hash = (VanillaChronicleHash<?, ?, ?, ?>)map.rows();
                assertEquals(segments, map.segments());
                assertEquals(512, map.entriesPerSegment());
                assertTrue(hash.maxChunksPerEntry * hash.chunkSize >=
                    MapLayout.entryBytes(Storage.MAX_KEY_BYTES, Storage.MAX_VALUE_BYTES),
                    "largest entry of a " + segments + "-segment map: " + hash.maxChunksPerEntry * hash.chunkSize);
                assertEquals((long)(MapLayout.MAX_BLOAT * segments), map.freeTiers());
            }
            finally
            {
                map.retire();
                map.closeIfUnused(true);
            }
        }
    }

    @Test
    void shouldRefuseARowPastTheLimitsBeforeTouchingTheMap()
    {
        write("a".getBytes(), "1".getBytes());
        storage.beginEpoch(++epoch);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> storage.write(0,
            "a".getBytes(), Versions.pack(epoch, 0), false, new byte[Storage.MAX_VALUE_BYTES + 1]));
        assertEquals("table 0: value of 1048577 bytes exceeds the storage limit of 1048576 bytes", ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> storage.write(0, new byte[Storage.MAX_KEY_BYTES + 1],
            Versions.pack(epoch, 0), true, null));
        storage.finishEpoch(epoch);
        assertArrayEquals("1".getBytes(), storage.latest(0, "a".getBytes()).value());
    }
}
