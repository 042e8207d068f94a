package io.stardust.catalog;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A column's type with its parameters: precision and scale for DECIMAL, the length for VARCHAR, 0 otherwise.
 *
 * @param type      the SQL type.
 * @param precision DECIMAL digits, or VARCHAR characters; 0 for other types.
 * @param scale     DECIMAL digits after the point; 0 for other types.
 */
public record ColumnType(SqlType type, int precision, int scale)
{
    /** Largest DECIMAL precision: an unscaled value fits in 128 bits. */
    public static final int MAX_DECIMAL_PRECISION = 38;
    /** Longest VARCHAR, in characters (UTF-16 code units, as Java counts them). */
    public static final int MAX_VARCHAR_LENGTH = 65_535;

    public static final ColumnType BIGINT = new ColumnType(SqlType.BIGINT, 0, 0);
    public static final ColumnType INTEGER = new ColumnType(SqlType.INTEGER, 0, 0);
    public static final ColumnType SMALLINT = new ColumnType(SqlType.SMALLINT, 0, 0);
    public static final ColumnType DOUBLE = new ColumnType(SqlType.DOUBLE, 0, 0);
    public static final ColumnType BOOLEAN = new ColumnType(SqlType.BOOLEAN, 0, 0);
    public static final ColumnType DATE = new ColumnType(SqlType.DATE, 0, 0);
    public static final ColumnType TIMESTAMP = new ColumnType(SqlType.TIMESTAMP, 0, 0);

    /**
     * @param length most characters.
     * @return VARCHAR(length).
     */
    public static ColumnType varchar(final int length)
    {
        return new ColumnType(SqlType.VARCHAR, length, 0);
    }

    /**
     * @param precision digits in all.
     * @param scale     digits after the point.
     * @return DECIMAL(precision, scale).
     */
    public static ColumnType decimal(final int precision, final int scale)
    {
        return new ColumnType(SqlType.DECIMAL, precision, scale);
    }

    /**
     * @param type a type without parameters.
     * @return its column type.
     */
    public static ColumnType of(final SqlType type)
    {
        return new ColumnType(type, 0, 0);
    }

    /** @return null when the parameters suit the type, else why not. */
    public String problem()
    {
        switch (type)
        {
            case DECIMAL:
                if (precision < 1 || precision > MAX_DECIMAL_PRECISION)
                {
                    return "DECIMAL precision " + precision + " is outside 1.." + MAX_DECIMAL_PRECISION;
                }
                if (scale < 0 || scale > precision)
                {
                    return "DECIMAL scale " + scale + " is outside 0.." + precision;
                }
                return null;
            case VARCHAR:
                if (precision < 1 || precision > MAX_VARCHAR_LENGTH)
                {
                    return "VARCHAR length " + precision + " is outside 1.." + MAX_VARCHAR_LENGTH;
                }
                return scale == 0 ? null : "VARCHAR has no scale";
            default:
                return precision == 0 && scale == 0 ? null : type + " takes no parameters";
        }
    }

    /**
     * Check a value for a column of this type, and bring it to the type's form: a DECIMAL gets the column's scale
     * (digits past it are refused, never rounded away).
     *
     * @param column the column's name, for the message.
     * @param value  a value of {@link SqlType#javaClass()}, or null.
     * @return the value in the type's form.
     * @throws IllegalArgumentException naming the column and the problem.
     */
    public Object coerce(final String column, final Object value)
    {
        if (value == null)
        {
            return null;
        }
        if (!type.javaClass().isInstance(value))
        {
            throw new IllegalArgumentException("column '" + column + "' is " + this + ", not " +
                value.getClass().getSimpleName());
        }
        switch (type)
        {
            case VARCHAR:
            {
                final int length = ((String)value).length();
                if (length > precision)
                {
                    throw new IllegalArgumentException("value too long for column '" + column + "' " + this + ": " +
                        length + " characters");
                }
                return value;
            }
            case DECIMAL:
            {
                final BigDecimal decimal = (BigDecimal)value;
                final BigDecimal scaled;
                try
                {
                    scaled = decimal.setScale(scale, RoundingMode.UNNECESSARY);
                }
                catch (final ArithmeticException ex)
                {
                    throw new IllegalArgumentException("value " + decimal.toPlainString() + " has more than " +
                        scale + " digits after the point for column '" + column + "' " + this, ex);
                }
                if (scaled.precision() > precision && scaled.signum() != 0)
                {
                    throw new IllegalArgumentException("value " + decimal.toPlainString() + " is out of range for " +
                        "column '" + column + "' " + this);
                }
                return scaled;
            }
            case DOUBLE:
            {
                final double d = (Double)value;
                if (Double.isNaN(d))
                {
                    throw new IllegalArgumentException("NaN is not a value of column '" + column + "'");
                }
                return d == 0.0 ? 0.0 : d; // one zero: -0.0 and 0.0 are the same key
            }
            default:
                return value;
        }
    }

    @Override
    public String toString()
    {
        switch (type)
        {
            case DECIMAL:
                return "DECIMAL(" + precision + "," + scale + ")";
            case VARCHAR:
                return "VARCHAR(" + precision + ")";
            default:
                return type.name();
        }
    }
}
