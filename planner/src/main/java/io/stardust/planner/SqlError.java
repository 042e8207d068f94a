package io.stardust.planner;

/**
 * A statement refused or failed, with its SQLSTATE: 40001 for a serialization conflict (retry the transaction),
 * 42xxx for syntax and name errors, 22xxx for values that do not fit, 23505 for a unique violation, 25xxx for
 * statements that do not fit the transaction state. Nothing of a failed statement is applied, and the session stays
 * usable.
 */
public final class SqlError extends RuntimeException
{
    /** A serialization failure: the transaction was aborted; run it again. */
    public static final String SERIALIZATION_FAILURE = "40001";
    public static final String SYNTAX_ERROR = "42601";
    public static final String UNDEFINED_TABLE = "42P01";
    public static final String UNDEFINED_COLUMN = "42703";
    public static final String UNDEFINED_OBJECT = "42704";
    public static final String DUPLICATE_TABLE = "42P07";
    public static final String DUPLICATE_COLUMN = "42701";
    public static final String INVALID_DEFINITION = "42P16";
    public static final String DATATYPE_MISMATCH = "42804";
    public static final String SYNTAX_OR_ACCESS = "42000";
    public static final String STRING_TOO_LONG = "22001";
    public static final String NUMERIC_OUT_OF_RANGE = "22003";
    public static final String INVALID_TEXT = "22P02";
    public static final String NOT_NULL_VIOLATION = "23502";
    public static final String UNIQUE_VIOLATION = "23505";
    public static final String ACTIVE_TRANSACTION = "25001";
    public static final String NO_ACTIVE_TRANSACTION = "25P01";
    public static final String IN_FAILED_TRANSACTION = "25P02";
    public static final String READ_ONLY_TRANSACTION = "25006";
    public static final String FEATURE_NOT_SUPPORTED = "0A000";
    public static final String CONNECTION_FAILURE = "08006";
    public static final String INTERNAL = "XX000";

    private final String sqlState;

    /**
     * @param sqlState the SQLSTATE.
     * @param message  what is wrong, naming the object and, for syntax, the position.
     */
    public SqlError(final String sqlState, final String message)
    {
        super(message, null, false, false);
        this.sqlState = sqlState;
    }

    /**
     * @param sqlState the SQLSTATE.
     * @param message  what is wrong.
     * @param cause    the underlying failure.
     */
    public SqlError(final String sqlState, final String message, final Throwable cause)
    {
        super(message, cause, false, false);
        this.sqlState = sqlState;
    }

    /** @return the SQLSTATE. */
    public String sqlState()
    {
        return sqlState;
    }

    /** @return true for errors that a retry of the whole transaction may cure (40001). */
    public boolean retryable()
    {
        return SERIALIZATION_FAILURE.equals(sqlState);
    }
}
