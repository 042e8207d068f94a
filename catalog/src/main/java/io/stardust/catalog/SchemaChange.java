package io.stardust.catalog;

import java.util.List;

/**
 * One DDL statement as the log carries it. Every replica applies it between epochs to the same catalog, so they all
 * reach the same next version; {@link Catalog#check(SchemaChange)} says beforehand whether it would be refused.
 */
public sealed interface SchemaChange
{
    /** @return the statement in SQL, for acks and logs. */
    String describe();

    /**
     * A column as declared.
     *
     * @param name     its name.
     * @param type     its type.
     * @param nullable false for NOT NULL.
     */
    record ColumnSpec(String name, ColumnType type, boolean nullable)
    {
    }

    /**
     * CREATE TABLE. Without columns it makes a key-value table.
     *
     * @param name        the table.
     * @param columns     its columns, in order.
     * @param primaryKey  names of the primary key's columns; empty gives the table a hidden row id.
     * @param ifNotExists true: an existing table of that name is not an error.
     */
    record CreateTable(String name, List<ColumnSpec> columns, List<String> primaryKey, boolean ifNotExists)
        implements SchemaChange
    {
        public CreateTable
        {
            columns = List.copyOf(columns);
            primaryKey = List.copyOf(primaryKey);
        }

        /**
         * @param name the table.
         * @return CREATE TABLE of a key-value table.
         */
        public static CreateTable keyValue(final String name)
        {
            return new CreateTable(name, List.of(), List.of(), false);
        }

        @Override
        public String describe()
        {
            return columns.isEmpty() ? "create key-value table " + name : "CREATE TABLE " + name;
        }
    }

    /**
     * DROP TABLE, with its indexes.
     *
     * @param name     the table.
     * @param ifExists true: a missing table is not an error.
     */
    record DropTable(String name, boolean ifExists) implements SchemaChange
    {
        @Override
        public String describe()
        {
            return "DROP TABLE " + name;
        }
    }

    /**
     * CREATE [UNIQUE] INDEX name ON table (columns). Filled from the table's rows when it is applied.
     *
     * @param name        the index; indexes and tables share one namespace.
     * @param table       the table.
     * @param unique      true for UNIQUE.
     * @param columns     the indexed columns, in order.
     * @param ifNotExists true: an existing index of that name is not an error.
     */
    record CreateIndex(String name, String table, boolean unique, List<String> columns, boolean ifNotExists)
        implements SchemaChange
    {
        public CreateIndex
        {
            columns = List.copyOf(columns);
        }

        @Override
        public String describe()
        {
            return "CREATE " + (unique ? "UNIQUE " : "") + "INDEX " + name + " ON " + table + " " + columns;
        }
    }

    /**
     * DROP INDEX.
     *
     * @param name     the index.
     * @param ifExists true: a missing index is not an error.
     */
    record DropIndex(String name, boolean ifExists) implements SchemaChange
    {
        @Override
        public String describe()
        {
            return "DROP INDEX " + name;
        }
    }

    /**
     * ALTER TABLE ADD COLUMN. Old rows are not rewritten: they read NULL for it.
     *
     * @param table  the table.
     * @param column the new column; it must be nullable.
     */
    record AddColumn(String table, ColumnSpec column) implements SchemaChange
    {
        @Override
        public String describe()
        {
            return "ALTER TABLE " + table + " ADD COLUMN " + column.name();
        }
    }

    /**
     * ALTER TABLE DROP COLUMN. Old rows are not rewritten: their value of it is skipped when read.
     *
     * @param table  the table.
     * @param column the column; not part of the primary key or of an index.
     */
    record DropColumn(String table, String column) implements SchemaChange
    {
        @Override
        public String describe()
        {
            return "ALTER TABLE " + table + " DROP COLUMN " + column;
        }
    }
}
