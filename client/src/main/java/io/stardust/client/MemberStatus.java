package io.stardust.client;

/**
 * One member's view of itself, from its read endpoint.
 *
 * @param catchingUp     true while the member is starting, replaying its log or catching up from the leader.
 * @param leaderMemberId the leader as the member knows it; -1 when it knows none (or predates protocol version 6).
 * @param readsServed    reads, scans and SQL requests the member answered since it started; -1 before version 6.
 * @param databaseHome   the home datacenter of the database the request named; empty for none.
 * @param oneShots       one-shot transactions sequenced since the member started; -1 before version 7.
 * @param conditionFailures one-shot transactions aborted by a false condition since it started; -1 before version 7.
 */
public record MemberStatus(
    int memberId,
    String role,
    String datacenter,
    long appliedEpoch,
    long catalogVersion,
    long batchWindowMicros,
    long committed,
    long aborted,
    long lastDigest,
    int workers,
    Telemetry telemetry,
    boolean catchingUp,
    int leaderMemberId,
    long readsServed,
    String databaseHome,
    long oneShots,
    long conditionFailures)
{
    /**
     * What the member spends and how its epochs go; rates come from two of these (see {@link #sampledAtNanos}).
     * Null from a member that predates telemetry.
     *
     * @param cpuNanos              CPU time of the member's process since it started.
     * @param sampledAtNanos        the member's monotonic clock when it answered.
     * @param epochs                epochs applied since it started.
     * @param lastEpochTxns         transactions in the last epoch.
     * @param applyNanos            time spent validating and applying epochs since it started.
     * @param queueDepth            transactions waiting in the open epoch.
     * @param epochLatencyP50Micros median epoch latency (opened in log time to applied here) over the last 10-20 s;
     *                              -1 when none.
     * @param epochLatencyP99Micros its 99th percentile; -1 when none.
     * @param idleParkMicros        the idle-park knob; -1 when the member has none.
     * @param cpuQuotaMillicores    the CPU quota knob, thousandths of a core; 0 for none; -1 when the member has no
     *                              quota knob.
     * @param admissionRatePerSecond the replicated admission rate; 0 for no limit.
     * @param overBudgetRefusals    commits this member refused as over that rate since it started.
     */
    public record Telemetry(long cpuNanos, long sampledAtNanos, long epochs, int lastEpochTxns, long applyNanos,
        int queueDepth, long epochLatencyP50Micros, long epochLatencyP99Micros, long idleParkMicros,
        long cpuQuotaMillicores, long admissionRatePerSecond, long overBudgetRefusals)
    {
        /** @param earlier an earlier answer of the same member. @return seconds between the two, by its clock. */
        public double secondsSince(final Telemetry earlier)
        {
            return (sampledAtNanos - earlier.sampledAtNanos) / 1e9;
        }

        /**
         * @param earlier an earlier answer of the same member.
         * @return the cores its process used between the two (CPU-seconds per second).
         */
        public double coresSince(final Telemetry earlier)
        {
            return (double)(cpuNanos - earlier.cpuNanos) / (sampledAtNanos - earlier.sampledAtNanos);
        }
    }
}
