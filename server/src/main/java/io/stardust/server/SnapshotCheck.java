package io.stardust.server;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.RecordingLog;
import io.stardust.sequencer.StardustService;
import org.agrona.CloseHelper;
import org.agrona.concurrent.IdleStrategy;

import java.io.File;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Before a member's consensus module starts, read back its latest snapshot: the consensus module's and the
 * service's recordings are replayed from the archive, which checks the CRC-32 of every frame it recorded, and the
 * service snapshot's own CRC-32 is checked over its contents. A damaged or missing snapshot is reported with the
 * files that hold it and marked invalid in the recording log; the member then starts from the snapshot before it,
 * or from the start of the log, and replays the log from there. Nothing is deleted: the damaged recording stays in
 * the archive for inspection.
 */
final class SnapshotCheck
{
    /** Stream of the check's own replays; distinct from the cluster's streams on the member's media driver. */
    private static final int REPLAY_STREAM_ID = 0x5D5C;
    /** A replay that makes no progress for this long is reported as damaged rather than waited for. */
    private static final long STALL_NS = TimeUnit.SECONDS.toNanos(30);

    private final int memberId;
    private final File archiveDir;
    private final File clusterDir;
    private final File checkpointDir;
    private final Consumer<String> log;

    SnapshotCheck(final int memberId, final File archiveDir, final File clusterDir, final File checkpointDir,
        final Consumer<String> log)
    {
        this.checkpointDir = checkpointDir;
        this.memberId = memberId;
        this.archiveDir = archiveDir;
        this.clusterDir = clusterDir;
        this.log = log;
    }

    /**
     * Check the latest snapshot and fall back past damaged ones.
     *
     * @param archive a client of the member's running archive.
     * @param idle    how to wait for replays.
     * @return how many snapshots were found damaged and set aside (0 when the latest is sound or there is none).
     */
    int run(final AeronArchive archive, final IdleStrategy idle)
    {
        if (!new File(clusterDir, RecordingLog.RECORDING_LOG_FILE_NAME).exists())
        {
            return 0;
        }
        int damaged = 0;
        try (RecordingLog recordingLog = new RecordingLog(clusterDir, false))
        {
            while (true)
            {
                final RecordingLog.Entry moduleSnapshot = recordingLog.getLatestSnapshot(ConsensusModule.Configuration.SERVICE_ID);
                if (moduleSnapshot == null)
                {
                    if (damaged > 0)
                    {
                        log.accept("no older snapshot left: the member replays its log from the start");
                    }
                    checkLogTail(archive, idle, recordingLog, Long.MIN_VALUE);
                    return damaged;
                }
                final RecordingLog.Entry serviceSnapshot = recordingLog.getLatestSnapshot(0);
                String problem = serviceSnapshot == null ? "the service's snapshot entry is missing" : null;
                if (problem == null)
                {
                    problem = check(archive, idle, moduleSnapshot.recordingId, false);
                }
                if (problem == null)
                {
                    problem = check(archive, idle, serviceSnapshot.recordingId, true);
                }
                if (problem == null)
                {
                    if (damaged > 0)
                    {
                        log.accept("starting from the snapshot at log position " + moduleSnapshot.logPosition +
                            " and replaying the log after it");
                    }
                    checkLogTail(archive, idle, recordingLog, moduleSnapshot.logPosition);
                    return damaged;
                }
                log.accept("snapshot at log position " + moduleSnapshot.logPosition + " (term " +
                    moduleSnapshot.leadershipTermId + ") is damaged: " + problem + "; falling back to the snapshot " +
                    "before it. Files: " + files(moduleSnapshot.recordingId) +
                    (serviceSnapshot == null ? "" : ", " + files(serviceSnapshot.recordingId)));
                if (!recordingLog.invalidateLatestSnapshot())
                {
                    throw new IllegalStateException("member " + memberId + ": could not set aside the damaged " +
                        "snapshot at log position " + moduleSnapshot.logPosition + " in " + clusterDir);
                }
                // On disk before anything else happens: after a power cut the damaged snapshot must stay set aside.
                recordingLog.force(2);
                damaged++;
            }
        }
    }

