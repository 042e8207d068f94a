package io.stardust.scheduler.procs;

import io.stardust.procedure.ArgType;
import io.stardust.procedure.Procedure;
import io.stardust.procedure.ProcedureContext;

/** Calls itself: refused. */
public class Recursive implements Procedure
{
    @Override
    public ArgType[] parameters()
    {
        return new ArgType[0];
    }

    @Override
    public void run(final ProcedureContext context)
    {
        context.putLong(0, depth(10));
    }

    private long depth(final long n)
    {
        return n == 0 ? 0 : 1 + depth(n - 1);
    }
}
