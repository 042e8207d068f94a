package io.stardust.conformance;

import java.util.List;

/**
 * One client session as the anomaly catalogue drives it: one transaction at a time over text keys and values.
 * The key-value client implements it now ({@link KvSession}); SQL and JDBC sessions will implement it too, so every
 * scenario runs against every interface.
 */
interface Session extends AutoCloseable
{
    /** Start a transaction. */
    void begin();

    /** @return the value of {@code key} in the current transaction, or null when there is none. */
    String read(String key);

    /** Buffer a write of {@code key} in the current transaction. */
    void write(String key, String value);

    /** @return keys starting with {@code prefix} in the current transaction, in order (a predicate read). */
    List<String> scan(String prefix);

    /** @return true when the current transaction committed, false when the database refused it as a conflict. */
    boolean commit();

    /** @return which interface this is ("kv", "sql", "jdbc"). */
    String kind();

    /**
     * @return true when {@link #write} writes without reading (a key-value put); false when it reads the row first
     * (a SQL UPDATE), so that a concurrent writer of the row makes it stale.
     */
    default boolean blindWrites()
    {
        return true;
    }

    /** Give back what the session holds (a JDBC connection). */
    @Override
    default void close()
    {
    }
}
