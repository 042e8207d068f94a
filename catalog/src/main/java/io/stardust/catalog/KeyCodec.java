package io.stardust.catalog;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;

/**
 * Order-preserving encoding of SQL values: the unsigned byte order of two encoded keys is the SQL order of their
 * values, column by column, with NULL last (as PostgreSQL orders them, and Calcite by default). Storage compares keys as unsigned bytes, so a range scan over encoded
 * keys is a range scan in SQL order, and an index gives its columns' order without a sort.
 * <p>
 * Each value starts with a marker, 1 for a value and 2 for NULL, and ends where its type says, so the encoding of the
 * first n columns of a key is a prefix of the whole key's encoding.
 * <ul>
 * <li>BIGINT, INTEGER, SMALLINT, DATE, TIMESTAMP: 8 bytes, big-endian, sign bit flipped.</li>
 * <li>DOUBLE: the IEEE bits, sign bit flipped for positive values and all bits flipped for negative ones.</li>
 * <li>DECIMAL: the unscaled value at the column's scale, as 8 bytes (precision up to 18) or 16, sign bit
 * flipped.</li>
 * <li>VARCHAR: each UTF-16 unit as 1 byte (1..0x7F), 2 bytes (0x80..0x3FFF) or 3 bytes (the rest), a 0 unit as
 * 0x00 0xFF, ended by 0x00 0x00. The order is Java's {@code String.compareTo}.</li>
 * <li>BOOLEAN: one byte, FALSE before TRUE.</li>
 * </ul>
 */
public final class KeyCodec
{
    /** The marker of a value: every non-NULL value of a column starts with it. */
    public static final int VALUE = 1;
    /** The marker of NULL, which sorts after every value. */
    public static final int NULL = 2;

    private KeyCodec()
    {
    }

    /**
     * @param types  the key's column types.
     * @param values the values, already {@link ColumnType#coerce coerced}; as many as types, or fewer for a prefix.
     * @return the encoded key (or prefix).
     */
    public static byte[] encode(final List<ColumnType> types, final Object... values)
    {
        final Writer out = new Writer();
        for (int i = 0; i < values.length; i++)
        {
            encode(out, types.get(i), values[i]);
        }
        return out.toArray();
    }

    /**
     * @param out   where to append.
     * @param type  the value's type.
     * @param value the value, or null.
     */
    public static void encode(final Writer out, final ColumnType type, final Object value)
    {
        if (value == null)
        {
            out.u8(NULL);
            return;
        }
        out.u8(VALUE);
        encodeValue(out, type, value);
    }

    static void encodeValue(final Writer out, final ColumnType type, final Object value)
    {
        switch (type.type())
        {
            case BIGINT:
            case TIMESTAMP:
                out.u64(((Long)value) ^ Long.MIN_VALUE);
                break;
            case INTEGER:
            case DATE:
                out.u64(((Integer)value).longValue() ^ Long.MIN_VALUE);
                break;
            case SMALLINT:
                out.u64(((Short)value).longValue() ^ Long.MIN_VALUE);
                break;
            case DOUBLE:
            {
                final double d = (Double)value;
                final long bits = Double.doubleToLongBits(d == 0.0 ? 0.0 : d);
                out.u64(bits < 0 ? ~bits : bits ^ Long.MIN_VALUE);
                break;
            }
            case DECIMAL:
            {
                final BigInteger unscaled = ((BigDecimal)value).setScale(type.scale()).unscaledValue();
                if (type.precision() <= 18)
                {
                    out.u64(unscaled.longValueExact() ^ Long.MIN_VALUE);
                }
                else
                {
                    out.u64(unscaled.shiftRight(64).longValueExact() ^ Long.MIN_VALUE);
                    out.u64(unscaled.longValue());
                }
                break;
            }
            case VARCHAR:
            {
                final String s = (String)value;
                for (int i = 0; i < s.length(); i++)
                {
                    final int u = s.charAt(i);
                    if (u == 0)
                    {
                        out.u8(0).u8(0xFF);
                    }
                    else if (u < 0x80)
                    {
                        out.u8(u);
                    }
                    else if (u < 0x4000)
                    {
                        out.u8(0x80 | (u >>> 8)).u8(u & 0xFF);
                    }
                    else
                    {
                        out.u8(0xC0).u8(u >>> 8).u8(u & 0xFF);
                    }
                }
                out.u8(0).u8(0);
                break;
            }
            case BOOLEAN:
                out.u8((Boolean)value ? 1 : 0);
                break;
            default:
                throw new IllegalStateException("no encoding for " + type);
        }
    }

    /**
     * @param types the key's column types.
     * @param key   an encoded key.
     * @return its values.
     * @throws IllegalArgumentException when the bytes are not such a key.
     */
    public static Object[] decode(final List<ColumnType> types, final byte[] key)
    {
        final Reader in = new Reader(key, 0, key.length);
        final Object[] values = new Object[types.size()];
        for (int i = 0; i < values.length; i++)
        {
            values[i] = decode(in, types.get(i));
        }
        in.expectEnd();
        return values;
    }