    /** A damaged frame this close to the end of the log is a write torn by a crash (e.g. on a full disk). */
    static final long TORN_TAIL_WINDOW = 256 * 1024;
    private static final java.util.regex.Pattern MISMATCH_POSITION =
        java.util.regex.Pattern.compile("CRC checksum mismatch at position=(\\d+)");

    /**
     * Replay the log this member will replay anyway (from its snapshot on) and check every frame's CRC-32. A member
     * that crashed in the middle of a write, as on a full disk, ends its log with a torn frame, which its
     * consensus module would fail to replay forever. Such a tail was never acknowledged by this member (the archive
     * counts a write as recorded only once it completes), so it is cut off here and the leader sends it again.
     * Damage anywhere else stops the member with an error naming the file: its log cannot be trusted.
     *
     * @param fromPosition the log position replay starts from (the snapshot's), or MIN_VALUE for the log's start.
     */
    private void checkLogTail(final AeronArchive archive, final IdleStrategy idle, final RecordingLog recordingLog,
        final long fromPosition)
    {
        final long recordingId = recordingLog.findLastTermRecordingId();
        if (recordingId == Aeron.NULL_VALUE)
        {
            return;
        }
        final long[] bounds = bounds(archive, recordingId);
        if (bounds == null || bounds[1] == AeronArchive.NULL_POSITION)
        {
            return;
        }
        final long from = Math.max(bounds[0], fromPosition);
        if (from >= bounds[1])
        {
            return;
        }
        final long[] reached = {from};
        final String problem = replay(archive, idle, recordingId, from, bounds[1], (image) ->
        {
            drain(image, idle, bounds[1]);
            reached[0] = image.position();
            return image.position() < bounds[1] ? "replay ended at position " + image.position() : null;
        });
        if (problem == null)
        {
            return;
        }
        final java.util.regex.Matcher m = MISMATCH_POSITION.matcher(problem);
        final long damagedAt = m.find() ? Long.parseLong(m.group(1)) : reached[0];
        final String where = "log recording " + recordingId + " (" + files(recordingId) + ") is damaged at position " +
            damagedAt + " of " + bounds[1] + ": " + problem;
        if (bounds[1] - damagedAt > TORN_TAIL_WINDOW || !onlyBefore(recordingLog, damagedAt))
        {
            throw new IllegalStateException("member " + memberId + ": its " + where + ". The damage is not a torn " +
                "write at the end of the log, so this member's log cannot be trusted. Start it with " +
                "--rebuild-from-peers to set its files aside and copy the log from the other members.");
        }
        archive.truncateRecording(recordingId, damagedAt);
        log.accept(where + ". That is a write torn by a crash (within the last " + (bounds[1] - damagedAt) +
            " bytes, never acknowledged by this member); the log is cut back to position " + damagedAt +
            " and the leader sends the rest again.");
    }

    /** @return true when no term or snapshot in the recording log ends past {@code position}. */
    private static boolean onlyBefore(final RecordingLog recordingLog, final long position)
    {
        for (final RecordingLog.Entry e : recordingLog.entries())
        {
            if (e.isValid && e.logPosition != AeronArchive.NULL_POSITION && e.logPosition > position)
            {
                return false;
            }
        }
        return true;
    }

    /** @return the archive segment files of a recording, for messages. */
    private String files(final long recordingId)
    {
        final File[] segments = archiveDir.listFiles((dir, name) -> name.startsWith(recordingId + "-") &&
            name.endsWith(".rec"));
        if (segments == null || segments.length == 0)
        {
            return new File(archiveDir, recordingId + "-*.rec") + " (none on disk)";
        }
        final StringBuilder sb = new StringBuilder();
        for (final File f : segments)
        {
            sb.append(sb.length() == 0 ? "" : ", ").append(f);
        }
        return sb.toString();
    }

