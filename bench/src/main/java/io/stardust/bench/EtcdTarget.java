package io.stardust.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * etcd 3.4, a 3-member cluster, through its transaction API: reads are linearizable gets; a read-modify-write is a
 * get, then a transaction that puts only if the key's mod revision is still the one read (else it aborts and is
 * retried), which makes it serializable. All sessions share one client.
 */
public final class EtcdTarget implements Target
{
    private final Client client;
    private final KV kv;
    private final List<Long> pids;

    /**
     * @param endpoints client URLs, comma-separated.
     * @param pids      the members' processes, for CPU time (empty when unknown).
     */
    public EtcdTarget(final String endpoints, final List<Long> pids)
    {
        this.client = Client.builder().endpoints(endpoints.split(",")).build();
        this.kv = client.getKVClient();
        this.pids = pids;
    }

    @Override
    public String name()
    {
        return "etcd";
    }

    @Override
    public String durability()
    {
        return "etcd 3.4, 3 members: acknowledged once a majority has fsynced it to its WAL";
    }

    private static ByteSequence bytes(final String s)
    {
        return ByteSequence.from(Records.utf8(s));
    }

    private static ByteSequence bytes(final byte[] b)
    {
        return ByteSequence.from(b);
    }

    @Override
    public void load(final long records, final int valueBytes, final long accounts, final long balance)
        throws Exception
    {
        kv.delete(bytes("user"), io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build())
            .get(60, TimeUnit.SECONDS);
        kv.delete(bytes("acct"), io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build())
            .get(60, TimeUnit.SECONDS);
        final List<CompletableFuture<TxnResponse>> inFlight = new ArrayList<>();
        // etcd takes at most 128 operations in one transaction (--max-txn-ops).
        final int batch = 100;
        for (long first = 0; first < records; first += batch)
        {
            final List<Op> puts = new ArrayList<>();
            for (long n = first; n < Math.min(records, first + batch); n++)
            {
                puts.add(Op.put(bytes(Records.key(n)), bytes(Records.value(valueBytes, n)), PutOption.DEFAULT));
            }
            inFlight.add(kv.txn().Then(puts.toArray(new Op[0])).commit());
            if (inFlight.size() >= 16)
            {
                inFlight.remove(0).get(60, TimeUnit.SECONDS);
            }
        }
        for (long first = 0; first < accounts; first += batch)
        {
            final List<Op> puts = new ArrayList<>();
            for (long n = first; n < Math.min(accounts, first + batch); n++)
            {
                puts.add(Op.put(bytes(Records.account(n)), bytes(Long.toString(balance)), PutOption.DEFAULT));
            }
            inFlight.add(kv.txn().Then(puts.toArray(new Op[0])).commit());
        }
        for (final CompletableFuture<TxnResponse> f : inFlight)
        {
            f.get(60, TimeUnit.SECONDS);
        }
    }

    @Override
    public Session session()
    {
        return new Session()
        {
            public byte[] read(final long record) throws Exception
            {
                final KeyValue found = get(bytes(Records.key(record)));
                return found == null ? null : found.getValue().getBytes();
            }

            public void update(final long record, final byte[] value) throws Exception
            {
                kv.put(bytes(Records.key(record)), bytes(value)).get(30, TimeUnit.SECONDS);
            }

            public void readModifyWrite(final long record, final byte[] value) throws Exception
            {
                final ByteSequence key = bytes(Records.key(record));
                final KeyValue found = get(key);
                final long revision = found == null ? 0 : found.getModRevision();
                final TxnResponse r = kv.txn()
                    .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(revision)))
                    .Then(Op.put(key, bytes(value), PutOption.DEFAULT))
                    .commit().get(30, TimeUnit.SECONDS);
                if (!r.isSucceeded())
                {
                    throw new Aborted("record " + record + " changed after it was read");
                }
            }

            public void transfer(final long from, final long to, final long amount) throws Exception
            {
                final ByteSequence a = bytes(Records.account(from));
                final ByteSequence b = bytes(Records.account(to));
                final KeyValue kvA = get(a);
                final KeyValue kvB = get(b);
                final long balanceA = Records.parseLong(kvA.getValue().getBytes());
                final long balanceB = Records.parseLong(kvB.getValue().getBytes());
                final TxnResponse r = kv.txn()
                    .If(new Cmp(a, Cmp.Op.EQUAL, CmpTarget.modRevision(kvA.getModRevision())),
                        new Cmp(b, Cmp.Op.EQUAL, CmpTarget.modRevision(kvB.getModRevision())))
                    .Then(Op.put(a, bytes(Long.toString(balanceA - amount)), PutOption.DEFAULT),
                        Op.put(b, bytes(Long.toString(balanceB + amount)), PutOption.DEFAULT))
                    .commit().get(30, TimeUnit.SECONDS);
                if (!r.isSucceeded())
                {
                    throw new Aborted("an account changed after it was read");
                }
            }

            public long totalBalance(final long accounts) throws Exception
            {
                // One range read: one revision, so one consistent snapshot.
                final GetResponse r = kv.get(bytes("acct"), GetOption.builder().isPrefix(true).build())
                    .get(30, TimeUnit.SECONDS);
                long total = 0;
                for (final KeyValue k : r.getKvs())
                {
                    total += Records.parseLong(k.getValue().getBytes());
                }
                return total;
            }

            private KeyValue get(final ByteSequence key) throws Exception
            {
                final GetResponse r = kv.get(key).get(30, TimeUnit.SECONDS);
                return r.getKvs().isEmpty() ? null : r.getKvs().get(0);
            }

            public void close()
            {
            }
        };
    }

    @Override
    public long serverCpuNanos()
    {
        return pids.isEmpty() ? -1 : ProcessCpu.nanos(pids);
    }

    @Override
    public void close()
    {
        client.close();
    }
}
