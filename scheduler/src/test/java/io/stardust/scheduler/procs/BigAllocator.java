package io.stardust.scheduler.procs;

import io.stardust.procedure.ArgType;
import io.stardust.procedure.Procedure;
import io.stardust.procedure.ProcedureContext;

/** Allocates an array as long as its argument: its steps grow with the size. */
public class BigAllocator implements Procedure
{
    @Override
    public ArgType[] parameters()
    {
        return new ArgType[] {ArgType.LONG};
    }

    @Override
    public void run(final ProcedureContext context)
    {
        final byte[] big = new byte[(int)context.argLong(0)];
        context.put(0, new byte[] {(byte)big.length});
    }
}
