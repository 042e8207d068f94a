package io.stardust.client;

/**
 * The cluster refused this client's credentials, or required some it did not give. The message says why: no
 * credentials, the database does not exist, or the password (or user) is wrong.
 */
public final class AuthenticationException extends StardustException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message why.
     */
    public AuthenticationException(final String message)
    {
        super(message);
    }
}
