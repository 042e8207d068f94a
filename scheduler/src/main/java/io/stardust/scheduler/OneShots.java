package io.stardust.scheduler;

import io.stardust.storage.KeyBytes;
import io.stardust.storage.Row;
import io.stardust.storage.Storage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Runs an epoch's one-shot transactions at their log positions: each sees the state at the start of the epoch with
 * the writes of every earlier committed transaction of the epoch (validated or one-shot) on it, so the epoch's order
 * is their serial order and they never abort on a conflict, only on a false condition.
 * <p>
 * One-shots that share no key are independent. They are grouped by the keys they name (a union of their key sets):
 * each group runs alone, in index order, with the committed validated writes to its keys merged in at their indices.
 * Groups run on any worker, in any order: what each computes depends only on the state at the start of the epoch and
 * on its own members, so the effects are the same for any worker count. Storage is only read here; the scheduler
 * applies the effects afterwards, with every other write, in index order.
 */
final class OneShots
{
    private static final byte[] ABSENT = null;

    private OneShots()
    {
    }

    /** @return true when some record is a one-shot. */
    static boolean any(final TxnRecord[] records)
    {
        for (final TxnRecord record : records)
        {
            if (record.isOneShot())
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @param storage  storage at the start of the epoch (not being written).
     * @param records  the epoch's transactions.
     * @param outcomes validated transactions' outcomes, already decided; one-shots' are filled in here.
     * @param workers  worker count.
     * @param parallel runs a task on every worker (the scheduler's pool).
     * @return per transaction, a one-shot's effect (null for validated transactions).
     */
    static OneShotEffect[] run(final Storage storage, final Procedures procedures, final RowOps rowOps,
        final TxnRecord[] records, final Outcome[] outcomes, final int workers, final Consumer<IntConsumer> parallel,
        final OneShotExecution mode)
    {
        if (mode == OneShotExecution.ORDERED_LOCKS)
        {
            return OrderedLocks.run(storage, procedures, rowOps, records, outcomes, workers, parallel);
        }
        final int n = records.length;
        // Union-find over one-shot indices, joined through the keys they name.
        final int[] parent = new int[n];
        Arrays.setAll(parent, (i) -> i);
        final Map<KeyBytes, Integer> firstByKey = new HashMap<>();
        for (int i = 0; i < n; i++)
        {
            for (final TxnRecord.Op op : records[i].ops())
            {
                final Integer other = firstByKey.putIfAbsent(new KeyBytes(op.tableId(), op.key()), i);
                if (other != null)
                {
                    union(parent, other, i);
                }
            }
        }
        // Groups in order of their first member; members ascending.
        final Map<Integer, Group> groups = new LinkedHashMap<>();
        for (int i = 0; i < n; i++)
        {
            if (records[i].isOneShot())
            {
                groups.computeIfAbsent(find(parent, i), (r) -> new Group()).oneShots.add(i);
            }
        }
        // Committed validated transactions that write a group's keys, at their indices.
        for (int j = 0; j < n; j++)
        {
            if (records[j].isOneShot() || !outcomes[j].committed())
            {
                continue;
            }
            Group last = null;
            for (final TxnRecord.Write w : records[j].writes())
            {
                final Integer owner = firstByKey.get(new KeyBytes(w.tableId(), w.key()));
                if (owner != null)
                {
                    final Group g = groups.get(find(parent, owner));
                    if (g != last && (g.writers.isEmpty() || g.writers.get(g.writers.size() - 1) != j))
                    {
                        g.writers.add(j);
                    }
                    last = g;
                }
            }
        }
        final Group[] ordered = groups.values().toArray(new Group[0]);
        final OneShotEffect[] effects = new OneShotEffect[n];
        parallel.accept((w) ->
        {
            for (int g = w; g < ordered.length; g += workers)
            {
                ordered[g].run(storage, procedures, rowOps, records, outcomes, effects);
            }
        });
        return effects;
    }

    private static int find(final int[] parent, final int i)
    {
        int r = i;
        while (parent[r] != r)
        {
            r = parent[r];
        }
        int x = i;
        while (parent[x] != r)
        {
            final int next = parent[x];
            parent[x] = r;
            x = next;
        }
        return r;
    }

    private static void union(final int[] parent, final int a, final int b)
    {
        final int ra = find(parent, a);
        final int rb = find(parent, b);
        if (ra != rb)
        {
            // The smaller index is the root, so that a group's root is its first member whatever the join order.
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }

    /** One-shots that share keys, and the validated writers of those keys. */
    private static final class Group
    {
        final List<Integer> oneShots = new ArrayList<>();
        final List<Integer> writers = new ArrayList<>();
        /** The group's keys as the epoch has left them so far: a value, or {@link #ABSENT}. */
        final Map<KeyBytes, byte[]> state = new HashMap<>();

        void run(final Storage storage, final Procedures procedures, final RowOps rowOps, final TxnRecord[] records,
            final Outcome[] outcomes, final OneShotEffect[] effects)
        {
            int a = 0;
            int b = 0;
            while (a < oneShots.size())
            {
                final int next = oneShots.get(a);
                if (b < writers.size() && writers.get(b) < next)
                {
                    for (final TxnRecord.Write w : records[writers.get(b++)].writes())
                    {
                        final KeyBytes key = new KeyBytes(w.tableId(), w.key());
                        state.put(key, w.delete() ? ABSENT : w.value());
                    }
                    continue;
                }
                a++;
                final OneShotEffect effect = runOneShot(procedures, rowOps, records[next], (key) -> before(storage, key));
                effects[next] = effect;
                if (effect.committed())
                {
                    outcomes[next] = Outcome.COMMITTED;
                    for (final TxnRecord.Write w : effect.writes())
                    {
                        state.put(new KeyBytes(w.tableId(), w.key()), w.delete() ? ABSENT : w.value());
                    }
                }
                else
                {
                    outcomes[next] = aborted(records[next], effect);
                }
            }
        }

        /** @return the key's value before the next one-shot of the group: the group's view, else storage's. */
        private byte[] before(final Storage storage, final KeyBytes key)
        {
            if (state.containsKey(key))
            {
                return state.get(key);
            }
            final byte[] value = atStart(storage, key);
            state.put(key, value);
            return value;
        }
    }

    /** @return the key's value at the start of the epoch, or {@link #ABSENT}. */
    static byte[] atStart(final Storage storage, final KeyBytes key)
    {
        final Row row = storage.latest(key.tableId(), key.key());
        return row.isLive() ? row.value() : ABSENT;
    }

    /** @return an aborted one-shot's outcome: the failed op's key, or the procedure's reason. */
    static Outcome aborted(final TxnRecord txn, final OneShotEffect effect)
    {
        if (effect.failedOp() >= 0)
        {
            final TxnRecord.Op failed = txn.ops()[effect.failedOp()];
            return new Outcome(AbortReason.CONDITION_FAILED, failed.tableId(), failed.key());
        }
        return new Outcome(effect.reason(), -1, null);
    }

    /** A key's value before the one-shot that asks: the state every earlier transaction of the epoch left. */
    interface Before
    {
        byte[] read(KeyBytes key);
    }

    /**
     * Run one one-shot against the state before it.
     *
     * @return its effect.
     */
    static OneShotEffect runOneShot(final Procedures procedures, final RowOps rowOps, final TxnRecord txn,
        final Before before)
    {
        return txn.call() != null ? runCall(procedures, txn, before) : runOps(rowOps, txn, before);
    }

    private static OneShotEffect runCall(final Procedures procedures, final TxnRecord txn, final Before before)
    {
        final TxnRecord.Call call = txn.call();
        final Procedures.Loaded procedure = procedures == null ? null :
            procedures.find(call.procedure(), call.version());
        if (procedure == null)
        {
            // The sequencer checked the call against the same registrations: not reachable unless they differ.
            throw new IllegalStateException("procedure " + call.procedure() + " version " + call.version() +
                " is not loaded on this replica, though the log registered it");
        }
        final TxnRecord.Op[] keys = txn.ops();
        final KeyBytes[] ids = new KeyBytes[keys.length];
        for (int i = 0; i < keys.length; i++)
        {
            ids[i] = new KeyBytes(keys[i].tableId(), keys[i].key());
        }
        final ProcedureCall.Result result = ProcedureCall.run(procedure, txn, (i) -> before.read(ids[i]));
        if (!result.effect().committed())
        {
            return result.effect();
        }
        final List<TxnRecord.Write> writes = new ArrayList<>();
        for (int i = 0; i < keys.length; i++)
        {
            if (result.written()[i])
            {
                final byte[] v = result.effect().results()[i];
                writes.add(new TxnRecord.Write(keys[i].tableId(), keys[i].key(), v == ABSENT,
                    v == ABSENT ? new byte[0] : v));
            }
        }
        return new OneShotEffect(-1, result.effect().results(), writes.toArray(new TxnRecord.Write[0]));
    }

    private static OneShotEffect runOps(final RowOps rowOps, final TxnRecord txn, final Before before)
    {
        final TxnRecord.Op[] ops = txn.ops();
        final byte[][] results = new byte[ops.length][];
        // Keys written, in the order first written, with their values so far (ABSENT for a delete).
        final Map<KeyBytes, byte[]> overlay = new LinkedHashMap<>();
        for (int k = 0; k < ops.length; k++)
        {
            final TxnRecord.Op op = ops[k];
            final KeyBytes key = new KeyBytes(op.tableId(), op.key());
            final byte[] now = overlay.containsKey(key) ? overlay.get(key) : before.read(key);
            final boolean holds;
            switch (op.kind())
            {
                case GET ->
                {
                    results[k] = now;
                    holds = true;
                }
                case PUT ->
                {
                    overlay.put(key, op.value());
                    results[k] = op.value();
                    holds = true;
                }
                case DELETE ->
                {
                    overlay.put(key, ABSENT);
                    results[k] = ABSENT;
                    holds = true;
                }
                case ADD ->
                {
                    final byte[] sum = add(now, op);
                    holds = sum != null;
                    if (holds)
                    {
                        overlay.put(key, sum);
                        results[k] = sum;
                    }
                }
                case APPEND ->
                {
                    final byte[] longer = append(key.key(), now, op.value());
                    holds = longer != null;
                    if (holds)
                    {
                        overlay.put(key, longer);
                        results[k] = longer;
                    }
                }
                case UPDATE_ROW ->
                {
                    final byte[] updated = now == ABSENT ? ABSENT : rowOps.update(op.tableId(), now, op.value());
                    holds = now == ABSENT || updated != null;
                    if (updated != null)
                    {
                        overlay.put(key, updated);
                    }
                    results[k] = updated;
                }
                case CHECK_EQUALS ->
                {
                    holds = now != ABSENT && Arrays.equals(now, op.value());
                    results[k] = now;
                }
                case CHECK_ABSENT ->
                {
                    holds = now == ABSENT;
                    results[k] = now;
                }
                case CHECK_PRESENT ->
                {
                    holds = now != ABSENT;
                    results[k] = now;
                }
                default -> throw new IllegalStateException("unknown op kind " + op.kind());
            }
            if (!holds)
            {
                return OneShotEffect.withoutWrites(k, null);
            }
        }
        final TxnRecord.Write[] writes = new TxnRecord.Write[overlay.size()];
        int w = 0;
        for (final Map.Entry<KeyBytes, byte[]> e : overlay.entrySet())
        {
            final boolean delete = e.getValue() == ABSENT;
            writes[w++] = new TxnRecord.Write(e.getKey().tableId(), e.getKey().key(), delete,
                delete ? new byte[0] : e.getValue());
        }
        return new OneShotEffect(-1, results, writes);
    }

    /** @return {@code now} followed by {@code more}, or null when storage could not hold the row. */
    static byte[] append(final byte[] key, final byte[] now, final byte[] more)
    {
        final int length = (now == ABSENT ? 0 : now.length) + more.length;
        if (Storage.checkRow(key.length, length) != null)
        {
            return null;
        }
        final byte[] longer = java.util.Arrays.copyOf(now == ABSENT ? new byte[0] : now, length);
        System.arraycopy(more, 0, longer, length - more.length, more.length);
        return longer;
    }

    /**
     * @return the counter after the op as 8 big-endian bytes, or null when the key holds something that is not a
     * counter, the sum overflows, or it leaves {@code [min, max]}.
     */
    static byte[] add(final byte[] now, final TxnRecord.Op op)
    {
        final long before;
        if (now == ABSENT)
        {
            before = 0;
        }
        else if (now.length == Long.BYTES)
        {
            before = java.nio.ByteBuffer.wrap(now).getLong();
        }
        else
        {
            return null;
        }
        final long after;
        try
        {
            after = Math.addExact(before, op.delta());
        }
        catch (final ArithmeticException ex)
        {
            return null;
        }
        if (after < op.min() || after > op.max())
        {
            return null;
        }
        return java.nio.ByteBuffer.allocate(Long.BYTES).putLong(after).array();
    }
}
