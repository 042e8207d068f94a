package io.stardust.server;

import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.RecordingLog;
import io.stardust.sequencer.RowCheckpoint;

import java.io.File;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Keeps a member's disk bounded: the recorded Raft log behind the second-newest sound snapshot is purged (whole
 * archive segments only), and so are the recordings of older snapshots. Recovery needs the newest snapshot and the
 * log after it; the one before is kept with its log so that a member whose newest snapshot turns out damaged can
 * still fall back one step (as {@link SnapshotCheck} does). Falling back further, or replaying from the start of
 * the log, is no longer possible after a purge, and a member that lags behind the purge point cannot catch up from
 * the log alone (see docs/architecture.md).
 * <p>
 * Purging is local: each member purges its own copy, so members may keep different amounts. It decides nothing
 * replicated.
 */
final class LogRetention
{
    private final File clusterDir;
    private final File checkpointDir;
    private final Consumer<String> log;
    private final Set<Long> purgedSnapshotRecordings = new HashSet<>();
    private long purgedLogBytes;

    LogRetention(final File clusterDir, final File checkpointDir, final Consumer<String> log)
    {
        this.clusterDir = clusterDir;
        this.checkpointDir = checkpointDir;
        this.log = log;
    }

    /** @return bytes of log purged by this member since it started. */
    long purgedLogBytes()
    {
        return purgedLogBytes;
    }

    /**
     * Purge what recovery no longer needs.
     *
     * @param archive this member's archive.
     * @return the new start position of the log recording, or -1 when nothing was purged.
     */
    long purge(final AeronArchive archive)
    {
        final List<RecordingLog.Entry> snapshots = new ArrayList<>();
        final List<RecordingLog.Entry> all;
        final long logRecordingId;
        try (RecordingLog recordingLog = new RecordingLog(clusterDir, false))
        {
            all = recordingLog.entries();
            logRecordingId = recordingLog.findLastTermRecordingId();
        }
        for (final RecordingLog.Entry e : all)
        {
            // The consensus module's own entry (service id -1) stands for the snapshot at its position.
            if (e.type == RecordingLog.ENTRY_TYPE_SNAPSHOT && e.isValid && e.serviceId == -1 &&
                new File(checkpointDir, RowCheckpoint.fileName(e.logPosition)).isFile())
            {
                snapshots.add(e);
            }
        }
        if (snapshots.size() < 2 || logRecordingId < 0)
        {
            return -1;
        }
        snapshots.sort(Comparator.comparingLong((RecordingLog.Entry e) -> e.logPosition));
        final long keepFrom = snapshots.get(snapshots.size() - 2).logPosition;
        for (final RecordingLog.Entry e : all)
        {
            if (e.type == RecordingLog.ENTRY_TYPE_SNAPSHOT && e.logPosition < keepFrom &&
                purgedSnapshotRecordings.add(e.recordingId))
            {
                try
                {
                    archive.purgeRecording(e.recordingId);
                }
                catch (final RuntimeException ex)
                {
                    // Already gone (purged before this member restarted), or in use by a replay: harmless.
                }
            }
        }
        final long[] shape = new long[3];
        final int found = archive.listRecording(logRecordingId, (controlSessionId, correlationId, recordingId,
            startTimestamp, stopTimestamp, startPosition, stopPosition, initialTermId, segmentFileLength, termBufferLength,
            mtuLength, sessionId, streamId, strippedChannel, originalChannel, sourceIdentity) ->
        {
            shape[0] = startPosition;
            shape[1] = segmentFileLength;
            shape[2] = termBufferLength;
        });
        if (found != 1)
        {
            return -1;
        }
        final long start = shape[0];
        final int segment = (int)shape[1];
        final long newStart = AeronArchive.segmentFileBasePosition(start, keepFrom, (int)shape[2], segment);
        if (newStart - start < segment)
        {
            return -1;
        }
        try
        {
            archive.purgeSegments(logRecordingId, newStart);
        }
        catch (final RuntimeException ex)
        {
            // Refused while a replay below the new start runs (a follower catching up): try again next time.
            log.accept("log purge to position " + newStart + " deferred: " + ex.getMessage());
            return -1;
        }
        purgedLogBytes += newStart - start;
        log.accept("purged the recorded log before position " + newStart + " (" + ((newStart - start) >> 20) +
            " MiB); recovery keeps the snapshots at " + keepFrom + " and " + snapshots.get(snapshots.size() - 1)
            .logPosition + " and the log after the older one");
        return newStart;
    }
}
