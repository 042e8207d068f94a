package io.stardust.planner;

import io.stardust.catalog.ColumnType;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * Turns a bound's value (a literal or a parameter, of whatever numeric or other type the statement gave it) into a
 * value of the key column's own type, exactly as the comparison means it: {@code k > 2.5} on an integer column is
 * {@code k > 2}; {@code k = 2.5} matches nothing; a bound past the type's range matches everything or nothing.
 */
final class KeyBounds
{
    /** The bound excludes every value. */
    static final Object NONE = new Object();
    /** The bound excludes no value. */
    static final Object ALL = new Object();

    /** A bound in the column's type, and whether it is included. */
    record Edge(Object value, boolean inclusive)
    {
    }

    private KeyBounds()
    {
    }

    /**
     * @return the column value equal to {@code raw}, or {@link #NONE} when no value of the column equals it.
     */
    static Object equal(final ColumnType type, final Object raw)
    {
        if (raw == null)
        {
            return NONE; // = NULL is never true
        }
        final BigDecimal n = numeric(type) ? number(raw) : null;
        if (n == null)
        {
            return nonNumeric(type, raw, true);
        }
        switch (type.type())
        {
            case BIGINT:
            case INTEGER:
            case SMALLINT:
            {
                if (n.stripTrailingZeros().scale() > 0 || n.compareTo(min(type)) < 0 || n.compareTo(max(type)) > 0)
                {
                    return NONE;
                }
                return integral(type, n.longValueExact());
            }
            case DECIMAL:
            {
                if (n.stripTrailingZeros().scale() > type.scale() || n.abs().compareTo(max(type)) > 0)
                {
                    return NONE;
                }
                return n.setScale(type.scale(), RoundingMode.UNNECESSARY);
            }
            case DOUBLE:
                return n.doubleValue() == 0.0 ? 0.0 : n.doubleValue();
            default:
                return NONE;
        }
    }

    /**
     * @return the lower edge in the column's type, {@link #ALL} when it excludes nothing, {@link #NONE} when it
     * excludes everything.
     */
    static Object lower(final ColumnType type, final Object raw, final boolean inclusive)
    {
        return edge(type, raw, inclusive, true);
    }

    /**
     * @return the upper edge in the column's type, {@link #ALL} or {@link #NONE}.
     */
    static Object upper(final ColumnType type, final Object raw, final boolean inclusive)
    {
        return edge(type, raw, inclusive, false);
    }

    private static Object edge(final ColumnType type, final Object raw, final boolean inclusive, final boolean lower)
    {
        if (raw == null)
        {
            return NONE; // a comparison with NULL is never true
        }
        final BigDecimal n = numeric(type) ? number(raw) : null;
        if (n == null)
        {
            final Object v = nonNumeric(type, raw, false);
            return v == NONE ? NONE : new Edge(v, inclusive);
        }
        switch (type.type())
        {
            case BIGINT:
            case INTEGER:
            case SMALLINT:
            case DECIMAL:
            {
                final int scale = type.type() == io.stardust.catalog.SqlType.DECIMAL ? type.scale() : 0;
                final BigDecimal hi = max(type);
                final BigDecimal lo = type.type() == io.stardust.catalog.SqlType.DECIMAL ? hi.negate() : min(type);
                if (lower ? n.compareTo(hi) > 0 : n.compareTo(lo) < 0)
                {
                    return NONE;
                }
                if (lower ? n.compareTo(lo) < 0 : n.compareTo(hi) > 0)
                {
                    return ALL;
                }
                final BigDecimal exact = n.setScale(scale, lower ? RoundingMode.FLOOR : RoundingMode.CEILING);
                final boolean same = exact.compareTo(n) == 0;
                // k > 2.5 is k > 2; k >= 2.5 is k > 2 too (on integers); k < 2.5 and k <= 2.5 are k < 3.
                final boolean include = same && inclusive;
                final Object value = scale == 0 && type.type() != io.stardust.catalog.SqlType.DECIMAL ?
                    integral(type, exact.longValueExact()) : exact;
                return new Edge(value, include);
            }
            case DOUBLE:
                return new Edge(n.doubleValue() == 0.0 ? 0.0 : n.doubleValue(), inclusive);
            default:
                return NONE;
        }
    }

    private static Object nonNumeric(final ColumnType type, final Object raw, final boolean equality)
    {
        try
        {
            final Object v = switch (type.type())
            {
                case VARCHAR -> raw instanceof String || raw instanceof Character ? raw.toString() : null;
                case BOOLEAN -> raw instanceof Boolean ? raw : null;
                case DATE -> raw instanceof Integer ? raw :
                    raw instanceof java.sql.Date d ? (Object)(int)d.toLocalDate().toEpochDay() :
                    raw instanceof java.time.LocalDate d ? (Object)(int)d.toEpochDay() : null;
                case TIMESTAMP -> raw instanceof Long ? raw : raw instanceof java.sql.Timestamp t ?
                    (Object)t.toLocalDateTime().toInstant(java.time.ZoneOffset.UTC).toEpochMilli() : null;
                default -> null;
            };
            if (v == null)
            {
                return NONE;
            }
            if (equality && type.type() == io.stardust.catalog.SqlType.VARCHAR &&
                ((String)v).length() > type.precision())
            {
                return NONE; // longer than any value of the column
            }
            return v;
        }
        catch (final RuntimeException ex)
        {
            return NONE;
        }
    }

    private static boolean numeric(final ColumnType type)
    {
        return switch (type.type())
        {
            case BIGINT, INTEGER, SMALLINT, DECIMAL, DOUBLE -> true;
            default -> false;
        };
    }

    private static BigDecimal number(final Object raw)
    {
        if (raw instanceof BigDecimal d)
        {
            return d;
        }
        if (raw instanceof Long || raw instanceof Integer || raw instanceof Short || raw instanceof Byte)
        {
            return BigDecimal.valueOf(((Number)raw).longValue());
        }
        if (raw instanceof BigInteger b)
        {
            return new BigDecimal(b);
        }
        if (raw instanceof Double || raw instanceof Float)
        {
            final double d = ((Number)raw).doubleValue();
            return Double.isFinite(d) ? BigDecimal.valueOf(d) : null;
        }
        return null;
    }

    private static Object integral(final ColumnType type, final long v)
    {
        return switch (type.type())
        {
            case INTEGER -> (int)v;
            case SMALLINT -> (short)v;
            default -> v;
        };
    }

    private static BigDecimal min(final ColumnType type)
    {
        return switch (type.type())
        {
            case INTEGER -> BigDecimal.valueOf(Integer.MIN_VALUE);
            case SMALLINT -> BigDecimal.valueOf(Short.MIN_VALUE);
            default -> BigDecimal.valueOf(Long.MIN_VALUE);
        };
    }

    private static BigDecimal max(final ColumnType type)
    {
        return switch (type.type())
        {
            case INTEGER -> BigDecimal.valueOf(Integer.MAX_VALUE);
            case SMALLINT -> BigDecimal.valueOf(Short.MAX_VALUE);
            case DECIMAL -> new BigDecimal(BigInteger.TEN.pow(type.precision()).subtract(BigInteger.ONE),
                type.scale());
            default -> BigDecimal.valueOf(Long.MAX_VALUE);
        };
    }
}
