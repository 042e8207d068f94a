package io.stardust.catalog;

/**
 * The column types Stardust stores. Every one is nullable unless its column says NOT NULL. Values travel as the Java
 * classes named here, which are also Calcite's internal representations: DATE as days since 1970-01-01 and TIMESTAMP
 * as milliseconds since 1970-01-01T00:00 (no time zone).
 */
public enum SqlType
{
    BIGINT(Long.class),
    INTEGER(Integer.class),
    SMALLINT(Short.class),
    DOUBLE(Double.class),
    /** Exact decimal with precision 1 to {@link ColumnType#MAX_DECIMAL_PRECISION} and scale 0 to precision. */
    DECIMAL(java.math.BigDecimal.class),
    /** Characters up to a declared length, 1 to {@link ColumnType#MAX_VARCHAR_LENGTH}. */
    VARCHAR(String.class),
    BOOLEAN(Boolean.class),
    /** Days since 1970-01-01. */
    DATE(Integer.class),
    /** Milliseconds since 1970-01-01T00:00, without a time zone. */
    TIMESTAMP(Long.class);

    private final Class<?> javaClass;

    SqlType(final Class<?> javaClass)
    {
        this.javaClass = javaClass;
    }

    /** @return the class of this type's values. */
    public Class<?> javaClass()
    {
        return javaClass;
    }

    /**
     * @param code the ordinal, as stored.
     * @return the type.
     * @throws IllegalArgumentException when no type has that code.
     */
    public static SqlType ofCode(final int code)
    {
        final SqlType[] all = values();
        if (code < 0 || code >= all.length)
        {
            throw new IllegalArgumentException("unknown column type code " + code);
        }
        return all[code];
    }
}
