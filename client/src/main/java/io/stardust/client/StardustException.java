package io.stardust.client;

/**
 * Base of every error the client reports. {@link #isRetryable()} tells whether running the transaction again may
 * succeed.
 */
public class StardustException extends RuntimeException
{
    public StardustException(final String message)
    {
        super(message);
    }

    public StardustException(final String message, final Throwable cause)
    {
        super(message, cause);
    }

    /** @return true when a fresh attempt of the same transaction may succeed. */
    public boolean isRetryable()
    {
        return false;
    }
}
