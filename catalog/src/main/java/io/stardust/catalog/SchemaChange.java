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
     * @param change   a change as a session bound to {@code database} states it.
     * @param database the session's database.
     * @return the change with its tables and indexes named as relations ({@code database/name}); changes of
     * databases themselves are unchanged.
     */
    static SchemaChange inDatabase(final SchemaChange change, final String database)
    {
        if (database == null || Catalog.DEFAULT_DATABASE.equals(database))
        {
            return change;
        }
        if (change instanceof CreateTable c)
        {
            return new CreateTable(Catalog.qualify(database, c.name()), c.columns(), c.primaryKey(), c.ifNotExists());
        }
        if (change instanceof DropTable d)
        {
            return new DropTable(Catalog.qualify(database, d.name()), d.ifExists());
        }
        if (change instanceof CreateIndex c)
        {
            return new CreateIndex(Catalog.qualify(database, c.name()), Catalog.qualify(database, c.table()),
                c.unique(), c.columns(), c.ifNotExists());
        }
        if (change instanceof DropIndex d)
        {
            return new DropIndex(Catalog.qualify(database, d.name()), d.ifExists());
        }
        if (change instanceof AddColumn a)
        {
            return new AddColumn(Catalog.qualify(database, a.table()), a.column());
        }
        if (change instanceof DropColumn d)
        {
            return new DropColumn(Catalog.qualify(database, d.table()), d.column());
        }
        return change;
    }

    /** @return true for a change of a database itself (create, drop, move): a cluster administrator's. */
    default boolean ofDatabase()
    {
        return this instanceof CreateDatabase || this instanceof DropDatabase || this instanceof MoveDatabase ||
            this instanceof RegisterProcedure;
    }

    /**
     * Registers a procedure version, cluster-wide (an administrator's change). Every member loads {@code className}
     * from what it has deployed and stops, loudly, when its class file's SHA-256 is not {@code sha256}: it could not
     * run the calls the way the others do.
     *
     * @param name       the name calls use.
     * @param version    the version (1 or more).
     * @param className  the class, deployed on every member.
     * @param sha256     SHA-256 of its class file, 64 hex digits.
     * @param stepBudget steps one call may take.
     */
    record RegisterProcedure(String name, int version, String className, String sha256, long stepBudget)
        implements SchemaChange
    {
        @Override
        public String describe()
        {
            return "register procedure " + name + " version " + version + " (" + className + ")";
        }
    }

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

    /**
     * CREATE DATABASE: a tenant with its owner, the owner's credential verifier and its serving location.
     *
     * @param name     the database.
     * @param owner    the user that owns it.
     * @param verifier the owner's credential verifier, in the authentication module's text form (never a password);
     *                 empty for none.
     * @param home     the datacenter that serves it.
     */
    record CreateDatabase(String name, String owner, String verifier, String home) implements SchemaChange
    {
        @Override
        public String describe()
        {
            return "CREATE DATABASE " + name + " OWNER " + owner + " HOME " + home;
        }
    }

    /**
     * DROP DATABASE, with every table and index in it.
     *
     * @param name     the database.
     * @param ifExists true: a missing database is not an error.
     */
    record DropDatabase(String name, boolean ifExists) implements SchemaChange
    {
        @Override
        public String describe()
        {
            return "DROP DATABASE " + name;
        }
    }

    /**
     * Move a database's serving location: its reads, read-only transactions and SQL sessions go to another
     * datacenter's members. Every replica still applies every write.
     *
     * @param name the database.
     * @param home the datacenter that serves it from now on.
     */
    record MoveDatabase(String name, String home) implements SchemaChange
    {
        @Override
        public String describe()
        {
            return "ALTER DATABASE " + name + " SET HOME " + home;
        }
    }
}
