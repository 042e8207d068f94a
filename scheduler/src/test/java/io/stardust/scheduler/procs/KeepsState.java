package io.stardust.scheduler.procs;

import io.stardust.procedure.ArgType;
import io.stardust.procedure.Procedure;
import io.stardust.procedure.ProcedureContext;

/** Counts its calls in a static field: refused. */
public class KeepsState implements Procedure
{
    private static long calls;

    @Override
    public ArgType[] parameters()
    {
        return new ArgType[0];
    }

    @Override
    public void run(final ProcedureContext context)
    {
        calls++;
        context.putLong(0, calls);
    }
}
