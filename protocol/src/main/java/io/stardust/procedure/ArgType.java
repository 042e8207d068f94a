package io.stardust.procedure;

/** The type of a procedure's parameter and of the argument a call passes for it. Codes are the wire's. */
public enum ArgType
{
    /** A signed 64-bit integer ({@code long}). */
    LONG(1),
    /** UTF-8 text ({@code String}). */
    STRING(2),
    /** Bytes ({@code byte[]}). */
    BYTES(3);

    private final int code;

    ArgType(final int code)
    {
        this.code = code;
    }

    /** @return the type's code on the wire. */
    public int code()
    {
        return code;
    }

    /** @return the type of a code, or null when unknown. */
    public static ArgType ofCode(final int code)
    {
        for (final ArgType t : values())
        {
            if (t.code == code)
            {
                return t;
            }
        }
        return null;
    }

    /** @return the type of a Java value a call may pass ({@code Long}, {@code Integer}, {@code String}, {@code byte[]}), or null. */
    public static ArgType of(final Object value)
    {
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte)
        {
            return LONG;
        }
        if (value instanceof String)
        {
            return STRING;
        }
        if (value instanceof byte[])
        {
            return BYTES;
        }
        return null;
    }
}
