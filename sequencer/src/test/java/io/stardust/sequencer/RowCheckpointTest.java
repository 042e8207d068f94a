package io.stardust.sequencer;

import io.stardust.protocol.Versions;
import io.stardust.storage.Storage;
import io.stardust.storage.StorageConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.RandomAccessFile;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A row checkpoint holds the rows as of its pinned epoch even when later epochs were applied (and would have been
 * dropped by the retention bounds) before it was written; it loads back into equal storage; a flipped byte, a cut
 * tail, a missing file and a wrong epoch are each refused with the file named.
 */
class RowCheckpointTest
{
    @TempDir
    File dir;

    private Storage storage;
    private Storage restored;

    @BeforeEach
    void open()
    {
        // Retain one epoch only: without the pin, the history a checkpoint at epoch 2 needs would be dropped.
        storage = new Storage(new StorageConfig().directory(new File(dir, "a"))
            .retainedEpochs(1).retainedUndoRows(1));
        restored = new Storage(new StorageConfig().directory(new File(dir, "b")));
        storage.createTable(0, "t");
        storage.createTable(1, "u");
        restored.createTable(0, "t");
        restored.createTable(1, "u");
    }

    @AfterEach
    void close()
    {
        storage.close();
        restored.close();
    }

    private void epoch(final long epoch, final int table, final String key, final String value)
    {
        storage.beginEpoch(epoch);
        storage.write(table, b(key), Versions.pack(epoch, 0), value == null, value == null ? null : b(value));
        storage.finishEpoch(epoch);
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(UTF_8);
    }

    @Test
    void shouldHoldTheRowsOfThePinnedEpochWhileLaterEpochsApply() throws Exception
    {
        epoch(1, 0, "a", "a1");
        epoch(2, 1, "b", "b2");
        storage.pin(2);
        epoch(3, 0, "a", "a3");
        epoch(4, 0, "a", null);
        epoch(5, 0, "c", "c5");
        epoch(6, 1, "b", "b6");
        final File file = new File(dir, RowCheckpoint.fileName(1234));
        assertEquals(2, RowCheckpoint.write(storage, new int[] {0, 1}, 2, file));
        storage.unpin();

        RowCheckpoint.verify(file, 2);
        RowCheckpoint.load(file, 2, restored);
        restored.restoredTo(2);
        assertArrayEquals(b("a1"), restored.read(0, b("a"), 2).value());
        assertArrayEquals(b("b2"), restored.read(1, b("b"), 2).value());
        assertTrue(!restored.read(0, b("c"), 2).isLive());
        assertEquals(1, restored.size(0));
    }

    @Test
    void shouldRefuseADamagedTruncatedMissingOrMismatchedFile() throws Exception
    {
        for (int i = 0; i < 100; i++)
        {
            epoch(i + 1, 0, "key-" + i, "value-" + i);
        }
        final File file = new File(dir, RowCheckpoint.fileName(99));
        storage.pin(100);
        RowCheckpoint.write(storage, new int[] {0}, 100, file);
        storage.unpin();
        RowCheckpoint.verify(file, 100);

        final IllegalStateException epoch = assertThrows(IllegalStateException.class,
            () -> RowCheckpoint.verify(file, 99));
        assertTrue(epoch.getMessage().contains(file.getPath()) && epoch.getMessage().contains("epoch"),
            epoch.getMessage());

        final byte[] whole = java.nio.file.Files.readAllBytes(file.toPath());
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw"))
        {
            raf.seek(whole.length / 2);
            raf.write(~whole[whole.length / 2]);
        }
        final IllegalStateException flipped = assertThrows(IllegalStateException.class,
            () -> RowCheckpoint.verify(file, 100));
        assertTrue(flipped.getMessage().contains(file.getPath()) && flipped.getMessage().contains("checksum"),
            flipped.getMessage());

        java.nio.file.Files.write(file.toPath(), java.util.Arrays.copyOf(whole, whole.length - 100));
        final IllegalStateException cut = assertThrows(IllegalStateException.class,
            () -> RowCheckpoint.verify(file, 100));
        assertTrue(cut.getMessage().contains(file.getPath()), cut.getMessage());

        assertTrue(file.delete());
        final IllegalStateException missing = assertThrows(IllegalStateException.class,
            () -> RowCheckpoint.verify(file, 100));
        assertTrue(missing.getMessage().contains("missing"), missing.getMessage());
        assertNull(restored.latestEncoded(0, b("key-1")), "nothing loaded from refused files");
    }

    @Test
    void shouldKeepTheNewestCheckpointsAndDropUnfinishedOnes() throws Exception
    {
        for (long p = 1; p <= 5; p++)
        {
            assertTrue(new File(dir, RowCheckpoint.fileName(p * 100)).createNewFile());
        }
        assertTrue(new File(dir, RowCheckpoint.fileName(600) + ".tmp").createNewFile());
        RowCheckpoint.prune(dir);
        for (long p = 1; p <= 5; p++)
        {
            assertEquals(p > 5 - RowCheckpoint.KEEP, new File(dir, RowCheckpoint.fileName(p * 100)).exists(),
                "checkpoint at " + p * 100);
        }
        assertTrue(!new File(dir, RowCheckpoint.fileName(600) + ".tmp").exists());
    }
}
