package io.stardust.scheduler.procs;

import io.stardust.procedure.ArgType;
import io.stardust.procedure.Procedure;
import io.stardust.procedure.ProcedureContext;

import java.nio.charset.StandardCharsets;

/** Joins an array into a string (its text holds an identity hash): refused. */
public class JoinsObject implements Procedure
{
    @Override
    public ArgType[] parameters()
    {
        return new ArgType[0];
    }

    @Override
    public void run(final ProcedureContext context)
    {
        final byte[] key = context.key(0);
        context.put(0, ("key " + key).getBytes(StandardCharsets.UTF_8));
    }
}
