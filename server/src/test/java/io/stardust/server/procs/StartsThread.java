package io.stardust.server.procs;

import io.stardust.procedure.ArgType;
import io.stardust.procedure.Procedure;
import io.stardust.procedure.ProcedureContext;

/** Starts a thread: refused before anything is sent. */
public class StartsThread implements Procedure
{
    @Override
    public ArgType[] parameters()
    {
        return new ArgType[0];
    }

    @Override
    public void run(final ProcedureContext context)
    {
        new Thread().start();
    }
}
