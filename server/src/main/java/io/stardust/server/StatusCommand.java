package io.stardust.server;

import io.stardust.client.MemberStatus;
import io.stardust.client.StardustClient;
import io.stardust.protocol.ClusterSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code stardust status}: the cluster's topology as its members see themselves, grouped by datacenter: each
 * member's role, applied epoch, lag behind the most advanced member, load (cores and commits per second over a short
 * sample) and whether it is catching up.
 */
@Command(name = "status", description = {
    "Show the members grouped by datacenter: role, applied epoch, lag (epochs behind the most advanced member),",
    "load (cores and commits/s over --sample-ms), catching up, digest and settings."})
final class StatusCommand extends OpsCommands.ClusterCommand
{
    @Option(names = "--sample-ms", defaultValue = "500",
        description = "How long to sample each member's load (default ${DEFAULT-VALUE} ms; 0 shows no load).")
    long sampleMs;

    @Override
    public Integer call() throws Exception
    {
        if (sampleMs < 0 || sampleMs > 60_000)
        {
            System.err.println("--sample-ms must be 0..60000, was " + sampleMs);
            return 2;
        }
        final ClusterSpec spec = ClusterSpec.parse(cluster);
        try (StardustClient client = connectForReads())
        {
            final MemberStatus[] first = collect(client, spec);
            MemberStatus[] second = first;
            if (sampleMs > 0)
            {
                Thread.sleep(sampleMs); // the sampling interval of the load figures, not a wait for a condition
                second = collect(client, spec);
            }
            final List<String> lines = render(spec, first, second);
            lines.forEach(System.out::println);
            int unreachable = 0;
            for (final MemberStatus s : second)
            {
                unreachable += s == null ? 1 : 0;
            }
            return unreachable == 0 ? 0 : 1;
        }
    }

    private static MemberStatus[] collect(final StardustClient client, final ClusterSpec spec)
    {
        return OpsCommands.answers(OpsCommands.askStatus(client, spec)).toArray(new MemberStatus[0]);
    }

    /**
     * @param spec   the cluster.
     * @param first  each member's first status (null: no answer).
     * @param second each member's status after the sample (the same array when there was no sample).
     * @return the lines to print.
     */
    static List<String> render(final ClusterSpec spec, final MemberStatus[] first, final MemberStatus[] second)
    {
        long newest = -1;
        int leader = -1;
        for (final MemberStatus s : second)
        {
            if (s != null)
            {
                newest = Math.max(newest, s.appliedEpoch());
                leader = "LEADER".equals(s.role()) ? s.memberId() : leader;
            }
        }
        final Map<String, List<ClusterSpec.Member>> byDc = new LinkedHashMap<>();
        for (final ClusterSpec.Member m : spec.members())
        {
            final MemberStatus s = second[m.id()];
            final String dc = s != null && s.datacenter() != null ? s.datacenter() : m.datacenter();
            byDc.computeIfAbsent(dc, (k) -> new ArrayList<>()).add(m);
        }
        final List<String> lines = new ArrayList<>();
        lines.add("leader: " + (leader < 0 ? "none answered as leader" : "member " + leader));
        for (final Map.Entry<String, List<ClusterSpec.Member>> dc : byDc.entrySet())
        {
            lines.add("");
            lines.add("datacenter " + dc.getKey() + " (" + dc.getValue().size() + " member" +
                (dc.getValue().size() == 1 ? "" : "s") + ")");
            lines.add(String.format("  %-6s %-9s %12s %8s %6s %10s %-11s %16s %9s %12s %8s %7s", "member", "role",
                "applied", "lag", "cores", "commits/s", "state", "digest", "window_us", "committed", "aborted",
                "workers"));
            for (final ClusterSpec.Member m : dc.getValue())
            {
                final MemberStatus s = second[m.id()];
                if (s == null)
                {
                    lines.add(String.format("  %-6d unreachable (%s)", m.id(), m.readEndpoint()));
                    continue;
                }
                final MemberStatus before = first[m.id()];
                String cores = "-";
                String rate = "-";
                if (before != null && before != s && s.telemetry() != null && before.telemetry() != null &&
                    s.telemetry().sampledAtNanos() > before.telemetry().sampledAtNanos())
                {
                    final double seconds = s.telemetry().secondsSince(before.telemetry());
                    cores = String.format("%.2f", s.telemetry().coresSince(before.telemetry()));
                    rate = String.format("%.0f", (s.committed() - before.committed()) / seconds);
                }
                lines.add(String.format("  %-6d %-9s %12d %8d %6s %10s %-11s %16s %9d %12d %8d %7d", s.memberId(),
                    s.role(), s.appliedEpoch(), Math.max(0, newest - s.appliedEpoch()), cores, rate,
                    s.catchingUp() ? "catching-up" : "serving", Long.toHexString(s.lastDigest()),
                    s.batchWindowMicros(), s.committed(), s.aborted(), s.workers()));
            }
        }
        return lines;
    }
}
