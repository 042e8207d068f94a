package io.stardust.client;

import io.stardust.protocol.codecs.AbortReason;

/**
 * The transaction's snapshot is no longer kept by the replica; start it again.
 */
public final class SnapshotTooOldException extends ConflictException
{
    public SnapshotTooOldException(final String message)
    {
        super(message, AbortReason.NONE, null, null, -1);
    }
}
