package io.stardust.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * PostgreSQL over JDBC at SERIALIZABLE, with {@code synchronous_commit} on (a commit waits for its WAL flush) or
 * off (it does not; a crash may lose the last few hundred milliseconds of commits, never consistency).
 */
public final class PostgresTarget implements Target
{
    /** SQLSTATEs of a transaction PostgreSQL aborted to keep it serializable. */
    private static final List<String> RETRYABLE = List.of("40001", "40P01");

    private final String url;
    private final String user;
    private final boolean synchronousCommit;
    private final long postmasterPid;

    /**
     * @param url               JDBC URL.
     * @param user              user name (trust authentication on loopback).
     * @param synchronousCommit the session's {@code synchronous_commit}.
     * @param postmasterPid     the server's main process, for CPU time; -1 when unknown.
     */
    public PostgresTarget(final String url, final String user, final boolean synchronousCommit,
        final long postmasterPid)
    {
        this.url = url;
        this.user = user;
        this.synchronousCommit = synchronousCommit;
        this.postmasterPid = postmasterPid;
    }

    @Override
    public String name()
    {
        return synchronousCommit ? "postgresql-sync" : "postgresql-async";
    }

    @Override
    public String durability()
    {
        return synchronousCommit ?
            "PostgreSQL 15, one server, SERIALIZABLE, synchronous_commit=on: a commit waits for its WAL fsync" :
            "PostgreSQL 15, one server, SERIALIZABLE, synchronous_commit=off: WAL flushed within about 200 ms " +
            "(wal_writer_delay), so a crash can lose recent acknowledged commits";
    }

    private Connection connect() throws SQLException
    {
        final Connection c = DriverManager.getConnection(url, user, "");
        try (Statement s = c.createStatement())
        {
            s.execute("SET synchronous_commit = " + (synchronousCommit ? "on" : "off"));
        }
        c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
        c.setAutoCommit(false);
        return c;
    }

    @Override
    public void load(final long records, final int valueBytes, final long accounts, final long balance)
        throws Exception
    {
        try (Connection c = connect(); Statement s = c.createStatement())
        {
            s.execute("DROP TABLE IF EXISTS usertable");
            s.execute("DROP TABLE IF EXISTS bank");
            s.execute("CREATE TABLE usertable (k text PRIMARY KEY, v bytea NOT NULL)");
            s.execute("CREATE TABLE bank (k text PRIMARY KEY, balance bigint NOT NULL)");
            try (PreparedStatement p = c.prepareStatement("INSERT INTO usertable VALUES (?, ?)"))
            {
                for (long n = 0; n < records; n++)
                {
                    p.setString(1, Records.key(n));
                    p.setBytes(2, Records.value(valueBytes, n));
                    p.addBatch();
                    if (n % 1_000 == 999)
                    {
                        p.executeBatch();
                    }
                }
                p.executeBatch();
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO bank VALUES (?, ?)"))
            {
                for (long n = 0; n < accounts; n++)
                {
                    p.setString(1, Records.account(n));
                    p.setLong(2, balance);
                    p.addBatch();
                }
                p.executeBatch();
            }
            c.commit();
            c.setAutoCommit(true);
            s.execute("VACUUM ANALYZE usertable");
            s.execute("VACUUM ANALYZE bank");
        }
    }

    @Override
    public Session session() throws SQLException
    {
        final Connection c = connect();
        final PreparedStatement read = c.prepareStatement("SELECT v FROM usertable WHERE k = ?");
        final PreparedStatement update = c.prepareStatement("UPDATE usertable SET v = ? WHERE k = ?");
        // As PostgreSQL's users write a transfer: the arithmetic in the UPDATE, the debit checked there, and the two
        // rows in key order, so that two transfers never wait on each other in opposite orders (a deadlock each
        // waits out deadlock_timeout). Read first and written in random order, the bank managed 1-4 txn/s.
        final PreparedStatement debit = c.prepareStatement(
            "UPDATE bank SET balance = balance - ? WHERE k = ? AND balance >= ?");
        final PreparedStatement credit = c.prepareStatement("UPDATE bank SET balance = balance + ? WHERE k = ?");
        final PreparedStatement total = c.prepareStatement("SELECT sum(balance) FROM bank");
        return new Session()
        {
            public byte[] read(final long record) throws SQLException
            {
                return run(() -> select(read, Records.key(record)));
            }

            public void update(final long record, final byte[] value) throws SQLException
            {
                run(() ->
                {
                    write(update, value, Records.key(record));
                    return null;
                });
            }

            public void readModifyWrite(final long record, final byte[] value) throws SQLException
            {
                run(() ->
                {
                    final String key = Records.key(record);
                    select(read, key);
                    write(update, value, key);
                    return null;
                });
            }

            public void transfer(final long from, final long to, final long amount) throws SQLException
            {
                run(() ->
                {
                    final String a = Records.account(from);
                    final String b = Records.account(to);
                    final boolean debitFirst = a.compareTo(b) < 0;
                    boolean covered = true;
                    for (int step = 0; step < 2; step++)
                    {
                        if ((step == 0) == debitFirst)
                        {
                            debit.setLong(1, amount);
                            debit.setString(2, a);
                            debit.setLong(3, amount);
                            covered = debit.executeUpdate() == 1;
                        }
                        else
                        {
                            credit.setLong(1, amount);
                            credit.setString(2, b);
                            credit.executeUpdate();
                        }
                    }
                    if (!covered)
                    {
                        // The balance did not cover it: nothing moves (Stardust's one-shot declines the same way).
                        c.rollback();
                    }
                    return null;
                });
            }

            public long totalBalance(final long accounts) throws SQLException
            {
                return run(() ->
                {
                    try (ResultSet rs = total.executeQuery())
                    {
                        rs.next();
                        return rs.getLong(1);
                    }
                });
            }

            private byte[] select(final PreparedStatement p, final String key) throws SQLException
            {
                p.setString(1, key);
                try (ResultSet rs = p.executeQuery())
                {
                    return rs.next() ? rs.getBytes(1) : null;
                }
            }

            private void write(final PreparedStatement p, final byte[] value, final String key) throws SQLException
            {
                p.setBytes(1, value);
                p.setString(2, key);
                p.executeUpdate();
            }

            /** One transaction: commit, or roll back and report a serialization failure as an abort. */
            private <T> T run(final SqlBody<T> body) throws SQLException
            {
                try
                {
                    final T result = body.run();
                    c.commit();
                    return result;
                }
                catch (final SQLException ex)
                {
                    c.rollback();
                    if (RETRYABLE.contains(ex.getSQLState()))
                    {
                        throw new Aborted(ex.getSQLState() + " " + ex.getMessage());
                    }
                    throw ex;
                }
            }

            public void close() throws SQLException
            {
                c.close();
            }
        };
    }

    /** A transaction's statements. */
    private interface SqlBody<T>
    {
        T run() throws SQLException;
    }

    /** scripts/bench/peers.sh sets max_connections to 300; a few stay free for the loader and the checks. */
    @Override
    public int maxClients()
    {
        return 256;
    }

    @Override
    public long serverCpuNanos()
    {
        return postmasterPid < 0 ? -1 : ProcessCpu.nanos(List.of(postmasterPid));
    }

    @Override
    public void close()
    {
    }
}
