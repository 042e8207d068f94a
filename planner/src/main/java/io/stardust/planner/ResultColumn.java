package io.stardust.planner;

/**
 * One column of a statement's result.
 *
 * @param name      its label.
 * @param sqlType   its {@link java.sql.Types} code.
 * @param typeName  its SQL type's name, e.g. {@code VARCHAR}.
 * @param precision digits or characters (0 when the type has none).
 * @param scale     digits after the point.
 * @param nullable  whether it may be NULL.
 * @param table     the table it comes from, or "".
 * @param column    the column it comes from, or "".
 */
public record ResultColumn(String name, int sqlType, String typeName, int precision, int scale, boolean nullable,
    String table, String column)
{
}
