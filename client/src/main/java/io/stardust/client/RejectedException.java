package io.stardust.client;

import io.stardust.protocol.codecs.ErrorCode;

/**
 * The request was refused as a whole (bad input, unknown table, too large, ...). Nothing of it was applied.
 */
public final class RejectedException extends StardustException
{
    private final ErrorCode code;

    public RejectedException(final ErrorCode code, final String message)
    {
        super(code + ": " + message);
        this.code = code;
    }

    /** @return what was wrong. */
    public ErrorCode code()
    {
        return code;
    }
}
