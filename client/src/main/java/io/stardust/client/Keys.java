package io.stardust.client;

import java.nio.charset.StandardCharsets;

/**
 * Showing keys in messages.
 */
final class Keys
{
    private Keys()
    {
    }

    static String printable(final byte[] key)
    {
        if (key == null)
        {
            return "<none>";
        }
        for (final byte b : key)
        {
            if (b < 0x20 || b > 0x7E)
            {
                final StringBuilder sb = new StringBuilder("0x");
                for (final byte x : key)
                {
                    sb.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
                }
                return sb.toString();
            }
        }
        return "'" + new String(key, StandardCharsets.US_ASCII) + "'";
    }
}
