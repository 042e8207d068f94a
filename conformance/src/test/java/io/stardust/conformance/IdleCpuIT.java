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
    @Test
    void shouldUseWellUnderHalfACoreWhenIdle() throws Exception
    {
        final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();
        try (TestCluster cluster = TestCluster.builder().members(3).start())
        {
            cluster.awaitLeader();
            cluster.newClient().createTable("idle").join();
            // Measure several windows: the first may still include JIT and election settling; an idle cluster
            // that spins would use CPU in every one of them. Each sleep is a measurement window, not a wait.
            double best = Double.MAX_VALUE;
            final StringBuilder windows = new StringBuilder();
            for (int window = 0; window < 4; window++)
            {
                final long cpuStart = os.getProcessCpuTime();
                final long wallStart = System.nanoTime();
                TimeUnit.SECONDS.sleep(3);
                final double cores = (double)(os.getProcessCpuTime() - cpuStart) / (System.nanoTime() - wallStart);
                windows.append(String.format(" %.3f", cores));
                best = Math.min(best, cores);
            }
            System.out.println("idle 3-member cluster + 1 client, cores per 3 s window:" + windows);
            assertTrue(best < 0.25, "idle cluster used" + windows + " cores; the budget is 0.25 (well under half)");
        }
    }
}
