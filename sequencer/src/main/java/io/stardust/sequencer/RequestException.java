package io.stardust.sequencer;

import io.stardust.protocol.codecs.ErrorCode;

/**
 * A request that is refused as a whole with an {@code ErrorResponse}; nothing of it was applied.
 */
public final class RequestException extends RuntimeException
{
    private final ErrorCode code;

    public RequestException(final ErrorCode code, final String message)
    {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code()
    {
        return code;
    }
}
