package io.stardust.conformance;

import io.stardust.client.MemberStatus;
import io.stardust.client.RejectedException;
import io.stardust.client.StardustClient;
import io.stardust.protocol.ClusterSpec;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.protocol.codecs.Knob;
import io.stardust.test.ProcessCluster;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member's telemetry and local knobs on real member processes ({@code stardust start}): the status and the
 * Prometheus endpoint report them, the knobs change what the members report, and a CPU quota set through the
 * member's own cgroup caps the CPU it uses under load.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ResourceKnobsIT
{
    @Test
    void shouldReportTelemetryAndTurnLocalKnobs() throws Exception
    {
        try (ProcessCluster cluster = new ProcessCluster(3))
        {
            cluster.startAll(true);
            try (StardustClient client = cluster.connect((c) -> c))
            {
                client.createTable("kv").get(60, TimeUnit.SECONDS);
                try (AckedWrites load = new AckedWrites(client, "kv", "k"))
                {
                    load.awaitMore(200, "to have epochs to report");
                }
                // A commit is acknowledged once a majority has it: the third member may still be applying.
                cluster.awaitAllApplied(client, client.lastCommittedEpoch(), java.time.Duration.ofSeconds(60));
                for (int m = 0; m < 3; m++)
                {
                    final MemberStatus s = client.status(m).get(10, TimeUnit.SECONDS);
                    assertTrue(s.telemetry() != null && s.telemetry().cpuNanos() > 0 && s.telemetry().epochs() > 0,
                        "member " + m + ": " + s);
                    assertEquals(4_000, s.telemetry().idleParkMicros(), "the default idle park");

                    final String metrics = get("http://localhost:" +
                        cluster.spec().member(m).port(ClusterSpec.METRICS_PORT_OFFSET) + "/metrics");
                    for (final String name : new String[] {"stardust_transactions_committed_total{member=\"" + m +
                        "\"}", "stardust_cpu_seconds_total", "stardust_modelled_watts", "stardust_epochs_total",
                        "stardust_knob{knob=\"workers\",member=\"" + m + "\"} 1.0", "stardust_queue_depth",
                        "stardust_epoch_latency_seconds"})
                    {
                        assertTrue(metrics.contains(name), "member " + m + "'s /metrics lacks " + name + ":\n" +
                            metrics);
                    }
                }

                // A knob asked for among many reads to the same member still goes alone (the client batches reads,
                // and the endpoint refuses a knob inside a batch): under a controller it always is among reads.
                final java.util.List<java.util.concurrent.CompletableFuture<MemberStatus>> reads =
                    new java.util.ArrayList<>();
                for (int i = 0; i < 200; i++)
                {
                    reads.add(client.status(1));
                }
                final java.util.concurrent.CompletableFuture<Long> knob = client.setKnob(1, Knob.IDLE_PARK_MICROS,
                    3_000);
                for (int i = 0; i < 200; i++)
                {
                    reads.add(client.status(1));
                }
                assertEquals(3_000L, knob.get(10, TimeUnit.SECONDS));
                for (final java.util.concurrent.CompletableFuture<MemberStatus> r : reads)
                {
                    r.get(10, TimeUnit.SECONDS);
                }
                assertEquals(2L, client.setKnob(1, Knob.WORKERS, 2).get(10, TimeUnit.SECONDS));
                assertEquals(2, client.status(1).get(10, TimeUnit.SECONDS).workers());
                assertEquals(500L, client.setKnob(1, Knob.IDLE_PARK_MICROS, 500).get(10, TimeUnit.SECONDS));
                assertEquals(500, client.status(1).get(10, TimeUnit.SECONDS).telemetry().idleParkMicros());
                final ExecutionException bad = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> client.setKnob(1, Knob.WORKERS, 0).get(10, TimeUnit.SECONDS));
                final RejectedException refused = assertInstanceOf(RejectedException.class, bad.getCause());
                assertEquals(ErrorCode.INVALID_ARGUMENT, refused.code());
                assertTrue(refused.getMessage().contains("workers must be 1 to 64, not 0"), refused.getMessage());
                try (AckedWrites load = new AckedWrites(client, "kv", "after"))
                {
                    load.awaitMore(200, "with member 1 on two workers");
                }

                // A client with a lazy session (the ops commands' kind) reads and asks for status with no session,
                // and opens one when it first commits.
                try (StardustClient lazy = cluster.connect((c) -> c.lazySession(true)))
                {
                    assertEquals(2, lazy.status(1).get(10, TimeUnit.SECONDS).workers());
                    assertNull(lazy.begin().get("kv", "lazy"));
                    lazy.begin().put("kv", "lazy", "committed").commit().get(60, TimeUnit.SECONDS);
                    assertEquals("committed", lazy.begin().get("kv", "lazy"));
                }
            }
        }
    }

    @Test
    void shouldCapAMembersCpuWithItsCgroupQuota() throws Exception
    {
        try (ProcessCluster cluster = new ProcessCluster(3))
        {
            cluster.startAll(true);
            try (StardustClient client = cluster.connect((c) -> c))
            {
                client.createTable("kv").get(60, TimeUnit.SECONDS);
                final long quotaOff = client.status(0).get(10, TimeUnit.SECONDS).telemetry().cpuQuotaMillicores();
                Assumptions.assumeTrue(quotaOff == 0, "no CPU quota knob on this machine (the member could not " +
                    "join a cgroup of its own; its log says why): " + cluster.log(0).lines()
                    .filter((l) -> l.contains("no CPU quota knob")).findFirst().orElse("?"));
                try (AckedWrites load = new AckedWrites(client, "kv", "k"))
                {
                    load.awaitMore(200, "warm");
                    final double free = cores(client, 0);
                    assertEquals(100L, client.setKnob(0, Knob.CPU_QUOTA_MILLICORES, 100).get(10, TimeUnit.SECONDS));
                    final Path quota = cgroupOf(cluster.pid(0)).resolve("cpu.cfs_quota_us");
                    assertEquals("10000", read(quota), "0.1 core of a 100 ms period");
                    final double capped = cores(client, 0);
                    assertTrue(capped <= 0.13, "member 0 used " + capped + " cores under a quota of 0.1 (it used " +
                        free + " without)");
                    assertTrue(free > capped * 1.5, "the quota must bind for this test to mean anything: " + free +
                        " cores without, " + capped + " with");
                    client.setKnob(0, Knob.CPU_QUOTA_MILLICORES, 0).get(10, TimeUnit.SECONDS);
                    assertEquals("-1", read(quota), "lifted");
                    load.awaitMore(200, "after the quota is lifted");
                }
            }
        }
    }

    /** @return cores member {@code m} used over 3 s, from its own CPU time. */
    private static double cores(final StardustClient client, final int m) throws Exception
    {
        final MemberStatus a = client.status(m).get(10, TimeUnit.SECONDS);
        // The measurement spans a fixed time; this sleep is its length, not a wait for a condition.
        Thread.sleep(3_000);
        final MemberStatus b = client.status(m).get(10, TimeUnit.SECONDS);
        return b.telemetry().coresSince(a.telemetry());
    }

    /** Read a procfs or cgroupfs file with a stream: they report a size of 0, which readString trusts. */
    private static String read(final Path file) throws Exception
    {
        try (InputStream in = Files.newInputStream(file))
        {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
        }
    }

    private static Path cgroupOf(final long pid) throws Exception
    {
        final String text = read(Path.of("/proc/" + pid + "/cgroup"));
        for (final String line : text.split("\n"))
        {
            final String[] parts = line.split(":", 3);
            if (parts.length == 3 && java.util.Arrays.asList(parts[1].split(",")).contains("cpu"))
            {
                return Path.of("/sys/fs/cgroup/cpu", parts[2].trim());
            }
        }
        throw new AssertionError("member process " + pid + " is in no cpu cgroup:\n" + text);
    }

    private static String get(final String url) throws Exception
    {
        final java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
            java.net.http.HttpRequest.newBuilder(URI.create(url)).timeout(java.time.Duration.ofSeconds(10)).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), url);
        return response.body();
    }
}
