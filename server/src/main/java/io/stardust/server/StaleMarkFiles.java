package io.stardust.server;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.nio.MappedByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Aeron refuses to start an archive or consensus module while its mark file's heartbeat is younger than 10 s, so a
 * member restarted right after {@code kill -9} waited that long. A mark file names the process that wrote it: when
 * that process is gone, its heartbeat is released here (set to 0) and the member starts at once. A live owner, a
 * recycled process id, or a file this class does not recognise is left alone: Aeron's own check then applies.
 * Error records in the files are kept; only the heartbeat is touched.
 */
final class StaleMarkFiles
{
    /** Aeron's mark files begin with an 8-byte SBE message header. */
    private static final int HEADER_OFFSET = 8;
    private static final int SCHEMA_ID_OFFSET = 4;

    private StaleMarkFiles()
    {
    }

    /**
     * Release the mark files of this member's archive, consensus module and service when their writer is dead.
     *
     * @param archiveDir archive directory (holds {@code archive-mark.dat}).
     * @param clusterDir cluster directory (holds {@code cluster-mark*.dat}).
     * @return the files released, for the member's log.
     */
    static List<File> releaseIfOwnerDead(final File archiveDir, final File clusterDir)
    {
        final List<File> released = new ArrayList<>();
        release(new File(archiveDir, io.aeron.archive.ArchiveMarkFile.FILENAME),
            io.aeron.archive.codecs.mark.MarkFileHeaderDecoder.SCHEMA_ID,
            io.aeron.archive.codecs.mark.MarkFileHeaderDecoder.pidEncodingOffset(),
            io.aeron.archive.codecs.mark.MarkFileHeaderDecoder.activityTimestampEncodingOffset(), released);
        final File[] clusterMarks = clusterDir.listFiles((dir, name) ->
            name.startsWith("cluster-mark") && name.endsWith(".dat"));
        if (clusterMarks != null)
        {
            for (final File file : clusterMarks)
            {
                release(file, io.aeron.cluster.codecs.mark.MarkFileHeaderDecoder.SCHEMA_ID,
                    io.aeron.cluster.codecs.mark.MarkFileHeaderDecoder.pidEncodingOffset(),
                    io.aeron.cluster.codecs.mark.MarkFileHeaderDecoder.activityTimestampEncodingOffset(), released);
            }
        }
        return released;
    }

    private static void release(
        final File file, final int schemaId, final int pidOffset, final int timestampOffset, final List<File> released)
    {
        if (!file.isFile() || file.length() < HEADER_OFFSET + Math.max(pidOffset, timestampOffset) + 8)
        {
            return;
        }
        final MappedByteBuffer mapped = IoUtil.mapExistingFile(file, "mark file");
        try
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(mapped);
            if ((buffer.getShort(SCHEMA_ID_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF) != schemaId)
            {
                return;
            }
            final long pid = buffer.getLong(HEADER_OFFSET + pidOffset, java.nio.ByteOrder.LITTLE_ENDIAN);
            if (pid <= 0 || pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).isPresent())
            {
                return;
            }
            buffer.putLongVolatile(HEADER_OFFSET + timestampOffset, 0);
            released.add(file);
        }
        finally
        {
            IoUtil.unmap(mapped);
        }
    }
}
