package io.stardust.client;

/**
 * A control record (DDL, batch window, epoch limits) was sequenced; it applies from {@code effectiveEpoch}.
 */
public record ControlResult(long effectiveEpoch, long catalogVersion, long batchWindowMicros, String detail)
{
}
