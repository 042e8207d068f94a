package io.stardust.planner;

import io.stardust.catalog.ColumnType;
import io.stardust.catalog.SchemaChange;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses the statements Calcite's own grammar does not have: DDL (CREATE TABLE, DROP TABLE, CREATE [UNIQUE] INDEX,
 * DROP INDEX, ALTER TABLE ADD/DROP COLUMN) and transaction control (BEGIN, START TRANSACTION, COMMIT, ROLLBACK).
 * Anything else is left to Calcite.
 */
final class DdlParser
{
    /** A transaction control statement. */
    enum Control
    {
        BEGIN, BEGIN_READ_ONLY, COMMIT, ROLLBACK, STRICT_READS_ON, STRICT_READS_OFF
    }

    /**
     * What a statement is, when it is one of ours.
     *
     * @param change  the schema change, for DDL.
     * @param control the transaction control, otherwise.
     */
    record Parsed(SchemaChange change, Control control)
    {
    }

    private final List<SqlLexer.Token> tokens;
    private int at;

    private DdlParser(final List<SqlLexer.Token> tokens)
    {
        this.tokens = tokens;
    }

    /**
     * @param sql a statement.
     * @return the statement, or null when it is not DDL or transaction control (Calcite parses it).
     * @throws SqlError with the position of what is wrong.
     */
    static Parsed parse(final String sql)
    {
        final List<SqlLexer.Token> tokens;
        try
        {
            tokens = SqlLexer.tokens(sql);
        }
        catch (final SqlError ex)
        {
            return null; // Calcite reports it, with its own words.
        }
        final SqlLexer.Token first = tokens.get(0);
        final SqlLexer.Token second = tokens.size() > 1 ? tokens.get(1) : first;
        final boolean ours = first.is("begin") || first.is("commit") || first.is("rollback") || first.is("end") ||
            first.is("abort") || first.is("start") && second.is("transaction") || first.is("alter") ||
            first.is("set") && second.is("strict_reads") ||
            first.is("drop") || first.is("create") && (second.is("table") || second.is("index") ||
            second.is("unique"));
        return ours ? new DdlParser(tokens).statement() : null;
    }

    private Parsed statement()
    {
        final SqlLexer.Token first = next();
        final Parsed parsed = switch (first.text())
        {
            case "begin" -> begin(false);
            case "start" -> begin(true);
            case "commit", "end" -> control(Control.COMMIT);
            case "rollback", "abort" -> control(Control.ROLLBACK);
            case "set" -> strictReads();
            case "create" -> new Parsed(create(), null);
            case "drop" -> new Parsed(drop(), null);
            default -> new Parsed(alter(), null);
        };
        accept(";");
        if (peek().type() != SqlLexer.Type.END)
        {
            throw error("the end of the statement");
        }
        return parsed;
    }

    private Parsed begin(final boolean start)
    {
        if (start)
        {
            expect("transaction");
        }
        else if (!accept("work"))
        {
            accept("transaction");
        }
        boolean readOnly = false;
        while (peek().type() == SqlLexer.Type.WORD)
        {
            if (accept("isolation"))
            {
                expect("level");
                if (!accept("serializable"))
                {
                    // Stronger levels are allowed by the standard: every transaction is serializable.
                    if (accept("repeatable"))
                    {
                        expect("read");
                    }
                    else
                    {
                        expect("read");
                        if (!accept("committed"))
                        {
                            expect("uncommitted");
                        }
                    }
                }
            }
            else if (accept("read"))
            {
                if (accept("only"))
                {
                    readOnly = true;
                }
                else
                {
                    expect("write");
                }
            }
            else
            {
                break;
            }
            accept(",");
        }
        return new Parsed(null, readOnly ? Control.BEGIN_READ_ONLY : Control.BEGIN);
    }

    /** SET STRICT_READS = ON | OFF (or TO, TRUE, FALSE). */
    private Parsed strictReads()
    {
        expect("strict_reads");
        if (!accept("="))
        {
            expect("to");
        }
        final SqlLexer.Token value = next();
        if (value.is("on") || value.is("true"))
        {
            return new Parsed(null, Control.STRICT_READS_ON);
        }
        if (value.is("off") || value.is("false"))
        {
            return new Parsed(null, Control.STRICT_READS_OFF);
        }
        throw error(value, "ON or OFF");
    }

