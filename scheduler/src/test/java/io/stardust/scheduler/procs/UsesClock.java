package io.stardust.scheduler.procs;

import io.stardust.procedure.ArgType;
import io.stardust.procedure.Procedure;
import io.stardust.procedure.ProcedureContext;

/** Reads the clock: refused. */
public class UsesClock implements Procedure
{
    @Override
    public ArgType[] parameters()
    {
        return new ArgType[0];
    }

    @Override
    public void run(final ProcedureContext context)
    {
        context.putLong(0, System.currentTimeMillis());
    }
}
