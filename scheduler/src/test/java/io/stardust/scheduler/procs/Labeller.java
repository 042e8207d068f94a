package io.stardust.scheduler.procs;

import io.stardust.procedure.ArgType;
import io.stardust.procedure.Procedure;
import io.stardust.procedure.ProcedureContext;

import java.nio.charset.StandardCharsets;

/**
 * Allowed: text, a loop, a helper method and a switch. Appends "name:n" to each key's value for n up to its LONG
 * argument, and deletes keys whose value grows past 200 bytes.
 */
public class Labeller implements Procedure
{
    private static final int LIMIT = 200;

    @Override
    public ArgType[] parameters()
    {
        return new ArgType[] {ArgType.STRING, ArgType.LONG};
    }

    @Override
    public void run(final ProcedureContext context)
    {
        final String name = context.argString(0);
        final long n = context.argLong(1);
        for (int k = 0; k < context.keyCount(); k++)
        {
            final byte[] now = context.get(k);
            final StringBuilder b = new StringBuilder(now == null ? "" : new String(now, StandardCharsets.UTF_8));
            for (long i = 0; i < n; i++)
            {
                b.append(label(name, i));
            }
            final byte[] next = b.toString().getBytes(StandardCharsets.UTF_8);
            switch (next.length > LIMIT ? 1 : 0)
            {
                case 1 -> context.delete(k);
                default -> context.put(k, next);
            }
        }
    }

    private static String label(final String name, final long i)
    {
        return name + ":" + i + ";";
    }
}
