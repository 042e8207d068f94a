package io.stardust.planner;

import io.stardust.catalog.ColumnType;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Brings a value from a statement (a literal, a parameter, an expression's result) to a column's Java form, refusing
 * what does not fit with the SQLSTATE a user expects: 22001 for a string too long, 22003 for a number out of range,
 * 42804 for a value of another type.
 */
final class Values
{
    private Values()
    {
    }

    /**
     * @param column the column's name, for messages.
     * @param type   its type.
     * @param value  a value, or null.
     * @return the value in the column's form (DECIMAL at the column's scale, rounded half up as SQL assignment does).
     * @throws SqlError when it does not fit.
     */
    static Object toColumn(final String column, final ColumnType type, final Object value)
    {
        if (value == null)
        {
            return null;
        }
        final Object converted = convert(column, type, value);
        try
        {
            return type.coerce(column, converted);
        }
        catch (final IllegalArgumentException ex)
        {
            final String message = ex.getMessage();
            throw new SqlError(message.startsWith("value too long") ? SqlError.STRING_TOO_LONG :
                message.contains("out of range") ? SqlError.NUMERIC_OUT_OF_RANGE : SqlError.DATATYPE_MISMATCH,
                message);
        }
    }

    private static Object convert(final String column, final ColumnType type, final Object value)
    {
        switch (type.type())
        {
            case BIGINT:
                return integral(column, type, value, Long.MIN_VALUE, Long.MAX_VALUE);
            case INTEGER:
                return (int)integral(column, type, value, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case SMALLINT:
                return (short)integral(column, type, value, Short.MIN_VALUE, Short.MAX_VALUE);
            case DOUBLE:
                if (value instanceof Number n)
                {
                    return n.doubleValue();
                }
                break;
            case DECIMAL:
                if (value instanceof Number n)
                {
                    final BigDecimal d = n instanceof BigDecimal b ? b : new BigDecimal(n.toString());
                    return d.setScale(type.scale(), RoundingMode.HALF_UP);
                }
                break;
            case VARCHAR:
                if (value instanceof String || value instanceof Character)
                {
                    return value.toString();
                }
                break;
            case BOOLEAN:
                if (value instanceof Boolean)
                {
                    return value;
                }
                break;
            case DATE:
                if (value instanceof Integer)
                {
                    return value;
                }
                if (value instanceof java.sql.Date d)
                {
                    return (int)d.toLocalDate().toEpochDay();
                }
                if (value instanceof java.time.LocalDate d)
                {
                    return (int)d.toEpochDay();
                }
                break;
            case TIMESTAMP:
                if (value instanceof Long)
                {
                    return value;
                }
                if (value instanceof java.sql.Timestamp t)
                {
                    return t.toLocalDateTime().toInstant(java.time.ZoneOffset.UTC).toEpochMilli();
                }
                if (value instanceof java.time.LocalDateTime t)
                {
                    return t.toInstant(java.time.ZoneOffset.UTC).toEpochMilli();
                }
                break;
            default:
                break;
        }
        throw new SqlError(SqlError.DATATYPE_MISMATCH, "column " + column + " is " + type + ", not " +
            value.getClass().getSimpleName() + " (" + value + ")");
    }

    private static long integral(
        final String column, final ColumnType type, final Object value, final long min, final long max)
    {
        if (!(value instanceof Number n))
        {
            throw new SqlError(SqlError.DATATYPE_MISMATCH, "column " + column + " is " + type + ", not " +
                value.getClass().getSimpleName() + " (" + value + ")");
        }
        final BigDecimal d = (n instanceof BigDecimal b ? b : new BigDecimal(n.toString()))
            .setScale(0, RoundingMode.HALF_UP);
        if (d.compareTo(BigDecimal.valueOf(min)) < 0 || d.compareTo(BigDecimal.valueOf(max)) > 0)
        {
            throw new SqlError(SqlError.NUMERIC_OUT_OF_RANGE, "value " + n + " is out of range for column " + column +
                " " + type);
        }
        return d.longValue();
    }
}
