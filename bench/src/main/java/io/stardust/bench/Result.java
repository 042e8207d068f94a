package io.stardust.bench;

import org.HdrHistogram.Histogram;

/**
 * One measured run.
 *
 * @param system          the system's name.
 * @param workload        workload label.
 * @param distribution    key distribution.
 * @param clients         client threads.
 * @param targetRate      transactions per second asked for (open loop), 0 for a closed loop.
 * @param batchWindowUs   Stardust's batch window during the run, 0 when not set.
 * @param seconds         measured seconds.
 * @param committed       transactions that completed.
 * @param aborts          attempts that lost a conflict and were retried.
 * @param errors          attempts that failed otherwise (timeouts, lost connections).
 * @param latency         microseconds from a transaction's (intended) start to its commit, retries included.
 * @param serverCpuNanos  CPU time the system's servers used during the run, -1 when unknown.
 */
public record Result(
    String system,
    String workload,
    String distribution,
    int clients,
    double targetRate,
    long batchWindowUs,
    double seconds,
    long committed,
    long aborts,
    long errors,
    Histogram latency,
    long serverCpuNanos)
{
    /** @return committed transactions per second. */
    public double throughput()
    {
        return committed / seconds;
    }

    /** @return aborted attempts per attempt. */
    public double abortRate()
    {
        final long attempts = committed + aborts;
        return attempts == 0 ? 0 : (double)aborts / attempts;
    }

    /** @return latency at a percentile, in milliseconds. */
    public double latencyMs(final double percentile)
    {
        return latency.getValueAtPercentile(percentile) / 1000.0;
    }

    /** @return server CPU-seconds per 1,000 committed transactions, NaN when unknown. */
    public double cpuSecondsPer1000()
    {
        return serverCpuNanos < 0 || committed == 0 ? Double.NaN : serverCpuNanos / 1e9 / committed * 1000;
    }
}
