package io.stardust.storage;

import io.stardust.protocol.Versions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StorageTest
{
    @TempDir
    File dir;

    private Storage storage;

    @BeforeEach
    void open()
    {
        storage = new Storage(config(dir));
        storage.createTable(0, "t");
    }

    @AfterEach
    void close()
    {
        storage.close();
    }

    static StorageConfig config(final File dir)
    {
        return new StorageConfig().directory(dir).retainedEpochs(3);
    }

    static byte[] b(final String s)
    {
        return s.getBytes(UTF_8);
    }

    private void epoch(final long epoch, final String key, final String value)
    {
        storage.beginEpoch(epoch);
        storage.write(0, b(key), Versions.pack(epoch, 0), value == null, value == null ? null : b(value));
        storage.finishEpoch(epoch);
    }

    @Test
    void shouldReadLatestAndVersionAfterEpoch()
    {
        epoch(1, "a", "1");
        final Row row = storage.latest(0, b("a"));
        assertEquals(Versions.pack(1, 0), row.version());
        assertArrayEquals(b("1"), row.value());
        assertEquals(1, storage.appliedEpoch());
        assertSame(Row.ABSENT, storage.latest(0, b("missing")));
    }

    @Test
    void shouldServeSnapshotOfPreviousEpochWhileNextEpochIsBeingWritten()
    {
        epoch(1, "a", "1");
        storage.beginEpoch(2);
        storage.write(0, b("a"), Versions.pack(2, 0), false, b("2"));
        storage.write(0, b("b"), Versions.pack(2, 1), false, b("new"));
        // Epoch 2 is half written: a snapshot at 1 must see neither write.
        assertArrayEquals(b("1"), storage.read(0, b("a"), 1).value());
        assertFalse(storage.read(0, b("b"), 1).isLive());
        assertEquals(Versions.ABSENT, storage.read(0, b("b"), 1).version());
        storage.finishEpoch(2);
        assertArrayEquals(b("2"), storage.read(0, b("a"), 2).value());
        assertArrayEquals(b("1"), storage.read(0, b("a"), 1).value());
    }

    @Test
    void shouldFollowUndoChainAcrossSeveralEpochs()
    {
        epoch(1, "a", "1");
        epoch(2, "a", "2");
        epoch(3, "a", null);
        assertArrayEquals(b("1"), storage.read(0, b("a"), 1).value());
        assertArrayEquals(b("2"), storage.read(0, b("a"), 2).value());
        final Row deleted = storage.read(0, b("a"), 3);
        assertFalse(deleted.isLive());
        assertEquals(Versions.pack(3, 0), deleted.version());
    }

    @Test
    void shouldRejectSnapshotBehindRetentionHorizon()
    {
        for (int e = 1; e <= 6; e++)
        {
            epoch(e, "a", Integer.toString(e));
        }
        assertEquals(3, storage.oldestReadableEpoch());
        assertArrayEquals(b("3"), storage.read(0, b("a"), 3).value());
        final SnapshotTooOldException ex = assertThrows(SnapshotTooOldException.class, () -> storage.read(0, b("a"), 2));
        assertTrue(ex.getMessage().contains("snapshot epoch 2 is too old"), ex.getMessage());
        assertEquals(3, storage.undoEpochsHeld(), "undo of epochs 4..6 only: older ones are dropped");
    }

    @Test
    void shouldDropTheOldestHistoryPastTheUndoRowBound()
    {
        storage.close();
        storage = new Storage(new StorageConfig().directory(new File(dir, "bounded"))
            .retainedEpochs(100).retainedUndoRows(5));
        storage.createTable(0, "t");
        for (int e = 1; e <= 4; e++)
        {
            storage.beginEpoch(e);
            for (int k = 0; k < 3; k++)
            {
                storage.write(0, b("k" + k), Versions.pack(e, k), false, b(e + "-" + k));
            }
            storage.finishEpoch(e);
            // 3 undo rows per epoch and a bound of 5: only the latest epoch's history can stay.
            assertEquals(e - 1, storage.oldestReadableEpoch(), "after epoch " + e);
            assertEquals(1, storage.undoEpochsHeld(), "after epoch " + e);
        }
        assertArrayEquals(b("3-1"), storage.read(0, b("k1"), 3).value());
        assertArrayEquals(b("4-1"), storage.read(0, b("k1"), 4).value());
        assertThrows(SnapshotTooOldException.class, () -> storage.read(0, b("k1"), 2));
    }

    @Test
    void shouldRejectSnapshotNotYetApplied()
    {
        epoch(1, "a", "1");
        assertThrows(IllegalArgumentException.class, () -> storage.read(0, b("a"), 2));
    }

    @Test
    void shouldScanLiveRowsInUnsignedKeyOrderAtSnapshot()
    {
        storage.beginEpoch(1);
        storage.write(0, b("c"), Versions.pack(1, 0), false, b("3"));
        storage.write(0, b("a"), Versions.pack(1, 1), false, b("1"));
        storage.write(0, new byte[] {(byte)0xFF}, Versions.pack(1, 2), false, b("hi"));
        storage.write(0, b("b"), Versions.pack(1, 3), false, b("2"));
        storage.finishEpoch(1);
        epoch(2, "b", null);
        epoch(3, "bb", "new");

        assertEquals(List.of("a", "c", "\u00ff"), scanKeys(null, null, 2, 100));
        assertEquals(List.of("a", "b", "c", "\u00ff"), scanKeys(null, null, 1, 100));
        assertEquals(List.of("a", "bb", "c", "\u00ff"), scanKeys(null, null, 3, 100));
        assertEquals(List.of("bb"), scanKeys(b("b"), b("c"), 3, 100));
        final List<String> limited = new ArrayList<>();
        assertTrue(storage.scan(0, null, null, 3, 2, (k, r) -> limited.add(new String(k, UTF_8))));
        assertEquals(List.of("a", "bb"), limited);
    }

    private List<String> scanKeys(final byte[] start, final byte[] end, final long snapshot, final int limit)
    {
        final List<String> keys = new ArrayList<>();
        storage.scan(0, start, end, snapshot, limit,
            (k, r) -> keys.add(k.length == 1 && k[0] == (byte)0xFF ? "\u00ff" : new String(k, UTF_8)));
        return keys;
    }

    @Test
    void shouldFindKeysWrittenInRangeAfterSnapshotIncludingDeletes()
    {
        epoch(1, "a", "1");
        epoch(2, "m", "1");
        epoch(3, "a", null);
        assertNull(storage.firstKeyWrittenAfter(0, b("b"), b("z"), 2));
        assertArrayEquals(b("m"), storage.firstKeyWrittenAfter(0, b("b"), b("z"), 1));
        assertArrayEquals(b("a"), storage.firstKeyWrittenAfter(0, b("a"), new byte[0], 2));
    }

    @Test
    void shouldReadARangeWhoseStartIsPastItsEndAsEmpty()
    {
        epoch(1, "a", "1");
        epoch(2, "b", "2");
        epoch(3, "c", "3");
        assertEquals(List.of(), scanKeys(b("c"), b("a"), 3, 100));
        assertFalse(storage.scan(0, b("c"), b("a"), 3, 1, (k, r) -> { }));
        assertNull(storage.firstKeyWrittenAfter(0, b("c"), b("a"), 0));
        assertEquals(List.of(), scanKeys(b("b"), b("b"), 3, 100));
        assertEquals(List.of("b"), scanKeys(b("b"), b("c"), 3, 100));
    }

    @Test
    void shouldGiveEqualChecksumsForEqualRowsWrittenInAnyOrder(@TempDir final File other)
    {
        storage.beginEpoch(1);
        storage.write(0, b("x"), Versions.pack(1, 0), false, b("1"));
        storage.write(0, b("y"), Versions.pack(1, 1), false, b("2"));
        storage.finishEpoch(1);
        try (Storage second = new Storage(config(other)))
        {
            second.createTable(0, "t");
            second.beginEpoch(1);
            second.write(0, b("y"), Versions.pack(1, 1), false, b("2"));
            second.write(0, b("x"), Versions.pack(1, 0), false, b("1"));
            second.finishEpoch(1);
            assertEquals(storage.checksum(), second.checksum());
            second.beginEpoch(2);
            second.write(0, b("x"), Versions.pack(2, 0), false, b("1"));
            second.finishEpoch(2);
            // Same value, different version: a checksum that ignored versions would miss this.
            assertNotEquals(storage.checksum(), second.checksum());
        }
    }

    @Test
    void shouldKeepRowsInFilesAcrossReopenAndForgetThemOnReset()
    {
        epoch(1, "a", "1");
        storage.close();
        storage = new Storage(config(dir));
        storage.createTable(0, "t");
        assertArrayEquals(b("1"), storage.latest(0, b("a")).value());
        assertEquals(1, storage.size(0));
        storage.reset();
        assertFalse(storage.hasTable(0));
        storage.createTable(0, "t");
        assertSame(Row.ABSENT, storage.latest(0, b("a")));
        assertEquals(0, storage.appliedEpoch());
    }

    @Test
    void shouldNeverShowReadersHalfAnEpochWhileWritersApply() throws Exception
    {
        storage.close();
        storage = new Storage(new StorageConfig().directory(new File(dir, "race"))
            .retainedEpochs(1_000));
        storage.createTable(0, "t");
        final int epochs = 2_000;
        final java.util.concurrent.atomic.AtomicReference<String> violation = new java.util.concurrent.atomic
            .AtomicReference<>();
        final java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
        final Thread reader = new Thread(() ->
        {
            while (storage.appliedEpoch() < epochs && violation.get() == null)
            {
                final long snapshot = storage.appliedEpoch();
                // Every epoch writes the same value to both keys: a snapshot must show them equal.
                final Row a = storage.read(0, b("a"), snapshot);
                final Row c = storage.read(0, b("c"), snapshot);
                if (!java.util.Arrays.equals(a.value(), c.value()))
                {
                    violation.set("snapshot " + snapshot + ": a=" + new String(a.value(), UTF_8) + " c=" +
                        new String(c.value(), UTF_8));
                }
                reads.incrementAndGet();
            }
        });
        reader.start();
        for (int e = 1; e <= epochs; e++)
        {
            storage.beginEpoch(e);
            storage.write(0, b("a"), Versions.pack(e, 0), false, b(Integer.toString(e)));
            storage.write(0, b("c"), Versions.pack(e, 1), false, b(Integer.toString(e)));
            storage.finishEpoch(e);
        }
        reader.join();
        assertNull(violation.get());
        assertTrue(reads.get() > 0, "the reader must have overlapped the writer");
    }

    @Test
    void shouldWarmUpWithoutLeavingFilesBehind()
    {
        final File tmp = new File(System.getProperty("java.io.tmpdir"));
        final java.io.FilenameFilter warmUps = (d, name) -> name.startsWith("stardust-warm-up");
        final int before = tmp.list(warmUps).length;
        Storage.warmUp();
        Storage.warmUp();
        assertEquals(before, tmp.list(warmUps).length);
    }

    @Test
    void shouldNameMissingTable()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> storage.latest(7, b("a")));
        assertEquals("no table with id 7", ex.getMessage());
    }
}
