package io.stardust.catalog;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyCodecTest
{
    private static final List<ColumnType> TYPES = List.of(ColumnType.BIGINT, ColumnType.INTEGER, ColumnType.SMALLINT,
        ColumnType.DOUBLE, ColumnType.decimal(10, 2), ColumnType.decimal(38, 5), ColumnType.varchar(20),
        ColumnType.BOOLEAN, ColumnType.DATE, ColumnType.TIMESTAMP);

    @Test
    void shouldOrderEncodedValuesAsSqlOrdersThemForEveryType()
    {
        final Random random = new Random(42);
        for (final ColumnType type : TYPES)
        {
            final List<Object> values = new ArrayList<>();
            values.add(null);
            values.addAll(edges(type));
            for (int i = 0; i < 300; i++)
            {
                values.add(type.coerce("c", random(type, random)));
            }
            for (final Object a : values)
            {
                final byte[] ea = KeyCodec.encode(List.of(type), a);
                assertEquals(a, KeyCodec.decode(List.of(type), ea)[0], type + " round trip of " + a);
                for (final Object b : values.subList(0, 60))
                {
                    final byte[] eb = KeyCodec.encode(List.of(type), b);
                    assertEquals(Integer.signum(sqlCompare(a, b)), Integer.signum(Arrays.compareUnsigned(ea, eb)),
                        type + ": " + a + " vs " + b);
                }
            }
        }
    }

    @Test
    void shouldOrderCompositeKeysColumnByColumnAndKeepPrefixesAsPrefixes()
    {
        final List<ColumnType> types = List.of(ColumnType.varchar(10), ColumnType.BIGINT);
        final List<Object[]> keys = new ArrayList<>();
        for (final String s : new String[] {null, "", "a", "a\0", "ab", "b", "\u00e9", "\uffff"})
        {
            for (final Long n : new Long[] {null, Long.MIN_VALUE, -1L, 0L, 7L, Long.MAX_VALUE})
            {
                keys.add(new Object[] {s, n});
            }
        }
        final Comparator<Object[]> sql = (x, y) ->
        {
            final int c = sqlCompare(x[0], y[0]);
            return c != 0 ? c : sqlCompare(x[1], y[1]);
        };
        for (final Object[] x : keys)
        {
            final byte[] ex = KeyCodec.encode(types, x);
            final byte[] prefix = KeyCodec.encode(types, x[0]);
            assertArrayEquals(prefix, Arrays.copyOf(ex, prefix.length), "a prefix's encoding starts the key's");
            assertTrue(Arrays.compareUnsigned(ex, KeyCodec.prefixEnd(prefix)) < 0, "prefixEnd bounds the prefix");
            for (final Object[] y : keys)
            {
                final byte[] ey = KeyCodec.encode(types, y);
                assertEquals(Integer.signum(sql.compare(x, y)), Integer.signum(Arrays.compareUnsigned(ex, ey)),
                    Arrays.toString(x) + " vs " + Arrays.toString(y));
                if (sqlCompare(x[0], y[0]) > 0)
                {
                    assertTrue(Arrays.compareUnsigned(ey, KeyCodec.prefixEnd(prefix)) < 0);
                }
            }
        }
    }

    @Test
    void shouldRefuseMalformedKeysWithAMessage()
    {
        final List<ColumnType> types = List.of(ColumnType.varchar(5));
        assertThrows(IllegalArgumentException.class, () -> KeyCodec.decode(types, new byte[] {1, 'a'}));
        assertThrows(IllegalArgumentException.class, () -> KeyCodec.decode(types, new byte[] {7}));
        assertThrows(IllegalArgumentException.class, () -> KeyCodec.decode(types, new byte[] {1, 'a', 0, 3}));
        assertThrows(IllegalArgumentException.class, () -> KeyCodec.decode(types, new byte[] {2, 0}));
    }

    @Test
    void shouldRefuseValuesThatDoNotFitTheColumn()
    {
        assertEquals("value too long for column 'c' VARCHAR(3): 4 characters", assertThrows(
            IllegalArgumentException.class, () -> ColumnType.varchar(3).coerce("c", "abcd")).getMessage());
        assertEquals("value 1.234 has more than 2 digits after the point for column 'c' DECIMAL(5,2)", assertThrows(
            IllegalArgumentException.class, () -> ColumnType.decimal(5, 2).coerce("c", new BigDecimal("1.234")))
            .getMessage());
        assertEquals("value 1234 is out of range for column 'c' DECIMAL(5,2)", assertThrows(
            IllegalArgumentException.class, () -> ColumnType.decimal(5, 2).coerce("c", new BigDecimal("1234")))
            .getMessage());
        assertEquals("column 'c' is BIGINT, not String", assertThrows(
            IllegalArgumentException.class, () -> ColumnType.BIGINT.coerce("c", "1")).getMessage());
        assertEquals(new BigDecimal("1.50"), ColumnType.decimal(5, 2).coerce("c", new BigDecimal("1.5")));
    }

    private static List<Object> edges(final ColumnType type)
    {
        switch (type.type())
        {
            case BIGINT:
            case TIMESTAMP:
                return List.of(Long.MIN_VALUE, -1L, 0L, 1L, Long.MAX_VALUE);
            case INTEGER:
            case DATE:
                return List.of(Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE);
            case SMALLINT:
                return List.of(Short.MIN_VALUE, (short)-1, (short)0, Short.MAX_VALUE);
            case DOUBLE:
                return List.of(Double.NEGATIVE_INFINITY, -Double.MAX_VALUE, -1.0, -Double.MIN_VALUE, 0.0,
                    Double.MIN_VALUE, 1.0, Double.MAX_VALUE, Double.POSITIVE_INFINITY);
            case DECIMAL:
            {
                final BigDecimal max = new BigDecimal(BigInteger.TEN.pow(type.precision()).subtract(BigInteger.ONE),
                    type.scale());
                return List.of(max.negate(), BigDecimal.ZERO.setScale(type.scale()), max);
            }
            case VARCHAR:
                return List.of("", "\0", "\0\0", "a", "a\0", "\u007f", "\u0080", "\u3fff", "\u4000", "\uffff",
                    "\ud83d\ude00");
            default:
                return List.of(false, true);
        }
    }

    private static Object random(final ColumnType type, final Random random)
    {
        switch (type.type())
        {
            case BIGINT:
            case TIMESTAMP:
                return random.nextBoolean() ? random.nextLong() : (long)random.nextInt(100) - 50;
            case INTEGER:
            case DATE:
                return random.nextInt();
            case SMALLINT:
                return (short)random.nextInt();
            case DOUBLE:
                return random.nextBoolean() ? random.nextGaussian() * 1e6 :
                    Double.longBitsToDouble(random.nextLong() & 0x7FEFFFFFFFFFFFFFL) * (random.nextBoolean() ? 1 : -1);
            case DECIMAL:
            {
                final BigInteger unscaled = new BigInteger(type.precision() * 3, random)
                    .mod(BigInteger.TEN.pow(type.precision()));
                return new BigDecimal(random.nextBoolean() ? unscaled : unscaled.negate(), type.scale());
            }
            case VARCHAR:
            {
                final StringBuilder sb = new StringBuilder();
                final int n = random.nextInt(6);
                for (int i = 0; i < n; i++)
                {
                    final int kind = random.nextInt(4);
                    sb.append((char)(kind == 0 ? random.nextInt(3) : kind == 1 ? 'a' + random.nextInt(3) :
                        kind == 2 ? 0x80 + random.nextInt(0x4000) : random.nextInt(0x10000)));
                }
                return sb.toString();
            }
            default:
                return random.nextBoolean();
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static int sqlCompare(final Object a, final Object b)
    {
        if (a == null || b == null)
        {
            return a == null ? (b == null ? 0 : 1) : -1; // NULL last
        }
        return ((Comparable)a).compareTo(b);
    }
}
