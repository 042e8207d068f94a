package io.stardust.sequencer;

import io.stardust.storage.Storage;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

/**
 * The rows of a snapshot, written by a background thread to a file of their own while the cluster goes on.
 * <p>
 * A snapshot used to copy every row into the Aeron snapshot while the service, and so the cluster, waited (1.07 s
 * at 1M rows). Now the service writes only its small state to the Aeron snapshot, with the name of this file, pins
 * the snapshot's epoch in storage (row versions newer than it are kept) and returns; a thread then reads every row
 * as of that epoch and writes it here. The file is written as {@code name.tmp}, forced to disk and renamed, so it
 * exists only whole. If the member stops before that, its snapshot names a missing file: the start-up check finds
 * it and falls back to the snapshot before, exactly as for a corrupted one.
 * <p>
 * Layout: magic, epoch, then records {@code (tableId, key, row)}, a {@code -1} end mark, the record count and a
 * CRC-32 of everything before it.
 */
public final class RowCheckpoint
{
    private static final int MAGIC = 0x53444b31;
    private static final String SUFFIX = ".rows";
    /** Completed checkpoint files kept: the latest and two older ones, for falling back past a damaged snapshot. */
    static final int KEEP = 3;

    private RowCheckpoint()
    {
    }

    /** @return the file name of the checkpoint of the snapshot at {@code logPosition}. */
    public static String fileName(final long logPosition)
    {
        return String.format("rows-%020d%s", logPosition, SUFFIX);
    }

    /**
     * Write every row of {@code tableIds} as of {@code epoch} (which the caller pinned) to {@code file}.
     *
     * @return rows written.
     */
    static long write(final Storage storage, final int[] tableIds, final long epoch, final File file)
        throws IOException
    {
        final File tmp = new File(file.getPath() + ".tmp");
        final CRC32 crc = new CRC32();
        long rows = 0;
        try (FileOutputStream fos = new FileOutputStream(tmp);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new CheckedOutputStream(fos, crc),
                1 << 16)))
        {
            out.writeInt(MAGIC);
            out.writeLong(epoch);
            for (final int tableId : tableIds)
            {
                for (final byte[] key : storage.keys(tableId))
                {
                    final byte[] row = storage.encodedAt(tableId, key, epoch);
                    if (row == null)
                    {
                        continue;
                    }
                    out.writeInt(tableId);
                    out.writeInt(key.length);
                    out.write(key);
                    out.writeInt(row.length);
                    out.write(row);
                    rows++;
                }
            }
            out.writeInt(-1);
            out.writeLong(rows);
            out.flush();
            final long sum = crc.getValue();
            new DataOutputStream(fos).writeLong(sum);
            fos.getFD().sync();
        }
        try
        {
            Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final AtomicMoveNotSupportedException ex)
        {
            Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.REPLACE_EXISTING);
        }
        syncDirectory(file.getParentFile());
        return rows;
    }

    /** Force a directory's entries (a rename in it) to disk: without it a power cut can undo the rename. */
    static void syncDirectory(final File dir) throws IOException
    {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(dir.toPath(),
            java.nio.file.StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }

    /**
     * Check a checkpoint file whole: framing, record count and CRC-32.
     *
     * @param expectedEpoch the epoch its snapshot says it holds.
     * @throws IllegalStateException naming the file and what is wrong.
     */
    public static void verify(final File file, final long expectedEpoch)
    {
        read(file, expectedEpoch, null);
    }

    /**
     * Load a checkpoint file into freshly reset storage (its tables created), after checking it whole.
     *
     * @throws IllegalStateException naming the file and what is wrong.
     */
    static void load(final File file, final long expectedEpoch, final Storage storage)
    {
        read(file, expectedEpoch, storage);
    }

    private static void read(final File file, final long expectedEpoch, final Storage into)
    {
        if (!file.isFile())
        {
            throw new IllegalStateException("row checkpoint " + file + " is missing (the member stopped before it " +
                "was written whole)");
        }
        try
        {
            checkCrc(file);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("row checkpoint " + file + " is damaged: " + ex.getMessage(), ex);
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(file), 1 << 16)))
        {
            final long length = file.length() - 8;
            if (in.readInt() != MAGIC)
            {
                throw new IOException("not a Stardust row checkpoint (bad magic)");
            }
            final long epoch = in.readLong();
            if (epoch != expectedEpoch)
            {
                throw new IOException("holds epoch " + epoch + ", its snapshot expects " + expectedEpoch);
            }
            long rows = 0;
            long read = 12;
            while (true)
            {
                final int tableId = in.readInt();
                read += 4;
                if (tableId == -1)
                {
                    break;
                }
                final byte[] key = bytes(in, length - read);
                read += 4 + key.length;
                final byte[] row = bytes(in, length - read);
                read += 4 + row.length;
                if (into != null)
                {
                    into.loadEncoded(tableId, key, row);
                }
                rows++;
            }
            final long count = in.readLong();
            if (count != rows)
            {
                throw new IOException("says " + count + " rows but holds " + rows);
            }
            if (read + 8 != length)
            {
                throw new IOException("ends at byte " + (read + 8) + " of " + length);
            }
        }
        catch (final EOFException ex)
        {
            throw new IllegalStateException("row checkpoint " + file + " is truncated", ex);
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new IllegalStateException("row checkpoint " + file + " is damaged: " + ex.getMessage(), ex);
        }
    }

    /** The last 8 bytes are a CRC-32 of all before them. */
    private static void checkCrc(final File file) throws IOException
    {
        final long length = file.length();
        if (length < 8 + 12)
        {
            throw new EOFException("only " + length + " bytes");
        }
        final CRC32 crc = new CRC32();
        final byte[] buffer = new byte[1 << 16];
        try (FileInputStream in = new FileInputStream(file))
        {
            long left = length - 8;
            while (left > 0)
            {
                final int n = in.read(buffer, 0, (int)Math.min(buffer.length, left));
                if (n < 0)
                {
                    throw new EOFException("file shrank while read");
                }
                crc.update(buffer, 0, n);
                left -= n;
            }
            final long stored = new DataInputStream(in).readLong();
            if (stored != crc.getValue())
            {
                throw new IOException("checksum mismatch (stored " + Long.toHexString(stored) + ", computed " +
                    Long.toHexString(crc.getValue()) + ")");
            }
        }
    }

    private static byte[] bytes(final DataInputStream in, final long remaining) throws IOException
    {
        final int length = in.readInt();
        if (length < 0 || length > remaining)
        {
            throw new IOException("record length " + length + " is impossible");
        }
        final byte[] b = new byte[length];
        in.readFully(b);
        return b;
    }

    /** Delete unfinished ({@code .tmp}) files and all but the newest {@link #KEEP} checkpoints. */
    static void prune(final File dir)
    {
        final File[] files = dir.listFiles();
        if (files == null)
        {
            return;
        }
        final List<File> done = new ArrayList<>();
        for (final File f : files)
        {
            if (f.getName().endsWith(SUFFIX + ".tmp"))
            {
                f.delete();
            }
            else if (f.getName().startsWith("rows-") && f.getName().endsWith(SUFFIX))
            {
                done.add(f);
            }
        }
        final File[] sorted = done.toArray(new File[0]);
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length - KEEP; i++)
        {
            sorted[i].delete();
        }
    }
}
