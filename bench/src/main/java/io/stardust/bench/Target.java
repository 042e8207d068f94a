package io.stardust.bench;

/**
 * A system under test: Stardust or a peer. Every system runs the same operations; each is one transaction.
 */
public interface Target extends AutoCloseable
{
    /** A transaction that lost a conflict (a serialization failure, a failed compare): the runner retries it. */
    final class Aborted extends RuntimeException
    {
        public Aborted(final String why)
        {
            super(why, null, false, false);
        }
    }

    /** One client's connection. Used by one thread. */
    interface Session extends AutoCloseable
    {
        /** Read one record in a transaction. */
        byte[] read(long record) throws Exception;

        /** Overwrite one record without reading it. */
        void update(long record, byte[] value) throws Exception;

        /** Read one record and write it back changed, in one serializable transaction. */
        void readModifyWrite(long record, byte[] value) throws Exception;

        /** Move {@code amount} from one account to another, in one serializable transaction. */
        void transfer(long from, long to, long amount) throws Exception;

        /** @return the sum of all balances, read in one transaction (checks the bank after a run). */
        long totalBalance(long accounts) throws Exception;

        @Override
        void close() throws Exception;
    }

    /** @return a short name for tables and charts. */
    String name();

    /** @return what an acknowledged commit survives, in words. */
    String durability();

    /**
     * Create the tables and load them.
     *
     * @param records    YCSB records, numbered from 0.
     * @param valueBytes bytes per record.
     * @param accounts   bank accounts, numbered from 0.
     * @param balance    each account's starting balance.
     */
    void load(long records, int valueBytes, long accounts, long balance) throws Exception;

    /** @return a new session. */
    Session session() throws Exception;

    /** @return CPU time used so far by the system's server processes, in nanoseconds; -1 when unknown. */
    long serverCpuNanos();

    /** @return the most sessions the system takes at once (PostgreSQL: its connection limit). */
    default int maxClients()
    {
        return 1024;
    }

    /**
     * Change the batch window (Stardust only).
     *
     * @return false when the system has none.
     */
    default boolean batchWindow(final long micros) throws Exception
    {
        return false;
    }
}
