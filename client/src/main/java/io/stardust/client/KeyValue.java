package io.stardust.client;

/**
 * A row returned by a scan, with its version {@code (versionEpoch, versionIndex)}.
 */
public record KeyValue(byte[] key, byte[] value, long versionEpoch, int versionIndex)
{
}