    /**
     * Replay one snapshot recording to its end.
     *
     * @return null when it reads back whole and sound, else what is wrong.
     */
    private String check(final AeronArchive archive, final IdleStrategy idle, final long recordingId,
        final boolean serviceSnapshot)
    {
        final long[] bounds = bounds(archive, recordingId);
        if (bounds == null)
        {
            return "recording " + recordingId + " is not in the archive's catalog";
        }
        if (bounds[1] == AeronArchive.NULL_POSITION || bounds[1] < bounds[0])
        {
            return "recording " + recordingId + " has no end (it was never stopped)";
        }
        return replay(archive, idle, recordingId, bounds[0], bounds[1], (image) ->
        {
            if (serviceSnapshot)
            {
                StardustService.verifySnapshot(image, idle, memberId, checkpointDir);
                return null;
            }
            drain(image, idle, bounds[1]);
            return image.position() < bounds[1] ? "replay ended at position " + image.position() + " of " +
                bounds[1] : null;
        });
    }

    /** @return {start, stop} positions of a recording, or null when the catalog does not have it. */
    private static long[] bounds(final AeronArchive archive, final long recordingId)
    {
        final long[] bounds = {Long.MIN_VALUE, Long.MIN_VALUE};
        final int found = archive.listRecording(recordingId, (controlSessionId, correlationId, id, startTimestamp,
            stopTimestamp, startPosition, stopPosition, initialTermId, segmentFileLength, termBufferLength,
            mtuLength, sessionId, streamId, strippedChannel, originalChannel, sourceIdentity) ->
        {
            bounds[0] = startPosition;
            bounds[1] = stopPosition;
        });
        return found == 0 ? null : bounds;
    }

    /**
     * Replay part of a recording into {@code reader}.
     *
     * @return what the reader found wrong, or what failed, with the archive's own error if it sent one; null if
     * all is well.
     */
    private String replay(final AeronArchive archive, final IdleStrategy idle, final long recordingId,
        final long from, final long to, final java.util.function.Function<Image, String> reader)
    {
        final Aeron aeron = archive.context().aeron();
        Subscription subscription = null;
        long replaySessionId = Aeron.NULL_VALUE;
        try
        {
            replaySessionId = archive.startReplay(recordingId, from, to - from, "aeron:ipc", REPLAY_STREAM_ID);
            subscription = aeron.addSubscription(
                ChannelUri.addSessionId("aeron:ipc", (int)replaySessionId), REPLAY_STREAM_ID);
            final Image image = awaitImage(subscription, idle);
            if (image == null)
            {
                return "the archive did not start a replay of recording " + recordingId + errorOf(archive);
            }
            final String problem = reader.apply(image);
            return problem == null ? null : "recording " + recordingId + ": " + problem + errorOf(archive);
        }
        catch (final RuntimeException ex)
        {
            return "recording " + recordingId + ": " + ex.getMessage() + errorOf(archive);
        }
        finally
        {
            CloseHelper.quietClose(subscription);
            if (replaySessionId != Aeron.NULL_VALUE)
            {
                try
                {
                    archive.stopReplay(replaySessionId);
                }
                catch (final RuntimeException ignore)
                {
                    // The replay already ended (at its end, or on an error).
                }
            }
        }
    }

    private static Image awaitImage(final Subscription subscription, final IdleStrategy idle)
    {
        final long deadline = System.nanoTime() + STALL_NS;
        idle.reset();
        while (subscription.imageCount() == 0)
        {
            if (System.nanoTime() - deadline > 0)
            {
                return null;
            }
            idle.idle();
        }
        return subscription.imageAtIndex(0);
    }

    /** Read an image to {@code stopPosition}, its end, or a stall. */
    private static void drain(final Image image, final IdleStrategy idle, final long stopPosition)
    {
        long lastProgressNs = System.nanoTime();
        long lastPosition = image.position();
        idle.reset();
        while (image.position() < stopPosition && !image.isClosed() && !image.isEndOfStream())
        {
            final int fragments = image.poll((buffer, offset, length, header) -> {}, 256);
            if (image.position() != lastPosition)
            {
                lastPosition = image.position();
                lastProgressNs = System.nanoTime();
            }
            else if (System.nanoTime() - lastProgressNs > STALL_NS)
            {
                return;
            }
            idle.idle(fragments);
        }
    }

    private static String errorOf(final AeronArchive archive)
    {
        try
        {
            final String error = archive.pollForErrorResponse();
            return error == null ? "" : " (archive: " + error + ")";
        }
        catch (final RuntimeException ex)
        {
            return " (archive: " + ex.getMessage() + ")";
        }
    }
}