    private Parsed control(final Control control)
    {
        if (!accept("work"))
        {
            accept("transaction");
        }
        return new Parsed(null, control);
    }

    private SchemaChange create()
    {
        if (accept("table"))
        {
            return createTable();
        }
        final boolean unique = accept("unique");
        expect("index");
        final boolean ifNotExists = ifNotExists();
        final String name = identifier("an index name");
        expect("on");
        final String table = identifier("a table name");
        expect("(");
        final List<String> columns = new ArrayList<>();
        do
        {
            columns.add(identifier("a column name"));
            if (accept("desc"))
            {
                throw error(previous(), "an ascending column: indexes are in ascending order");
            }
            accept("asc");
        }
        while (accept(","));
        expect(")");
        return new SchemaChange.CreateIndex(name, table, unique, columns, ifNotExists);
    }

    private SchemaChange createTable()
    {
        final boolean ifNotExists = ifNotExists();
        final String name = identifier("a table name");
        expect("(");
        final List<SchemaChange.ColumnSpec> columns = new ArrayList<>();
        List<String> key = null;
        do
        {
            if (accept("constraint"))
            {
                identifier("a constraint name");
                key = primaryKey(key);
            }
            else if (peek().is("primary"))
            {
                key = primaryKey(key);
            }
            else if (peek().is("unique") || peek().is("foreign") || peek().is("check"))
            {
                throw unsupported(peek(), "table constraint " + peek().text().toUpperCase() +
                    " is not supported; use CREATE UNIQUE INDEX for uniqueness");
            }
            else
            {
                final String column = identifier("a column name");
                final ColumnType type = type();
                boolean nullable = true;
                while (true)
                {
                    if (accept("not"))
                    {
                        expect("null");
                        nullable = false;
                    }
                    else if (accept("null"))
                    {
                        nullable = true;
                    }
                    else if (peek().is("primary"))
                    {
                        final SqlLexer.Token at = peek();
                        next();
                        expect("key");
                        if (key != null)
                        {
                            throw error(at, "one primary key: " + name + " already has one");
                        }
                        key = List.of(column);
                    }
                    else if (peek().is("default") || peek().is("unique") || peek().is("references") ||
                        peek().is("check") || peek().is("generated"))
                    {
                        throw unsupported(peek(), "column constraint " + peek().text().toUpperCase() +
                            " is not supported");
                    }
                    else
                    {
                        break;
                    }
                }
                columns.add(new SchemaChange.ColumnSpec(column, type, nullable));
            }
        }
        while (accept(","));
        expect(")");
        return new SchemaChange.CreateTable(name, columns, key == null ? List.of() : key, ifNotExists);
    }

    private List<String> primaryKey(final List<String> existing)
    {
        final SqlLexer.Token at = peek();
        expect("primary");
        expect("key");
        if (existing != null)
        {
            throw error(at, "one primary key: the table already has one");
        }
        expect("(");
        final List<String> key = new ArrayList<>();
        do
        {
            key.add(identifier("a column name"));
        }
        while (accept(","));
        expect(")");
        return key;
    }

    private ColumnType type()
    {
        final SqlLexer.Token t = next();
        if (t.type() != SqlLexer.Type.WORD)
        {
            throw error(t, "a type");
        }
        switch (t.text())
        {
            case "bigint":
            case "int8":
                return ColumnType.BIGINT;
            case "int":
            case "integer":
            case "int4":
                return ColumnType.INTEGER;
            case "smallint":
            case "int2":
                return ColumnType.SMALLINT;
            case "double":
                accept("precision");
                return ColumnType.DOUBLE;
            case "float":
            case "float8":
            case "real":
                return ColumnType.DOUBLE;
            case "decimal":
            case "numeric":
            {
                if (!accept("("))
                {
                    return ColumnType.decimal(18, 0);
                }
                final int precision = number("a precision");
                final int scale = accept(",") ? number("a scale") : 0;
                expect(")");
                return ColumnType.decimal(precision, scale);
            }
            case "varchar":
                return varchar();
            case "character":
            case "char":
                if (accept("varying"))
                {
                    return varchar();
                }
                throw unsupported(t, "CHAR is not supported; use VARCHAR(n)");
            case "text":
            case "string":
                return ColumnType.varchar(ColumnType.MAX_VARCHAR_LENGTH);
            case "boolean":
            case "bool":
                return ColumnType.BOOLEAN;
            case "date":
                return ColumnType.DATE;
            case "timestamp":
                if (accept("without"))
                {
                    expect("time");
                    expect("zone");
                }
                else if (peek().is("with"))
                {
                    throw unsupported(peek(), "TIMESTAMP WITH TIME ZONE is not supported; use TIMESTAMP (UTC)");
                }
                return ColumnType.TIMESTAMP;
            default:
                throw unsupported(t, "type " + t.text().toUpperCase() + " is not supported; use BIGINT, INTEGER, " +
                    "SMALLINT, DOUBLE, DECIMAL(p,s), VARCHAR(n), BOOLEAN, DATE or TIMESTAMP");
        }
    }

