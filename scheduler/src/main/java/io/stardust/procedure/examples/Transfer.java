package io.stardust.procedure.examples;

import io.stardust.procedure.ArgType;
import io.stardust.procedure.Procedure;
import io.stardust.procedure.ProcedureContext;

/**
 * Moves an amount between two counters when the first holds at least that much: keys {@code [from, to]}, argument
 * {@code amount} (LONG, at least 0). A balance short of the amount aborts the call (CONDITION_FAILED).
 * Register it with {@code stardust ops register-procedure --name transfer --version 1 --class
 * io.stardust.procedure.examples.Transfer}.
 */
public final class Transfer implements Procedure
{
    @Override
    public ArgType[] parameters()
    {
        return new ArgType[] {ArgType.LONG};
    }

    @Override
    public void run(final ProcedureContext context)
    {
        final long amount = context.argLong(0);
        if (amount < 0)
        {
            throw context.abort("amount " + amount + " is negative");
        }
        final long from = context.getLong(0);
        if (from < amount)
        {
            throw context.abort("balance " + from + " is below " + amount);
        }
        context.putLong(0, from - amount);
        context.putLong(1, Math.addExact(context.getLong(1), amount));
    }
}
