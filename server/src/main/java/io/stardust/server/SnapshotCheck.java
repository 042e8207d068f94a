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
    private final Consumer<String> log;

    SnapshotCheck(final int memberId, final File archiveDir, final File clusterDir, final Consumer<String> log)
    {
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
                damaged++;
            }
        }
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
        final long[] bounds = {Long.MIN_VALUE, Long.MIN_VALUE};
        final int found;
        try
        {
            found = archive.listRecording(recordingId, (controlSessionId, correlationId, id, startTimestamp,
                stopTimestamp, startPosition, stopPosition, initialTermId, segmentFileLength, termBufferLength,
                mtuLength, sessionId, streamId, strippedChannel, originalChannel, sourceIdentity) ->
            {
                bounds[0] = startPosition;
                bounds[1] = stopPosition;
            });
        }
        catch (final RuntimeException ex)
        {
            return "recording " + recordingId + " cannot be listed: " + ex.getMessage();
        }
        if (found == 0)
        {
            return "recording " + recordingId + " is not in the archive's catalog";
        }
        if (bounds[1] == AeronArchive.NULL_POSITION || bounds[1] < bounds[0])
        {
            return "recording " + recordingId + " has no end (it was never stopped)";
        }
        final long length = bounds[1] - bounds[0];
        final Aeron aeron = archive.context().aeron();
        Subscription subscription = null;
        long replaySessionId = Aeron.NULL_VALUE;
        try
        {
            replaySessionId = archive.startReplay(recordingId, bounds[0], length, "aeron:ipc", REPLAY_STREAM_ID);
            subscription = aeron.addSubscription(
                ChannelUri.addSessionId("aeron:ipc", (int)replaySessionId), REPLAY_STREAM_ID);
            final Image image = awaitImage(subscription, idle);
            if (image == null)
            {
                return "the archive did not start a replay of recording " + recordingId + errorOf(archive);
            }
            if (serviceSnapshot)
            {
                StardustService.verifySnapshot(image, idle, memberId);
            }
            else
            {
                drain(image, idle, bounds[1]);
            }
            if (image.position() < bounds[1] && !serviceSnapshot)
            {
                return "recording " + recordingId + " ended at position " + image.position() + " of " + bounds[1] +
                    errorOf(archive);
            }
            return null;
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
