package io.stardust.scheduler.procs;

import io.stardust.procedure.ArgType;
import io.stardust.procedure.Procedure;
import io.stardust.procedure.ProcedureContext;

/** Catches everything, its own abort and the step budget included, and writes after: it must abort all the same. */
public class Stubborn implements Procedure
{
    @Override
    public ArgType[] parameters()
    {
        return new ArgType[] {ArgType.LONG};
    }

    @Override
    public void run(final ProcedureContext context)
    {
        if (context.argLong(0) == 0)
        {
            try
            {
                context.abort("first thoughts");
            }
            catch (final RuntimeException ex)
            {
                context.putLong(0, 1);
            }
            return;
        }
        for (int i = 0; i < 1_000_000; i++)
        {
            try
            {
                context.putLong(0, i);
            }
            catch (final RuntimeException ex)
            {
                // keeps going
            }
        }
    }
}
