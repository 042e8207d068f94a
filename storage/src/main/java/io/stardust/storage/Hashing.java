package io.stardust.storage;

/**
 * A fast, platform independent 64-bit hash for digests and checksums. Not cryptographic: it detects divergence
 * between replicas, it does not defend against an adversary.
 */
public final class Hashing
{
    /** Seed of every hash chain. */
    public static final long SEED = 0x9E3779B97F4A7C15L;
    private static final long M = 0xC6A4A7935BD1E995L;

    private Hashing()
    {
    }

    /**
     * Fold bytes into a running hash, length included.
     *
     * @param h     running hash.
     * @param bytes bytes.
     * @return the new hash.
     */
    public static long hash(final long h, final byte[] bytes)
    {
        long x = h ^ (bytes.length * M);
        int i = 0;
        for (; i + 8 <= bytes.length; i += 8)
        {
            long k = (bytes[i] & 0xFFL) | (bytes[i + 1] & 0xFFL) << 8 | (bytes[i + 2] & 0xFFL) << 16 |
                (bytes[i + 3] & 0xFFL) << 24 | (bytes[i + 4] & 0xFFL) << 32 | (bytes[i + 5] & 0xFFL) << 40 |
                (bytes[i + 6] & 0xFFL) << 48 | (bytes[i + 7] & 0xFFL) << 56;
            x = (x ^ mix(k)) * M;
        }
        long tail = 0;
        for (int shift = 0; i < bytes.length; i++, shift += 8)
        {
            tail |= (bytes[i] & 0xFFL) << shift;
        }
        return mix(x ^ mix(tail ^ 0x5851F42D4C957F2DL));
    }

    /**
     * Fold a long into a running hash.
     *
     * @param h     running hash.
     * @param value value.
     * @return the new hash.
     */
    public static long hash(final long h, final long value)
    {
        return mix((h ^ mix(value)) * M);
    }

    /**
     * The splitmix64 finaliser.
     *
     * @param z input.
     * @return well mixed output.
     */
    public static long mix(final long z)
    {
        long x = z;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }
}
