package io.stardust.storage;

import io.stardust.protocol.Versions;

/**
 * One version of a row: its packed version, whether it is a tombstone, and its value bytes.
 * Rows are immutable; callers must not change {@link #value()}.
 */
public record Row(long version, boolean deleted, byte[] value)
{
    static final byte[] EMPTY = new byte[0];

    /** The row of a key that was never written. */
    public static final Row ABSENT = new Row(Versions.ABSENT, true, EMPTY);

    /** @return true when the row holds a value (not a tombstone, not absent). */
    public boolean isLive()
    {
        return !deleted;
    }

    static byte[] encode(final long version, final boolean deleted, final byte[] value)
    {
        final byte[] bytes = new byte[9 + value.length];
        long v = version;
        for (int i = 0; i < 8; i++)
        {
            bytes[i] = (byte)v;
            v >>>= 8;
        }
        bytes[8] = (byte)(deleted ? 1 : 0);
        System.arraycopy(value, 0, bytes, 9, value.length);
        return bytes;
    }

    static Row decode(final byte[] bytes)
    {
        if (bytes == null)
        {
            return ABSENT;
        }
        final byte[] value = new byte[bytes.length - 9];
        System.arraycopy(bytes, 9, value, 0, value.length);
        return new Row(decodeVersion(bytes), bytes[8] != 0, value);
    }

    static long decodeVersion(final byte[] bytes)
    {
        long v = 0;
        for (int i = 7; i >= 0; i--)
        {
            v = (v << 8) | (bytes[i] & 0xFF);
        }
        return v;
    }

    @Override
    public String toString()
    {
        return "Row{version=" + Versions.toString(version) + (deleted ? ", deleted" : ", " + value.length + " bytes")
            + "}";
    }
}
