package io.stardust.storage;

/** Reaches storage's test-only fault hook from the integration tests (it is package-private on purpose). */
public final class StorageFaults
{
    private StorageFaults()
    {
    }

    /**
     * @param storage a member's storage.
     * @param writes  writes of each epoch that succeed before the next one throws, as a fault mid-apply would.
     */
    public static void failAfterWrites(final Storage storage, final long writes)
    {
        storage.failAfterWrites(writes);
    }
}
