package io.stardust.conformance;

import io.stardust.test.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An idle 3-member cluster must leave the machine alone: no busy spinning anywhere.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IdleCpuIT
{
    private static java.util.Map<String, Long> threadCpu()
    {
        final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final java.util.Map<String, Long> cpu = new java.util.HashMap<>();
        for (final java.lang.management.ThreadInfo info : threads.dumpAllThreads(false, false))
        {
            cpu.merge(info.getThreadName() + "#" + info.getThreadId(), threads.getThreadCpuTime(info.getThreadId()),
                Long::sum);
        }
        return cpu;
    }

    /** Diagnostics for a failure: which threads used CPU in the last window. */
    private static void printBusiestThreads(final java.util.Map<String, Long> before)
    {
        final java.util.List<String> rows = new java.util.ArrayList<>();
        threadCpu().forEach((name, cpu) -> rows.add(String.format("%9.1f ms %s", (cpu - before.getOrDefault(name,
            0L)) / 1e6, name)));
        rows.sort(java.util.Comparator.reverseOrder());
        System.out.println("CPU by thread in the last window:\n  " + String.join("\n  ", rows.subList(0,
            Math.min(20, rows.size()))));
    }

    @Test
    void shouldUseWellUnderHalfACoreWhenIdle() throws Exception
    {
        final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();
        try (TestCluster cluster = TestCluster.builder().members(3).start())
        {
            cluster.awaitLeader();
            // Use the cluster once, then close the client: what is measured is the cluster alone.
            try (io.stardust.client.StardustClient client = io.stardust.client.StardustClient.connect(
                new io.stardust.client.ClientConfig().clusterSpec(cluster.spec())))
            {
                client.createTable("idle").join();
            }
            // The members' start compiles a lot (Chronicle's warm-up generates and compiles code): measure once the
            // JIT has settled, which is a condition, not a time. Each compiler check below is a 2 s sample window.
            final java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            long compiled = jit.getTotalCompilationTime();
            for (int i = 0; i < 10; i++)
            {
                TimeUnit.SECONDS.sleep(2);
                final long now = jit.getTotalCompilationTime();
                final boolean settled = now - compiled < 50;
                compiled = now;
                if (settled)
                {
                    break;
                }
            }
            // Measure several windows: the first may still include election settling; an idle cluster that spins
            // would use CPU in every one of them. Each sleep is a measurement window, not a wait.
            double best = Double.MAX_VALUE;
            final StringBuilder windows = new StringBuilder();
            java.util.Map<String, Long> before = threadCpu();
            for (int window = 0; window < 4; window++)
            {
                before = threadCpu();
                final long cpuStart = os.getProcessCpuTime();
                final long wallStart = System.nanoTime();
                TimeUnit.SECONDS.sleep(3);
                final double cores = (double)(os.getProcessCpuTime() - cpuStart) / (System.nanoTime() - wallStart);
                windows.append(String.format(" %.3f", cores));
                best = Math.min(best, cores);
            }
            System.out.println("idle 3-member cluster, cores per 3 s window:" + windows);
            printBusiestThreads(before);
            assertTrue(best < 0.3, "idle cluster used" + windows + " cores; the budget is 0.3 (well under half a core)");
        }
    }
}