    private ColumnType varchar()
    {
        if (!accept("("))
        {
            return ColumnType.varchar(ColumnType.MAX_VARCHAR_LENGTH);
        }
        final int length = number("a length");
        expect(")");
        return ColumnType.varchar(length);
    }

    private SchemaChange drop()
    {
        if (accept("table"))
        {
            final boolean ifExists = ifExists();
            return new SchemaChange.DropTable(identifier("a table name"), ifExists);
        }
        if (accept("index"))
        {
            final boolean ifExists = ifExists();
            return new SchemaChange.DropIndex(identifier("an index name"), ifExists);
        }
        throw error("TABLE or INDEX");
    }

    private SchemaChange alter()
    {
        expect("table");
        final String table = identifier("a table name");
        if (accept("add"))
        {
            accept("column");
            final String column = identifier("a column name");
            final ColumnType type = type();
            boolean nullable = true;
            if (accept("not"))
            {
                expect("null");
                nullable = false;
            }
            else
            {
                accept("null");
            }
            return new SchemaChange.AddColumn(table, new SchemaChange.ColumnSpec(column, type, nullable));
        }
        if (accept("drop"))
        {
            accept("column");
            return new SchemaChange.DropColumn(table, identifier("a column name"));
        }
        throw error("ADD COLUMN or DROP COLUMN");
    }

    private boolean ifNotExists()
    {
        if (accept("if"))
        {
            expect("not");
            expect("exists");
            return true;
        }
        return false;
    }

    private boolean ifExists()
    {
        if (accept("if"))
        {
            expect("exists");
            return true;
        }
        return false;
    }

    private String identifier(final String what)
    {
        final SqlLexer.Token t = next();
        if (t.type() == SqlLexer.Type.WORD || t.type() == SqlLexer.Type.QUOTED)
        {
            return t.text();
        }
        throw error(t, what);
    }

    private int number(final String what)
    {
        final SqlLexer.Token t = next();
        if (t.type() != SqlLexer.Type.NUMBER || t.text().length() > 9)
        {
            throw error(t, what);
        }
        return Integer.parseInt(t.text());
    }

    private boolean accept(final String word)
    {
        final SqlLexer.Token t = peek();
        if ((t.type() == SqlLexer.Type.WORD || t.type() == SqlLexer.Type.SYMBOL) && t.text().equals(word))
        {
            at++;
            return true;
        }
        return false;
    }

    private void expect(final String word)
    {
        if (!accept(word))
        {
            throw error(word.length() == 1 ? "'" + word + "'" : word.toUpperCase());
        }
    }

    private SqlLexer.Token peek()
    {
        return tokens.get(at);
    }

    private SqlLexer.Token previous()
    {
        return tokens.get(at - 1);
    }

    private SqlLexer.Token next()
    {
        final SqlLexer.Token t = tokens.get(at);
        if (t.type() != SqlLexer.Type.END)
        {
            at++;
        }
        return t;
    }

    private SqlError error(final String expected)
    {
        return error(peek(), expected);
    }

    private static SqlError error(final SqlLexer.Token t, final String expected)
    {
        return new SqlError(SqlError.SYNTAX_ERROR, "syntax error at line " + t.line() + ", column " + t.column() +
            ": expected " + expected + ", found " + t.describe());
    }

    private static SqlError unsupported(final SqlLexer.Token t, final String message)
    {
        return new SqlError(SqlError.FEATURE_NOT_SUPPORTED, "at line " + t.line() + ", column " + t.column() + ": " +
            message);
    }
}
