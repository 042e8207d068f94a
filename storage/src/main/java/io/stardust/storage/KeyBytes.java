package io.stardust.storage;

import java.util.Arrays;
import java.util.Comparator;

/**
 * A (table, key) pair usable as a hash or ordered map key. Order is by table, then unsigned key bytes.
 */
public final class KeyBytes implements Comparable<KeyBytes>
{
    /** Unsigned lexicographic order of raw keys, the order of scans. */
    public static final Comparator<byte[]> ORDER = Arrays::compareUnsigned;

    private final int tableId;
    private final byte[] key;
    private final int hash;

    public KeyBytes(final int tableId, final byte[] key)
    {
        this.tableId = tableId;
        this.key = key;
        this.hash = 31 * tableId + Arrays.hashCode(key);
    }

    public int tableId()
    {
        return tableId;
    }

    public byte[] key()
    {
        return key;
    }

    @Override
    public int hashCode()
    {
        return hash;
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof KeyBytes other && other.hash == hash && other.tableId == tableId &&
            Arrays.equals(other.key, key);
    }

    @Override
    public int compareTo(final KeyBytes o)
    {
        final int c = Integer.compare(tableId, o.tableId);
        return c != 0 ? c : Arrays.compareUnsigned(key, o.key);
    }

    @Override
    public String toString()
    {
        return tableId + "/" + printable(key);
    }

    /**
     * @param key bytes.
     * @return the key as text when it is printable ASCII, else as hex prefixed with {@code 0x}.
     */
    public static String printable(final byte[] key)
    {
        boolean text = true;
        for (final byte b : key)
        {
            if (b < 0x20 || b > 0x7E)
            {
                text = false;
                break;
            }
        }
        if (text)
        {
            return "'" + new String(key, java.nio.charset.StandardCharsets.US_ASCII) + "'";
        }
        final StringBuilder sb = new StringBuilder("0x");
        for (final byte b : key)
        {
            sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }
}
