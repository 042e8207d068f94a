package io.stardust.sequencer.procs;

import io.stardust.procedure.ArgType;
import io.stardust.procedure.Procedure;
import io.stardust.procedure.ProcedureContext;

/** Reads the clock: every member refuses it alike. */
public class ReadsClock implements Procedure
{
    @Override
    public ArgType[] parameters()
    {
        return new ArgType[0];
    }

    @Override
    public void run(final ProcedureContext context)
    {
        context.putLong(0, System.nanoTime());
    }
}
