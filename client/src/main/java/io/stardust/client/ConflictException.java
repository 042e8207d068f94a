package io.stardust.client;

import io.stardust.protocol.codecs.AbortReason;

/**
 * The transaction was aborted by validation: something it read changed before its log position. Nothing of it was
 * applied; running it again (with fresh reads) may succeed.
 */
public class ConflictException extends StardustException
{
    private final AbortReason reason;
    private final String table;
    private final byte[] key;
    private final long epoch;

    public ConflictException(
        final String message, final AbortReason reason, final String table, final byte[] key, final long epoch)
    {
        super(message);
        this.reason = reason;
        this.table = table;
        this.key = key;
        this.epoch = epoch;
    }

    static ConflictException of(
        final long txnId, final AbortReason reason, final String table, final byte[] key, final long epoch,
        final int index)
    {
        return new ConflictException("transaction " + txnId + " aborted: " + reason + " on " + table + "/" +
            Keys.printable(key) + " (epoch " + epoch + ", index " + index + ")", reason, table, key, epoch);
    }

    /** @return why validation failed. */
    public AbortReason reason()
    {
        return reason;
    }

    /** @return table of the first conflicting key. */
    public String table()
    {
        return table;
    }

    /** @return the first conflicting key (for range conflicts, the key found in the range). */
    public byte[] key()
    {
        return key;
    }

    /** @return the epoch the transaction was sequenced into. */
    public long epoch()
    {
        return epoch;
    }

    @Override
    public boolean isRetryable()
    {
        return true;
    }
}
