package io.stardust.storage;

import io.stardust.protocol.Versions;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The older row versions that snapshot reads need: for each retained epoch, the row every key had before the epoch
 * first wrote it (its undo map). A reader at snapshot {@code S} that meets a row newer than {@code S} follows the undo
 * maps back to the row visible at the end of {@code S}. Undo maps behind the horizon are dropped; reads behind it fail
 * with {@link SnapshotTooOldException}.
 * <p>
 * The sequencing thread begins and finishes epochs; writers record first writes during one; readers on any thread.
 */
final class History
{
    private static final byte[] NO_ROW = new byte[0];

    private final Map<Long, ConcurrentHashMap<KeyBytes, byte[]>> undoByEpoch = new ConcurrentHashMap<>();
    private ConcurrentHashMap<KeyBytes, byte[]> currentUndo;
    private volatile long horizon;
    /** While a checkpoint copies the rows of this epoch, history newer than it is kept whatever the bounds. */
    private volatile long pinnedEpoch = Long.MAX_VALUE;
    /** Undo rows in the retained epochs' maps; the sequencing thread only. */
    private long undoRowsHeld;

    /**
     * Start the undo map of an epoch.
     *
     * @param epoch        the epoch.
     * @param expectedKeys about how many keys it writes.
     */
    void begin(final long epoch, final int expectedKeys)
    {
        currentUndo = new ConcurrentHashMap<>(Math.max(16, expectedKeys));
        undoByEpoch.put(epoch, currentUndo);
    }

    /**
     * @param key table and key.
     * @return true when the epoch being written already wrote the key.
     */
    boolean writtenInEpoch(final KeyBytes key)
    {
        return currentUndo.get(key) != null;
    }

    /**
     * Keep the row a key had before the epoch's first write of it.
     *
     * @param key      table and key.
     * @param previous the stored row, or null when the key had none.
     */
    void recordFirstWrite(final KeyBytes key, final byte[] previous)
    {
        currentUndo.put(key, previous == null ? NO_ROW : previous);
    }

    /**
     * The epoch is applied: drop the oldest epochs while past either bound, never the one just applied.
     *
     * @param epoch            the epoch just applied.
     * @param retainedEpochs   most epochs of history.
     * @param retainedUndoRows most undo rows of history.
     */
    void finish(final long epoch, final int retainedEpochs, final int retainedUndoRows)
    {
        currentUndo = null;
        undoRowsHeld += undoByEpoch.get(epoch).size();
        final long pastEpochBound = epoch - retainedEpochs;
        final long pinned = pinnedEpoch;
        for (long e = horizon + 1; e < epoch && e <= pinned &&
            (e <= pastEpochBound || undoRowsHeld > retainedUndoRows); e++)
        {
            // Advance the horizon before dropping the map, so a reader that re-checks it afterwards knows.
            horizon = e;
            final ConcurrentHashMap<KeyBytes, byte[]> undo = undoByEpoch.remove(e);
            undoRowsHeld -= undo == null ? 0 : undo.size();
        }
    }

    /** @return the oldest snapshot epoch still readable. */
    long horizon()
    {
        return horizon;
    }

    void pin(final long epoch)
    {
        pinnedEpoch = epoch;
    }

    void unpin()
    {
        pinnedEpoch = Long.MAX_VALUE;
    }

    /**
     * Forget all history: older snapshots than {@code epoch} are not readable.
     *
     * @param epoch the new horizon.
     */
    void reset(final long epoch)
    {
        undoByEpoch.clear();
        currentUndo = null;
        undoRowsHeld = 0;
        horizon = epoch;
    }

    /** @return epochs whose undo records are held. */
    int epochsHeld()
    {
        return undoByEpoch.size();
    }

    /**
     * @param table         the table.
     * @param key           key bytes.
     * @param snapshotEpoch a retained epoch.
     * @return the key's stored row as of the end of {@code snapshotEpoch}, or null when it had none.
     * @throws SnapshotTooOldException when the history needed was dropped meanwhile.
     */
    byte[] visibleAt(final Table table, final byte[] key, final long snapshotEpoch)
    {
        byte[] raw = table.getRaw(key);
        KeyBytes undoKey = null;
        while (raw != null)
        {
            final long versionEpoch = Versions.epoch(Row.decodeVersion(raw));
            if (versionEpoch <= snapshotEpoch)
            {
                return raw;
            }
            final ConcurrentHashMap<KeyBytes, byte[]> undo = undoByEpoch.get(versionEpoch);
            if (undoKey == null)
            {
                undoKey = new KeyBytes(table.id(), key);
            }
            final byte[] previous = undo == null ? null : undo.get(undoKey);
            if (previous == null)
            {
                // The undo map was dropped under us: the snapshot fell behind the horizon.
                checkRetained(snapshotEpoch);
                throw new IllegalStateException("missing undo record of epoch " + versionEpoch + " for key " + undoKey);
            }
            raw = previous == NO_ROW ? null : previous;
        }
        return null;
    }

    /**
     * @param snapshotEpoch a snapshot.
     * @throws SnapshotTooOldException when it is behind the horizon.
     */
    void checkRetained(final long snapshotEpoch)
    {
        final long h = horizon;
        if (snapshotEpoch < h)
        {
            throw new SnapshotTooOldException(snapshotEpoch, h);
        }
    }
}
