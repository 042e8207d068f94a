package io.stardust.catalog;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The little binary format of schema changes and catalogs: unsigned varints, length-prefixed UTF-8 strings. Reading
 * is bounded by the buffer and by the caller's limits, so a malformed record fails with a message, never with a huge
 * allocation.
 */
final class Wire
{
    private Wire()
    {
    }

    /** Appends to a growing array. */
    static final class Out
    {
        private byte[] bytes = new byte[64];
        private int length;

        Out u8(final int b)
        {
            ensure(1);
            bytes[length++] = (byte)b;
            return this;
        }

        Out varint(final long value)
        {
            long v = value;
            while ((v & ~0x7FL) != 0)
            {
                u8((int)((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            return u8((int)v);
        }

        Out bool(final boolean b)
        {
            return u8(b ? 1 : 0);
        }

        Out string(final String s)
        {
            final byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            varint(utf8.length);
            ensure(utf8.length);
            System.arraycopy(utf8, 0, bytes, length, utf8.length);
            length += utf8.length;
            return this;
        }

        byte[] toArray()
        {
            return Arrays.copyOf(bytes, length);
        }

        private void ensure(final int more)
        {
            if (length + more > bytes.length)
            {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
        }
    }

    /** Reads from a slice; every read checks what is left. */
    static final class In
    {
        private final byte[] bytes;
        private final int end;
        private int position;

        In(final byte[] bytes, final int offset, final int length)
        {
            this.bytes = bytes;
            this.position = offset;
            this.end = offset + length;
        }

        int u8()
        {
            if (position >= end)
            {
                throw new IllegalArgumentException("truncated: ended at byte " + position);
            }
            return bytes[position++] & 0xFF;
        }

        long varint()
        {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                final int b = u8();
                value |= (long)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }
            throw new IllegalArgumentException("varint longer than 10 bytes at byte " + position);
        }

        int count(final String what, final int max)
        {
            final long n = varint();
            if (n < 0 || n > max)
            {
                throw new IllegalArgumentException(what + " " + n + " is outside 0.." + max);
            }
            return (int)n;
        }

        boolean bool()
        {
            final int b = u8();
            if (b > 1)
            {
                throw new IllegalArgumentException("flag " + b + " is neither 0 nor 1");
            }
            return b == 1;
        }

        String string(final int maxBytes)
        {
            final int n = count("string length", maxBytes);
            if (n > end - position)
            {
                throw new IllegalArgumentException("string of " + n + " bytes overruns the record");
            }
            final String s = new String(bytes, position, n, StandardCharsets.UTF_8);
            position += n;
            return s;
        }

        void expectEnd()
        {
            if (position != end)
            {
                throw new IllegalArgumentException((end - position) + " bytes left after the record");
            }
        }
    }
}
