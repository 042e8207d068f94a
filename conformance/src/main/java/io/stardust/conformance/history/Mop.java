package io.stardust.conformance.history;

import java.util.Arrays;

/**
 * One micro-operation of a list-append transaction: read a key's list, or append a unique value to it.
 *
 * @param append true for an append, false for a read.
 * @param key    the key.
 * @param value  the appended value (appends only).
 * @param read   the list read (reads only); null while unknown (not yet run, or the transaction failed).
 */
public record Mop(boolean append, long key, long value, long[] read)
{
    /** @return a read of {@code key} whose result is not known yet. */
    public static Mop read(final long key)
    {
        return new Mop(false, key, 0, null);
    }

    /** @return a read of {@code key} that saw {@code list}. */
    public static Mop read(final long key, final long... list)
    {
        return new Mop(false, key, 0, list.clone());
    }

    /** @return an append of {@code value} to {@code key}. */
    public static Mop append(final long key, final long value)
    {
        return new Mop(true, key, value, null);
    }

    /** @return this read with its result filled in. */
    public Mop withRead(final long[] list)
    {
        return new Mop(false, key, 0, list);
    }

    @Override
    public String toString()
    {
        return append ? "[append " + key + " " + value + "]" :
            "[r " + key + " " + (read == null ? "?" : Arrays.toString(read).replace(",", "")) + "]";
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof Mop m && m.append == append && m.key == key && m.value == value &&
            Arrays.equals(m.read, read);
    }

    @Override
    public int hashCode()
    {
        return Long.hashCode(key) * 31 + Long.hashCode(value) + Arrays.hashCode(read);
    }
}
