package io.stardust.test.procedures;

import io.stardust.procedure.ArgType;
import io.stardust.procedure.Procedure;
import io.stardust.procedure.ProcedureContext;

/**
 * A procedure with planted faults, for tests on real members. Key {@code [k]}, argument {@code mode}: 0 adds 1 to
 * the counter at k; 1 writes k and then throws; 2 writes k and then loops until its step budget stops it.
 */
public final class Faulty implements Procedure
{
    @Override
    public ArgType[] parameters()
    {
        return new ArgType[] {ArgType.LONG};
    }

    @Override
    public void run(final ProcedureContext context)
    {
        final long mode = context.argLong(0);
        final long now = context.getLong(0);
        context.putLong(0, now + 1);
        if (mode == 1)
        {
            throw new IllegalStateException("planted failure at " + now);
        }
        long spins = 0;
        while (mode == 2 && spins >= 0)
        {
            spins++;
        }
    }
}
