package io.stardust.storage;

/**
 * This replica's storage was marked failed ({@link Storage#fail(String)}): a fault stopped an epoch half applied, so
 * nothing may be read from it or written to it until it is rebuilt ({@link Storage#reset()}).
 */
public final class ReplicaFailedException extends RuntimeException
{
    private final String reason;

    /**
     * @param reason why the storage failed.
     */
    public ReplicaFailedException(final String reason)
    {
        super("replica failed, its storage serves nothing until rebuilt: " + reason);
        this.reason = reason;
    }

    /** @return why the storage failed. */
    public String reason()
    {
        return reason;
    }
}
