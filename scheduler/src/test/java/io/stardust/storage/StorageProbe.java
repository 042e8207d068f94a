package io.stardust.storage;

/**
 * Test-only access to package-private parts of {@link Storage} from the scheduler's tests (same package, test
 * sources only): the fault hook and the shape of a table's map.
 */
public final class StorageProbe
{
    private StorageProbe()
    {
    }

    /**
     * @param storage storage.
     * @param writes  writes of each epoch that succeed before the next one throws; negative for none.
     */
    public static void failAfterWrites(final Storage storage, final long writes)
    {
        storage.failAfterWrites(writes);
    }

    /** @return segments of the table's map, 0 when it has none. */
    public static int segments(final Storage storage, final int tableId)
    {
        final TableMap map = storage.tableMap(tableId);
        return map == null ? 0 : map.segments();
    }

    /** @return map files the table has had. */
    public static int generation(final Storage storage, final int tableId)
    {
        return storage.tableForTest(tableId).generation();
    }

    /** @return entries in the table, even when the storage failed. */
    public static long entries(final Storage storage, final int tableId)
    {
        return storage.tableForTest(tableId).size();
    }
}
