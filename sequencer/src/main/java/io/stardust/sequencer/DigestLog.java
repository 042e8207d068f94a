package io.stardust.sequencer;

/**
 * Digests of the most recent epochs, written by the service thread and read by the read endpoint.
 */
final class DigestLog
{
    private final long[] epochs;
    private final long[] digests;
    private final int mask;

    DigestLog(final int capacity)
    {
        epochs = new long[capacity];
        digests = new long[capacity];
        mask = capacity - 1;
    }

    synchronized void record(final long epoch, final long digest)
    {
        final int slot = (int)(epoch & mask);
        epochs[slot] = epoch;
        digests[slot] = digest;
    }

    /**
     * @param epoch epoch.
     * @return the digest, or null when not applied or no longer kept.
     */
    synchronized Long get(final long epoch)
    {
        final int slot = (int)(epoch & mask);
        return epochs[slot] == epoch && epoch > 0 ? digests[slot] : null;
    }

    synchronized void clear()
    {
        java.util.Arrays.fill(epochs, 0);
    }
}