    /**
     * @param in   positioned at a value's marker.
     * @param type its type.
     * @return the value, or null.
     */
    public static Object decode(final Reader in, final ColumnType type)
    {
        final int marker = in.u8();
        if (marker == NULL)
        {
            return null;
        }
        if (marker != VALUE)
        {
            throw new IllegalArgumentException("bad value marker " + marker);
        }
        return decodeValue(in, type);
    }

    static Object decodeValue(final Reader in, final ColumnType type)
    {
        switch (type.type())
        {
            case BIGINT:
            case TIMESTAMP:
                return in.u64() ^ Long.MIN_VALUE;
            case INTEGER:
            case DATE:
                return (int)(in.u64() ^ Long.MIN_VALUE);
            case SMALLINT:
                return (short)(in.u64() ^ Long.MIN_VALUE);
            case DOUBLE:
            {
                final long stored = in.u64();
                return Double.longBitsToDouble(stored < 0 ? stored ^ Long.MIN_VALUE : ~stored);
            }
            case DECIMAL:
            {
                if (type.precision() <= 18)
                {
                    return BigDecimal.valueOf(in.u64() ^ Long.MIN_VALUE, type.scale());
                }
                final BigInteger high = BigInteger.valueOf(in.u64() ^ Long.MIN_VALUE).shiftLeft(64);
                final BigInteger low = new BigInteger(Long.toUnsignedString(in.u64()));
                return new BigDecimal(high.or(low), type.scale());
            }
            case VARCHAR:
            {
                final StringBuilder sb = new StringBuilder();
                while (true)
                {
                    final int b = in.u8();
                    if (b == 0)
                    {
                        final int next = in.u8();
                        if (next == 0)
                        {
                            return sb.toString();
                        }
                        if (next != 0xFF)
                        {
                            throw new IllegalArgumentException("bad escape 0x00 0x" + Integer.toHexString(next));
                        }
                        sb.append('\0');
                    }
                    else if (b < 0x80)
                    {
                        sb.append((char)b);
                    }
                    else if (b < 0xC0)
                    {
                        sb.append((char)(((b & 0x3F) << 8) | in.u8()));
                    }
                    else
                    {
                        sb.append((char)((in.u8() << 8) | in.u8()));
                    }
                }
            }
            case BOOLEAN:
                return in.u8() != 0;
            default:
                throw new IllegalStateException("no encoding for " + type);
        }
    }

    /**
     * @param prefix an encoded key prefix.
     * @return the smallest key greater than every key that starts with the prefix: the exclusive end of a scan of it.
     */
    public static byte[] prefixEnd(final byte[] prefix)
    {
        // After a whole value the next byte is a marker (1 or 2), never 0xFF.
        final byte[] end = java.util.Arrays.copyOf(prefix, prefix.length + 1);
        end[prefix.length] = (byte)0xFF;
        return end;
    }

    /** Appends bytes to a growing array. */
    public static final class Writer
    {
        private byte[] bytes = new byte[32];
        private int length;

        /** @return this, after one byte. */
        public Writer u8(final int b)
        {
            if (length == bytes.length)
            {
                bytes = java.util.Arrays.copyOf(bytes, bytes.length * 2);
            }
            bytes[length++] = (byte)b;
            return this;
        }

        /** @return this, after 8 bytes big-endian. */
        public Writer u64(final long v)
        {
            for (int shift = 56; shift >= 0; shift -= 8)
            {
                u8((int)(v >>> shift));
            }
            return this;
        }

        /** @return this, after an unsigned varint. */
        public Writer varint(final long value)
        {
            long v = value;
            while ((v & ~0x7FL) != 0)
            {
                u8((int)((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            return u8((int)v);
        }

        /** @return this, after the bytes. */
        public Writer bytes(final byte[] b)
        {
            for (final byte x : b)
            {
                u8(x);
            }
            return this;
        }

        /** @return bytes written so far. */
        public int length()
        {
            return length;
        }

        /** @return a copy of the bytes written. */
        public byte[] toArray()
        {
            return java.util.Arrays.copyOf(bytes, length);
        }
    }

    /** Reads bytes, checking bounds. */
    public static final class Reader
    {
        private final byte[] bytes;
        private final int end;
        private int position;

        /**
         * @param bytes  the bytes.
         * @param offset where to start.
         * @param length how many may be read.
         */
        public Reader(final byte[] bytes, final int offset, final int length)
        {
            this.bytes = bytes;
            this.position = offset;
            this.end = offset + length;
        }

        int u8()
        {
            if (position >= end)
            {
                throw new IllegalArgumentException("value truncated at byte " + position);
            }
            return bytes[position++] & 0xFF;
        }

        long u64()
        {
            long v = 0;
            for (int i = 0; i < 8; i++)
            {
                v = (v << 8) | u8();
            }
            return v;
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

        int position()
        {
            return position;
        }

        void skip(final int n)
        {
            if (n > end - position)
            {
                throw new IllegalArgumentException("value truncated at byte " + position);
            }
            position += n;
        }

        boolean atEnd()
        {
            return position >= end;
        }

        void expectEnd()
        {
            if (position != end)
            {
                throw new IllegalArgumentException((end - position) + " bytes left after the key");
            }
        }
    }
}
