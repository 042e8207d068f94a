package io.stardust.client;

/**
 * No answer in time. For a commit the outcome is unknown: it may or may not have been applied.
 */
public final class StardustTimeoutException extends StardustException
{
    public StardustTimeoutException(final String message)
    {
        super(message);
    }
}
