package io.stardust.scheduler.procs;

import io.stardust.procedure.ArgType;
import io.stardust.procedure.Procedure;
import io.stardust.procedure.ProcedureContext;

/** Writes its key, then loops for ever without touching its context: only the loop's steps can stop it. */
public class Spinner implements Procedure
{
    @Override
    public ArgType[] parameters()
    {
        return new ArgType[0];
    }

    @Override
    public void run(final ProcedureContext context)
    {
        context.putLong(0, 99);
        long n = 0;
        while (n >= 0)
        {
            n = n == Long.MAX_VALUE ? 0 : n + 1;
        }
        context.putLong(0, n);
    }
}
