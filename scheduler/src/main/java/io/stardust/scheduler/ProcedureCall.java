package io.stardust.scheduler;

import io.stardust.procedure.ProcedureContext;
import io.stardust.procedure.Steps;
import io.stardust.storage.Storage;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * One procedure call at its log position: the context the procedure sees, over the call's keys as the epoch has left
 * them, with its writes held back until it ends. Every context method is a step; the outcome depends only on the
 * state, the arguments and the class, never on time or the worker.
 */
final class ProcedureCall implements ProcedureContext
{
    /** Reads a key's value as the epoch has left it (null when absent). */
    interface State
    {
        byte[] read(int key);
    }

    /** What {@link #abort} throws; a procedure that catches it is aborted all the same. */
    private static final class Aborted extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        Aborted(final String reason)
        {
            super(reason, null, false, false);
        }
    }

    private static final byte[] ABSENT = null;

    private final TxnRecord.Op[] keys;
    private final List<Object> args;
    private final State state;
    /** Per key: the value written so far; {@link #written} says whether there is one. */
    private final byte[][] values;
    private final boolean[] written;
    private String aborted;

    private ProcedureCall(final TxnRecord.Op[] keys, final List<Object> args, final State state)
    {
        this.keys = keys;
        this.args = args;
        this.state = state;
        this.values = new byte[keys.length][];
        this.written = new boolean[keys.length];
    }

    /**
     * Run a call.
     *
     * @param procedure the loaded version.
     * @param txn       the call's record.
     * @param state     its keys' values before it.
     * @return per key the value the call left (its result) and the writes, or why it aborted.
     */
    static Result run(final Procedures.Loaded procedure, final TxnRecord txn, final State state)
    {
        final ProcedureCall call = new ProcedureCall(txn.ops(), txn.call().values(), state);
        final Steps.Budget budget = new Steps.Budget(procedure.stepBudget());
        Throwable thrown = null;
        Steps.begin(budget);
        try
        {
            procedure.instance().run(call);
        }
        catch (final VirtualMachineError ex)
        {
            // Out of memory or stack: not decided by the log alone, so this replica cannot go on.
            throw ex;
        }
        catch (final Throwable t)
        {
            thrown = t;
        }
        finally
        {
            Steps.end();
        }
        if (budget.spent())
        {
            return new Result(null, OneShotEffect.aborted(AbortReason.STEP_BUDGET_EXCEEDED, procedure.name() +
                " version " + procedure.version() + " ran past its step budget of " + budget.limit()));
        }
        if (call.aborted != null)
        {
            return new Result(null, OneShotEffect.aborted(AbortReason.CONDITION_FAILED, call.aborted));
        }
        if (thrown != null)
        {
            return new Result(null, OneShotEffect.aborted(AbortReason.PROCEDURE_FAILED, procedure.name() +
                " version " + procedure.version() + " threw " + thrown.getClass().getName() +
                (thrown.getMessage() == null ? "" : ": " + thrown.getMessage())));
        }
        final byte[][] results = new byte[call.keys.length][];
        for (int i = 0; i < results.length; i++)
        {
            results[i] = call.written[i] ? call.values[i] : state.read(i);
        }
        return new Result(call.written, new OneShotEffect(-1, results, null));
    }

    /**
     * @param written per key, whether the call wrote it (null when it aborted).
     * @param effect  its effect (writes are filled in by the caller, which knows the keys' identities).
     */
    record Result(boolean[] written, OneShotEffect effect)
    {
    }

    private int index(final int i)
    {
        Steps.tick();
        if (aborted != null)
        {
            throw new Aborted(aborted);
        }
        if (i < 0 || i >= keys.length)
        {
            throw new IndexOutOfBoundsException("key " + i + " of a call that named " + keys.length);
        }
        return i;
    }

    @Override
    public int keyCount()
    {
        Steps.tick();
        return keys.length;
    }

    @Override
    public byte[] key(final int i)
    {
        return keys[index(i)].key().clone();
    }

    @Override
    public byte[] get(final int i)
    {
        final int k = index(i);
        final byte[] v = written[k] ? values[k] : state.read(k);
        return v == ABSENT ? null : v.clone();
    }

    @Override
    public long getLong(final int i)
    {
        final byte[] v = get(i);
        if (v == null)
        {
            return 0;
        }
        if (v.length != Long.BYTES)
        {
            throw new IllegalStateException("key " + i + " holds " + v.length + " bytes, not an 8-byte counter");
        }
        return ByteBuffer.wrap(v).getLong();
    }

    @Override
    public void put(final int i, final byte[] value)
    {
        final int k = index(i);
        if (value == null)
        {
            throw new IllegalArgumentException("put of key " + i + " with a null value; use delete");
        }
        final String problem = Storage.checkRow(keys[k].key().length, value.length);
        if (problem != null)
        {
            throw new IllegalArgumentException("put of key " + i + ": " + problem);
        }
        values[k] = value.clone();
        written[k] = true;
    }

    @Override
    public void putLong(final int i, final long value)
    {
        put(i, ByteBuffer.allocate(Long.BYTES).putLong(value).array());
    }

    @Override
    public void delete(final int i)
    {
        final int k = index(i);
        values[k] = ABSENT;
        written[k] = true;
    }

    @Override
    public int argCount()
    {
        Steps.tick();
        return args.size();
    }

    private Object arg(final int i, final Class<?> type, final String name)
    {
        Steps.tick();
        if (i < 0 || i >= args.size())
        {
            throw new IndexOutOfBoundsException("argument " + i + " of a call that passed " + args.size());
        }
        final Object a = args.get(i);
        if (!type.isInstance(a))
        {
            throw new IllegalStateException("argument " + i + " is not a " + name);
        }
        return a;
    }

    @Override
    public long argLong(final int i)
    {
        return (Long)arg(i, Long.class, "LONG");
    }

    @Override
    public String argString(final int i)
    {
        return (String)arg(i, String.class, "STRING");
    }

    @Override
    public byte[] argBytes(final int i)
    {
        return ((byte[])arg(i, byte[].class, "BYTES")).clone();
    }

    @Override
    public RuntimeException abort(final String reason)
    {
        Steps.tick();
        if (aborted == null)
        {
            aborted = reason == null || reason.isEmpty() ? "the procedure aborted its call" : reason;
        }
        throw new Aborted(aborted);
    }
}
