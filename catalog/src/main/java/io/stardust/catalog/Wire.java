package io.stardust.catalog;

import java.nio.charset.StandardCharsets;

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

    /** Appends to a growing array: {@link KeyCodec.Writer}'s bytes and varints, and strings. */
    static final class Out
    {
        private final KeyCodec.Writer bytes = new KeyCodec.Writer();

        Out u8(final int b)
        {
            bytes.u8(b);
            return this;
        }

        Out varint(final long value)
        {
            bytes.varint(value);
            return this;
        }

        Out bool(final boolean b)
        {
            return u8(b ? 1 : 0);
        }

        Out string(final String s)
        {
            final byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            bytes.varint(utf8.length).bytes(utf8);
            return this;
        }

        byte[] toArray()
        {
            return bytes.toArray();
        }
    }

    /** Reads from a slice; every read checks what is left ({@link KeyCodec.Reader} underneath). */
    static final class In
    {
        private final byte[] bytes;
        private final KeyCodec.Reader reader;
        private final int end;

        In(final byte[] bytes, final int offset, final int length)
        {
            this.bytes = bytes;
            this.reader = new KeyCodec.Reader(bytes, offset, length);
            this.end = offset + length;
        }

        int u8()
        {
            return reader.u8();
        }

        long varint()
        {
            return reader.varint();
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
            final int position = reader.position();
            if (n > end - position)
            {
                throw new IllegalArgumentException("string of " + n + " bytes overruns the record");
            }
            final String s = new String(bytes, position, n, StandardCharsets.UTF_8);
            reader.skip(n);
            return s;
        }

        void expectEnd()
        {
            if (reader.position() != end)
            {
                throw new IllegalArgumentException((end - reader.position()) + " bytes left after the record");
            }
        }
    }
}
