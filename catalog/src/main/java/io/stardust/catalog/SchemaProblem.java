package io.stardust.catalog;

/**
 * Why a schema change, or a name in a statement, is refused.
 *
 * @param kind    what sort of problem, which decides the error code a client sees.
 * @param message the reason, naming what is wrong.
 */
public record SchemaProblem(Kind kind, String message)
{
    /** What sort of problem. */
    public enum Kind
    {
        /** A table, index or column of that name exists. */
        EXISTS,
        /** No table, index or column of that name. */
        UNKNOWN,
        /** Anything else: a bad name, type, key or limit. */
        INVALID
    }

    static SchemaProblem exists(final String message)
    {
        return new SchemaProblem(Kind.EXISTS, message);
    }

    static SchemaProblem unknown(final String message)
    {
        return new SchemaProblem(Kind.UNKNOWN, message);
    }

    static SchemaProblem invalid(final String message)
    {
        return new SchemaProblem(Kind.INVALID, message);
    }
}
