package io.stardust.planner;

import io.stardust.catalog.SchemaProblem;
import org.apache.calcite.runtime.CalciteContextException;
import org.apache.calcite.tools.ValidationException;

/** Turns Calcite's validation failures into SQL errors with a SQLSTATE and the position in the statement. */
public final class Errors
{
    private Errors()
    {
    }

    /**
     * @param ex a validation failure.
     * @return the error a user sees: 42P01 for an unknown table, 42703 for an unknown column, 42804 for a type that
     * does not fit, 42000 otherwise; each with the line and column.
     */
    static SqlError validation(final ValidationException ex)
    {
        CalciteContextException context = null;
        for (Throwable t = ex; t != null; t = t.getCause())
        {
            if (t instanceof CalciteContextException c)
            {
                context = c;
                break;
            }
        }
        if (context == null)
        {
            return new SqlError(SqlError.SYNTAX_OR_ACCESS, ex.getMessage(), ex);
        }
        final String message = context.getCause() != null ? context.getCause().getMessage() : context.getMessage();
        final String where = "at line " + context.getPosLine() + ", column " + context.getPosColumn() + ": ";
        final String state;
        if (message.startsWith("Object '") && message.contains("' not found"))
        {
            state = SqlError.UNDEFINED_TABLE;
        }
        else if (message.startsWith("Column '") && message.contains("not found") ||
            message.startsWith("Unknown target column"))
        {
            state = SqlError.UNDEFINED_COLUMN;
        }
        else if (message.contains("does not allow NULLs"))
        {
            state = SqlError.NOT_NULL_VIOLATION;
        }
        else if (message.startsWith("Cannot apply") || message.startsWith("Cannot assign") ||
            message.contains("Cannot infer") || message.contains("type mismatch") ||
            message.startsWith("Values passed to") || message.contains("incompatible"))
        {
            state = SqlError.DATATYPE_MISMATCH;
        }
        else
        {
            state = SqlError.SYNTAX_OR_ACCESS;
        }
        return new SqlError(state, where + message, ex);
    }

    /**
     * @param kind    what the catalog found wrong.
     * @param message its words.
     * @return the error a user sees: 42P07 or 42701 for a name that exists, 42P01 or 42703 for one that does not,
     * 42P16 for a definition the catalog refuses.
     */
    public static SqlError schema(final SchemaProblem.Kind kind, final String message)
    {
        final boolean column = message.startsWith("column ");
        return new SqlError(switch (kind)
        {
            case EXISTS -> column ? SqlError.DUPLICATE_COLUMN : SqlError.DUPLICATE_TABLE;
            case UNKNOWN -> column || message.contains(" column ") ? SqlError.UNDEFINED_COLUMN :
                SqlError.UNDEFINED_TABLE;
            case INVALID -> SqlError.INVALID_DEFINITION;
        }, message);
    }

    /**
     * @param ex what a statement threw while it ran.
     * @return the error a user sees: 22003 for a number out of its type's range, 22P02 for text that is not a
     * number, 22012 for a division by zero, XX000 (with the cause) for anything else.
     */
    static SqlError execution(final Throwable ex)
    {
        Throwable root = ex;
        while (root.getCause() != null && root.getCause() != root)
        {
            root = root.getCause();
        }
        if (root instanceof ArithmeticException a)
        {
            final String m = String.valueOf(a.getMessage());
            return new SqlError(m.contains("by zero") ? "22012" : SqlError.NUMERIC_OUT_OF_RANGE,
                m.contains("by zero") ? "division by zero" : m, ex);
        }
        if (root instanceof NumberFormatException n)
        {
            return new SqlError(SqlError.INVALID_TEXT, "invalid input syntax for a number: " + n.getMessage(), ex);
        }
        return new SqlError(SqlError.INTERNAL, "statement failed: " + ex + (root == ex ? "" : " (" + root + ")"),
            ex);
    }
}
