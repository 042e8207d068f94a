package io.stardust.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Keys and values as every system stores them, so all move the same bytes. */
public final class Records
{
    private Records()
    {
    }

    /** @return the YCSB-style key of record {@code n}, for example {@code user0000000042}. */
    public static String key(final long n)
    {
        return String.format("user%010d", n);
    }

    /** @return the key of bank account {@code n}. */
    public static String account(final long n)
    {
        return String.format("acct%08d", n);
    }

    /** @return {@code bytes} bytes derived from {@code seed}. */
    public static byte[] value(final int bytes, final long seed)
    {
        final byte[] v = new byte[bytes];
        Arrays.fill(v, (byte)('a' + Math.floorMod(seed, 26)));
        return v;
    }

    static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static long parseLong(final byte[] b)
    {
        return Long.parseLong(new String(b, StandardCharsets.UTF_8));
    }
}
