package io.stardust.protocol;

/**
 * A row version is the commit position {@code (epoch, index)} of the write that produced it, packed in one long:
 * the epoch in the high 44 bits, the index within the epoch in the low 20 bits. Packed versions order like their
 * positions. {@link #ABSENT} (0) means no row was ever written.
 */
public final class Versions
{
    /** Bits of the index within an epoch. */
    public static final int INDEX_BITS = 20;
    /** The largest number of transactions one epoch can hold. */
    public static final int MAX_EPOCH_TRANSACTIONS = 1 << INDEX_BITS;
    /** Version of a key that was never written. */
    public static final long ABSENT = 0L;

    private Versions()
    {
    }

    public static long pack(final long epoch, final int index)
    {
        if (epoch < 0 || index < 0 || index >= MAX_EPOCH_TRANSACTIONS)
        {
            throw new IllegalArgumentException("version out of range: epoch=" + epoch + " index=" + index);
        }
        return (epoch << INDEX_BITS) | index;
    }

    public static long epoch(final long version)
    {
        return version >>> INDEX_BITS;
    }

    public static int index(final long version)
    {
        return (int)(version & (MAX_EPOCH_TRANSACTIONS - 1));
    }

    public static String toString(final long version)
    {
        return "(" + epoch(version) + "," + index(version) + ")";
    }
}
