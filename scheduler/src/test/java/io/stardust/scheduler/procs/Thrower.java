package io.stardust.scheduler.procs;

import io.stardust.procedure.ArgType;
import io.stardust.procedure.Procedure;
import io.stardust.procedure.ProcedureContext;

/** Writes its key, then throws: a planted fault whose write must not apply. */
public class Thrower implements Procedure
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
        throw new IllegalStateException("planted failure");
    }
}
