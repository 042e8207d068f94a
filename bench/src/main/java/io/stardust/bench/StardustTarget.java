package io.stardust.bench;

import io.stardust.client.ClientConfig;
import io.stardust.client.CommitInfo;
import io.stardust.client.ConflictException;
import io.stardust.client.OneShot;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.protocol.ClusterSpec;
import io.stardust.test.ProcessCluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.stardust.bench.Records.utf8;

/**
 * Stardust: three member processes started here ({@link ProcessCluster}, real processes on loopback), or a running
 * cluster given by its spec. All sessions share one client, as an application would.
 */
public final class StardustTarget implements Target
{
    static final String TABLE = "usertable";
    static final String BANK = "bank";

    private final ProcessCluster cluster;
    private final StardustClient client;
    private final boolean fsync;
    private final boolean oneShot;

    /**
     * @param spec    a running cluster, or null to start three member processes here.
     * @param records records the tables must hold (sizes the members' storage).
     * @param workers scheduler workers per member.
     * @param fsync   members started here run {@code --durability fsync}, else {@code replicated}.
     * @param jvmOptions JVM options for the member processes started here.
     */
    public StardustTarget(final ClusterSpec spec, final long records, final int workers, final boolean fsync,
        final String... jvmOptions)
    {
        this(spec, records, workers, fsync, false, jvmOptions);
    }

    /**
     * @param oneShot read-modify-writes and transfers run as one-shot transactions (ops at their log position, never
     *                a conflict); balances are then counters. Reads and blind updates are the same either way.
     */
    public StardustTarget(final ClusterSpec spec, final long records, final int workers, final boolean fsync,
        final boolean oneShot, final String... jvmOptions)
    {
        this.fsync = fsync;
        this.oneShot = oneShot;
        if (spec == null)
        {
            cluster = new ProcessCluster(3).withJvmOptions(jvmOptions).withStartOptions(
                "--workers=" + workers,
                "--durability=" + (fsync ? "fsync" : "replicated"));
            cluster.startAll(true);
            client = cluster.connect((config) -> config.commitTimeout(Duration.ofSeconds(30)));
        }
        else
        {
            cluster = null;
            client = StardustClient.connect(new ClientConfig().clusterSpec(spec)
                .connectTimeout(Duration.ofSeconds(60)).commitTimeout(Duration.ofSeconds(30)));
        }
    }

    @Override
    public String name()
    {
        return (fsync ? "stardust" : "stardust-replicated") + (oneShot ? "-oneshot" : "");
    }

    @Override
    public String durability()
    {
        return fsync ? "--durability fsync: acknowledged once a majority of 3 members forced it to disk in its " +
            "Aeron Archive log (fdatasync per archive write, many commits each): survives a power loss of every " +
            "machine" : "--durability replicated: acknowledged once a majority of 3 members has it in its Aeron " +
            "Archive log in the page cache (no fsync): survives process crashes and a minority's power loss, not a " +
            "majority's";
    }

    @Override
    public void load(final long records, final int valueBytes, final long accounts, final long balance)
        throws Exception
    {
        client.createTable(TABLE).get(60, TimeUnit.SECONDS);
        client.createTable(BANK).get(60, TimeUnit.SECONDS);
        final List<CompletableFuture<CommitInfo>> inFlight = new ArrayList<>();
        final int batch = 100;
        for (long first = 0; first < records; first += batch)
        {
            final Transaction tx = client.begin();
            for (long n = first; n < Math.min(records, first + batch); n++)
            {
                tx.put(TABLE, utf8(Records.key(n)), Records.value(valueBytes, n));
            }
            inFlight.add(tx.commit());
            if (inFlight.size() >= 32)
            {
                inFlight.remove(0).get(60, TimeUnit.SECONDS);
            }
        }
        for (long first = 0; first < accounts; first += batch)
        {
            final Transaction tx = client.begin();
            for (long n = first; n < Math.min(accounts, first + batch); n++)
            {
                tx.put(BANK, utf8(Records.account(n)), oneShot ? OneShot.counter(balance) :
                    utf8(Long.toString(balance)));
            }
            inFlight.add(tx.commit());
        }
        for (final CompletableFuture<CommitInfo> f : inFlight)
        {
            f.get(60, TimeUnit.SECONDS);
        }
    }

    @Override
    public Session session()
    {
        return new Session()
        {
            public byte[] read(final long record)
            {
                final Transaction tx = client.begin();
                final byte[] v = tx.get(TABLE, utf8(Records.key(record)));
                tx.commitSync();
                return v;
            }

            public void update(final long record, final byte[] value)
            {
                final Transaction tx = client.begin();
                tx.put(TABLE, utf8(Records.key(record)), value);
                commit(tx);
            }

            public void readModifyWrite(final long record, final byte[] value)
            {
                if (oneShot)
                {
                    final byte[] key = utf8(Records.key(record));
                    client.oneShot().get(TABLE, key).put(TABLE, key, value).commitSync();
                    return;
                }
                final Transaction tx = client.begin();
                final byte[] key = utf8(Records.key(record));
                tx.get(TABLE, key);
                tx.put(TABLE, key, value);
                commit(tx);
            }

            public void transfer(final long from, final long to, final long amount)
            {
                if (oneShot)
                {
                    // The balance is checked at the log position; a short one is declined, never retried.
                    client.oneShot().add(BANK, utf8(Records.account(from)), -amount, 0, Long.MAX_VALUE)
                        .add(BANK, utf8(Records.account(to)), amount).commitSync();
                    return;
                }
                final Transaction tx = client.begin();
                final byte[] a = utf8(Records.account(from));
                final byte[] b = utf8(Records.account(to));
                final long balanceA = Records.parseLong(tx.get(BANK, a));
                final long balanceB = Records.parseLong(tx.get(BANK, b));
                tx.put(BANK, a, utf8(Long.toString(balanceA - amount)));
                tx.put(BANK, b, utf8(Long.toString(balanceB + amount)));
                commit(tx);
            }

            public long totalBalance(final long accounts)
            {
                final Transaction tx = client.begin();
                long total = 0;
                for (long n = 0; n < accounts; n++)
                {
                    final byte[] v = tx.get(BANK, utf8(Records.account(n)));
                    total += oneShot ? java.nio.ByteBuffer.wrap(v).getLong() : Records.parseLong(v);
                }
                tx.commitSync();
                return total;
            }

            public void close()
            {
            }
        };
    }

    private static void commit(final Transaction tx)
    {
        try
        {
            tx.commitSync();
        }
        catch (final ConflictException ex)
        {
            throw new Aborted(ex.getMessage());
        }
    }

    @Override
    public long serverCpuNanos()
    {
        if (cluster == null)
        {
            return -1;
        }
        final List<Long> pids = new ArrayList<>();
        for (int m = 0; m < 3; m++)
        {
            pids.add(cluster.pid(m));
        }
        return ProcessCpu.nanos(pids);
    }

    /** @return the client every session shares (for knobs and control records). */
    StardustClient client()
    {
        return client;
    }

    @Override
    public boolean batchWindow(final long micros) throws Exception
    {
        client.setBatchWindow(micros).get(30, TimeUnit.SECONDS);
        return true;
    }

    @Override
    public void close()
    {
        client.close();
        if (cluster != null)
        {
            cluster.close();
        }
    }
}
