package io.stardust.bench;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest
{
    @TempDir
    File dir;

    private static Result result(final String system, final String workload, final String dist, final long committed,
        final long aborts, final long latencyUs, final long cpuNanos)
    {
        final Histogram h = new Histogram(60_000_000L, 3);
        for (int i = 0; i < 100; i++)
        {
            h.recordValue(latencyUs);
        }
        return new Result(system, workload, dist, 32, 0, 0, 10, committed, aborts, 0, h, cpuNanos);
    }

    private static Report planted()
    {
        final Report report = new Report("2026-11-24", "bench --clients 32");
        report.clients(32);
        report.echo(200_000, 90);
        report.add(result("stardust", "ycsb-f", "uniform", 300_000, 0, 2_000, 3_000_000_000L));
        report.add(result("stardust", "ycsb-f", "zipf", 120_000, 30_000, 5_000, 3_000_000_000L));
        report.add(result("postgresql-async", "ycsb-f", "uniform", 100_000, 1_000, 8_000, 10_000_000_000L));
        report.add(result("etcd", "ycsb-f", "uniform", 50_000, 0, 20_000, -1));
        return report;
    }

    @Test
    void shouldComputeRatiosAndCpuPerThousandFromTheSameRun()
    {
        final Report report = planted();
        final String table = report.ratioTable();
        // 30,000 txn/s against 10,000 and 5,000.
        assertTrue(table.contains("| ycsb-f | uniform | 30,000 |"), table);
        assertTrue(table.contains("**3.0×**"), table);
        assertTrue(table.contains("**6.0×**"), table);
        // 3 CPU-s over 300,000 transactions = 0.010 s per 1,000; etcd's is unknown.
        assertTrue(table.contains("0.010"), table);
        assertTrue(table.contains("(CPU n/a)"), table);
        // 30,000 of a 200,000/s echo ceiling.
        assertTrue(table.contains("= **15%** of it"), table);
    }

    @Test
    void shouldNotGiveARatioAgainstARunThatBarelyCommitted()
    {
        final Report report = planted();
        report.add(result("stardust", "bank", "uniform accounts=10", 5_000, 9_000, 50_000, 1_000_000_000L));
        report.add(result("postgresql-async", "bank", "uniform accounts=10", 20, 900, 5_000_000, 1_000_000_000L));
        final String table = report.ratioTable();
        assertTrue(table.contains("n/a (under 100 commits)"), table);
        assertTrue(!table.contains("250.0×"), table);
    }

    @Test
    void shouldSayWhichGoalsAreMet()
    {
        final String goals = planted().goals();
        assertTrue(goals.contains("| YCSB-F uniform (best client count) >= 50% of the Aeron echo ceiling | 15% (30,000 of 200,000/s) | **no** |"),
            goals);
        assertTrue(goals.contains("3.00x | yes"), goals);
        assertTrue(goals.contains("6.00x | yes"), goals);
        // Zipf 12,000 of 30,000 = 40%: not met.
        assertTrue(goals.contains("40% (12,000 of 30,000 txn/s) | **no**"), goals);
    }

    @Test
    void shouldWriteJsonMarkdownAndCharts() throws Exception
    {
        final Report report = planted();
        report.durability("stardust", "majority \"in memory\"");
        report.skip("etcd-2", "not installed");
        report.write(dir);
        final String json = Files.readString(new File(dir, "results.json").toPath());
        assertTrue(json.contains("\"majority \\\"in memory\\\"\""), json);
        assertTrue(json.contains("\"serverCpuSecondsPer1000\": null"), json);
        assertEquals(json.chars().filter((c) -> c == '{').count(), json.chars().filter((c) -> c == '}').count());
        final String md = Files.readString(new File(dir, "report.md").toPath());
        assertTrue(md.contains("not measured: not installed"), md);
        assertTrue(new File(dir, "latency-cdf.png").length() > 1_000);
        assertTrue(new File(dir, "throughput-vs-clients.png").length() > 1_000);
    }
}
