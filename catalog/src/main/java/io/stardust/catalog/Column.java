package io.stardust.catalog;

/**
 * One column of a table.
 *
 * @param id       the column's id within its table, never reused: rows store values by it, so dropping a column
 *                 and adding another never lets an old row's value surface under a new name.
 * @param name     the column's name.
 * @param type     its type.
 * @param nullable false when declared NOT NULL (primary key columns are always NOT NULL).
 * @param hidden   true for the row id a table without a declared primary key gets; SQL does not show it.
 */
public record Column(int id, String name, ColumnType type, boolean nullable, boolean hidden)
{
    /** The name of the hidden row id column. */
    public static final String ROW_ID = "_rowid";

    @Override
    public String toString()
    {
        return name + " " + type + (nullable ? "" : " NOT NULL");
    }
}
