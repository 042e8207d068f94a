package io.stardust.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/** Starts a workload's worker threads. */
final class Workers
{
    private Workers()
    {
    }

    /**
     * @param name  thread name prefix.
     * @param count workers.
     * @param body  what worker {@code i} runs.
     * @return the started (daemon) threads.
     */
    static List<Thread> start(final String name, final int count, final IntConsumer body)
    {
        final List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < count; w++)
        {
            final int worker = w;
            final Thread t = new Thread(() -> body.accept(worker), name + "-" + w);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        return threads;
    }
}
