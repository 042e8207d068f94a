package io.stardust.bench;

import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Everything one run measured, written as JSON, a markdown report with the ratio table, and PNG charts.
 */
public final class Report
{
    /** A system that could not be measured, and why. */
    public record Skipped(String system, String why)
    {
    }

    private final String date;
    private final String command;
    private final List<Result> results = new ArrayList<>();
    private final Map<String, String> durability = new LinkedHashMap<>();
    private final List<Skipped> skipped = new ArrayList<>();
    private final Map<String, String> notes = new LinkedHashMap<>();
    private double echoPerSecond = Double.NaN;
    private int echoBytes;
    private int clients;

    public Report(final String date, final String command)
    {
        this.date = date;
        this.command = command;
    }

    public synchronized void add(final Result r)
    {
        results.add(r);
    }

    public void durability(final String system, final String text)
    {
        durability.put(system, text);
    }

    public void skip(final String system, final String why)
    {
        skipped.add(new Skipped(system, why));
    }

    public void note(final String key, final String text)
    {
        notes.put(key, text);
    }

    public void echo(final double perSecond, final int bytes)
    {
        echoPerSecond = perSecond;
        echoBytes = bytes;
    }

    public void clients(final int clients)
    {
        this.clients = clients;
    }

    public List<Result> results()
    {
        return List.copyOf(results);
    }

    /** The main figure of a system on a workload: closed loop, the standard client count, no sweep. */
    Optional<Result> headline(final String system, final String workload, final String distribution)
    {
        return results.stream().filter((r) -> r.system().equals(system) && r.workload().equals(workload) &&
            r.distribution().equals(distribution) && r.clients() == clients && r.targetRate() == 0 &&
            r.batchWindowUs() == 0).findFirst();
    }

    /** The best closed-loop figure of a system on a workload, at any client count. */
    Optional<Result> peak(final String system, final String workload, final String distribution)
    {
        return results.stream().filter((r) -> r.system().equals(system) && r.workload().equals(workload) &&
            r.distribution().equals(distribution) && r.targetRate() == 0 && r.batchWindowUs() == 0)
            .max(java.util.Comparator.comparingDouble(Result::throughput));
    }

    private List<String> systems()
    {
        final List<String> names = new ArrayList<>();
        results.forEach((r) -> { if (!names.contains(r.system())) names.add(r.system()); });
        return names;
    }

    // ---- markdown -------------------------------------------------------------------------------------------

    public String markdown()
    {
        final StringBuilder md = new StringBuilder();
        md.append("# Stardust benchmark, ").append(date).append("\n\n");
        md.append("Command: `").append(command).append("`. One machine (2 cores): servers and load generator ")
            .append("share it, so every comparison is a ratio from this one run.\n\n");
        md.append(ratioTable()).append('\n');
        md.append("## Goals\n\n").append(goals()).append('\n');
        md.append("## Durability of each system\n\n");
        durability.forEach((s, d) -> md.append("- **").append(s).append("**: ").append(d).append('\n'));
        skipped.forEach((s) -> md.append("- **").append(s.system()).append("**: not measured: ").append(s.why())
            .append('\n'));
        md.append("\n## Every run\n\n");
        md.append("| system | workload | keys | clients | rate asked | batch window | txn/s | p50 ms | p99 ms | ")
            .append("p99.9 ms | abort rate | errors | server CPU-s / 1000 txn |\n");
        md.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final Result r : results)
        {
            md.append(String.format(Locale.ROOT,
                "| %s | %s | %s | %d | %s | %s | %,.0f | %.2f | %.2f | %.2f | %.1f%% | %d | %s |%n",
                r.system(), r.workload(), r.distribution(), r.clients(),
                r.targetRate() > 0 ? String.format(Locale.ROOT, "%,.0f/s", r.targetRate()) : "closed",
                r.batchWindowUs() > 0 ? String.format(Locale.ROOT, "%.1f ms", r.batchWindowUs() / 1000.0) : "-",
                r.throughput(), r.latencyMs(50), r.latencyMs(99), r.latencyMs(99.9), r.abortRate() * 100, r.errors(),
                Double.isNaN(r.cpuSecondsPer1000()) ? "n/a" :
                    String.format(Locale.ROOT, "%.3f", r.cpuSecondsPer1000())));
        }
        if (!notes.isEmpty())
        {
            md.append("\n## Notes\n\n");
            notes.forEach((k, v) -> md.append("- ").append(v).append('\n'));
        }
        md.append("\nCharts: `throughput-vs-clients.png`, `latency-cdf.png`, `abort-vs-contention.png`, ")
            .append("`batch-window.png`.\n");
        return md.toString();
    }

    /** Stardust against each peer and the echo ceiling, workload by workload, with the goals. */
    public String ratioTable()
    {
        final StringBuilder md = new StringBuilder();
        final List<String> peers = systems().stream().filter((s) -> !s.equals("stardust")).toList();
        md.append("| workload | keys | stardust txn/s | p99 ms | CPU-s/1000 |");
        peers.forEach((p) -> md.append(" ").append(p).append(" txn/s | ratio |"));
        md.append('\n').append("|---|---|---:|---:|---:|");
        peers.forEach((p) -> md.append("---:|---:|"));
        md.append('\n');
        final List<String[]> rows = new ArrayList<>();
        for (final Result r : results)
        {
            if (r.system().equals("stardust") && r.clients() == clients && r.targetRate() == 0 &&
                r.batchWindowUs() == 0 && rows.stream().noneMatch((x) -> x[0].equals(r.workload()) &&
                x[1].equals(r.distribution())))
            {
                rows.add(new String[] {r.workload(), r.distribution()});
            }
        }
        for (final String[] row : rows)
        {
            final Result s = headline("stardust", row[0], row[1]).orElseThrow();
            md.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %.2f | %s |", row[0], row[1], s.throughput(),
                s.latencyMs(99), cpu(s)));
            for (final String p : peers)
            {
                final Optional<Result> peer = headline(p, row[0], row[1]);
                md.append(peer.map((x) -> String.format(Locale.ROOT, " %,.0f (CPU %s) | %s |", x.throughput(), cpu(x),
                    ratio(s, x))).orElse(" - | - |"));
            }
            md.append('\n');
        }
        peak("stardust", "ycsb-f", "uniform").ifPresent((s) ->
        {
            md.append(String.format(Locale.ROOT, "| ycsb-f, best of any client count | uniform | %,.0f (%d clients) " +
                "| %.2f | %s |", s.throughput(), s.clients(), s.latencyMs(99), cpu(s)));
            for (final String p : peers)
            {
                md.append(peak(p, "ycsb-f", "uniform").map((x) -> String.format(Locale.ROOT,
                    " %,.0f (%d clients) | **%.1f×** |", x.throughput(), x.clients(), s.throughput() / x.throughput()))
                    .orElse(" - | - |"));
            }
            md.append('\n');
        });
        if (!Double.isNaN(echoPerSecond))
        {
            peak("stardust", "ycsb-f", "uniform").ifPresent((f) -> md.append(String.format(Locale.ROOT,
                "%nEcho ceiling: a bare 3-member Aeron Cluster echoes %,.0f messages/s of %d bytes (the size of a " +
                "YCSB-F commit record). Stardust's best YCSB-F uniform: %,.0f txn/s = **%.0f%%** of it; its " +
                "read-modify-writes alone (half the mix, the only part that goes through the log) = %.0f%%.%n",
                echoPerSecond, echoBytes, f.throughput(), 100 * f.throughput() / echoPerSecond,
                50 * f.throughput() / echoPerSecond)));
        }
        return md.toString();
    }

    /** The goals, each with the measured figure and whether it is met. */
    public String goals()
    {
        final StringBuilder md = new StringBuilder("| goal | measured | met |\n|---|---|---|\n");
        final Optional<Result> f = peak("stardust", "ycsb-f", "uniform");
        if (f.isEmpty())
        {
            return md.append("| (Stardust was not measured) | | |\n").toString();
        }
        final double tput = f.get().throughput();
        // Throughput goals compare each system at its best client count; latency and skew at the standard one.
        if (!Double.isNaN(echoPerSecond))
        {
            goal(md, "YCSB-F uniform (best client count) >= 50% of the Aeron echo ceiling", String.format(Locale.ROOT,
                "%.0f%% (%,.0f of %,.0f/s)", 100 * tput / echoPerSecond, tput, echoPerSecond),
                tput >= 0.5 * echoPerSecond);
        }
        peak("postgresql-async", "ycsb-f", "uniform").ifPresent((pg) -> goal(md,
            ">= 3x PostgreSQL SERIALIZABLE, synchronous_commit=off, YCSB-F uniform (each at its best client count)", String.format(Locale.ROOT,
                "%.2fx", tput / pg.throughput()), tput >= 3 * pg.throughput()));
        peak("etcd", "ycsb-f", "uniform").ifPresent((e) -> goal(md, ">= 5x etcd, YCSB-F uniform (each at its best)",
            String.format(Locale.ROOT, "%.2fx", tput / e.throughput()), tput >= 5 * e.throughput()));
        results.stream().filter((r) -> r.system().equals("stardust") && r.workload().equals("ycsb-f") &&
            r.distribution().equals("uniform") && r.targetRate() > 0 && r.batchWindowUs() == 0).findFirst()
            .ifPresent((r) -> goal(md, "p99 <= batch window (2 ms) + 2 ms at half of peak load", String.format(
                Locale.ROOT, "p99 %.2f ms at %,.0f txn/s", r.latencyMs(99), r.targetRate()), r.latencyMs(99) <= 4.0));
        final Optional<Result> u = headline("stardust", "ycsb-f", "uniform");
        final Optional<Result> z = headline("stardust", "ycsb-f", "zipf");
        if (u.isPresent() && z.isPresent())
        {
            final double uniform = u.get().throughput();
            final double zipf = z.get().throughput();
            goal(md, "YCSB-F Zipf 0.99 >= 50% of uniform (same client count)", String.format(Locale.ROOT,
                "%.0f%% (%,.0f of %,.0f txn/s)", 100 * zipf / uniform, zipf, uniform), zipf >= 0.5 * uniform);
            headline("stardust-oneshot", "ycsb-f", "zipf").ifPresent((o) -> goal(md,
                "one-shot: YCSB-F Zipf 0.99 as one-shot >= 50% of uniform YCSB-F (read-then-validate)",
                String.format(Locale.ROOT, "%.0f%% (%,.0f of %,.0f txn/s)", 100 * o.throughput() / uniform,
                    o.throughput(), uniform), o.throughput() >= 0.5 * uniform));
        }
        final Optional<Result> bank = headline("stardust-oneshot", "bank", "uniform accounts=10");
        for (final String pg : List.of("postgresql-sync", "postgresql-async"))
        {
            bank.ifPresent((o) -> headline(pg, "bank", "uniform accounts=10").ifPresent((x) -> goal(md,
                "one-shot: bank, 10 accounts >= 10x " + pg + " (SERIALIZABLE, rows updated in key order)",
                String.format(Locale.ROOT, "%.1fx (%,.0f against %,.0f txn/s)", o.throughput() / x.throughput(),
                    o.throughput(), x.throughput()), o.throughput() >= 10 * x.throughput())));
        }
        final Optional<Result> read = headline("stardust", "ycsb-c", "uniform");
        final Optional<Result> commit = headline("stardust", "bank", "uniform accounts=100");
        final Optional<Result> oneShotBank = headline("stardust-oneshot", "bank", "uniform accounts=100");
        if (read.isPresent() && commit.isPresent() && oneShotBank.isPresent())
        {
            final double budget = read.get().latencyMs(50) + commit.get().latencyMs(50);
            goal(md, "one-shot: commit p50 under one read plus one commit of today's path (YCSB-C read p50 + bank " +
                "100 accounts commit p50)", String.format(Locale.ROOT, "%.2f ms against %.2f + %.2f ms",
                oneShotBank.get().latencyMs(50), read.get().latencyMs(50), commit.get().latencyMs(50)),
                oneShotBank.get().latencyMs(50) < budget);
        }
        return md.toString();
    }

    private static void goal(final StringBuilder md, final String goal, final String measured, final boolean met)
    {
        md.append("| ").append(goal).append(" | ").append(measured).append(" | ").append(met ? "yes" : "**no**")
            .append(" |\n");
    }

    /** Fewer commits than this in a run, and its ratio means little: the table says so instead. */
    static final long MIN_COMMITS_FOR_RATIO = 100;

    private static String ratio(final Result ours, final Result theirs)
    {
        if (ours.committed() < MIN_COMMITS_FOR_RATIO || theirs.committed() < MIN_COMMITS_FOR_RATIO)
        {
            return "n/a (under " + MIN_COMMITS_FOR_RATIO + " commits)";
        }
        return String.format(Locale.ROOT, "**%.1f×**", ours.throughput() / theirs.throughput());
    }

    private static String cpu(final Result r)
    {
        return Double.isNaN(r.cpuSecondsPer1000()) ? "n/a" : String.format(Locale.ROOT, "%.3f", r.cpuSecondsPer1000());
    }

    // ---- JSON -----------------------------------------------------------------------------------------------

    public String json()
    {
        final StringBuilder j = new StringBuilder("{\n");
        j.append("  \"date\": ").append(q(date)).append(",\n");
        j.append("  \"command\": ").append(q(command)).append(",\n");
        j.append("  \"clients\": ").append(clients).append(",\n");
        j.append("  \"echoCeiling\": {\"messagesPerSecond\": ").append(num(echoPerSecond)).append(", \"bytes\": ")
            .append(echoBytes).append("},\n");
        j.append("  \"durability\": {");
        j.append(String.join(", ", durability.entrySet().stream().map((e) -> q(e.getKey()) + ": " + q(e.getValue()))
            .toList()));
        j.append("},\n  \"skipped\": [");
        j.append(String.join(", ", skipped.stream().map((s) -> "{\"system\": " + q(s.system()) + ", \"why\": " +
            q(s.why()) + "}").toList()));
        j.append("],\n  \"results\": [\n");
        for (int i = 0; i < results.size(); i++)
        {
            final Result r = results.get(i);
            j.append(String.format(Locale.ROOT, "    {\"system\": %s, \"workload\": %s, \"distribution\": %s, " +
                "\"clients\": %d, \"targetRate\": %s, \"batchWindowUs\": %d, \"seconds\": %s, \"committed\": %d, " +
                "\"aborts\": %d, \"errors\": %d, \"throughput\": %s, \"p50Ms\": %s, \"p99Ms\": %s, " +
                "\"p999Ms\": %s, \"maxMs\": %s, \"abortRate\": %s, \"serverCpuSecondsPer1000\": %s}%s%n",
                q(r.system()), q(r.workload()), q(r.distribution()), r.clients(), num(r.targetRate()),
                r.batchWindowUs(), num(r.seconds()), r.committed(), r.aborts(), r.errors(), num(r.throughput()),
                num(r.latencyMs(50)), num(r.latencyMs(99)), num(r.latencyMs(99.9)),
                num(r.latency().getMaxValue() / 1000.0), num(r.abortRate()), num(r.cpuSecondsPer1000()),
                i + 1 < results.size() ? "," : ""));
        }
        j.append("  ]\n}\n");
        return j.toString();
    }

    private static String num(final double d)
    {
        return Double.isNaN(d) || Double.isInfinite(d) ? "null" : String.format(Locale.ROOT, "%.6g", d);
    }

    static String q(final String s)
    {
        return io.stardust.test.Json.quote(s);
    }

    // ---- charts ---------------------------------------------------------------------------------------------

    /** Write results.json, report.md and the charts into {@code dir}. */
    public void write(final File dir) throws IOException
    {
        Files.createDirectories(dir.toPath());
        Files.writeString(new File(dir, "results.json").toPath(), json());
        Files.writeString(new File(dir, "report.md").toPath(), markdown());
        chart(dir, "throughput-vs-clients", "Throughput against clients (YCSB-F, uniform, closed loop)", "clients",
            "committed txn/s", (r) -> r.workload().equals("ycsb-f") && r.distribution().equals("uniform") &&
                r.targetRate() == 0 && r.batchWindowUs() == 0, (r) -> (double)r.clients(), Result::throughput, true);
        chart(dir, "abort-vs-contention", "Abort rate against contention (bank transfers)", "accounts (fewer = " +
            "more contention)", "aborted attempts / attempts", (r) -> r.workload().startsWith("bank") &&
            r.targetRate() == 0 && r.clients() == clients, (r) -> (double)accountsOf(r), Result::abortRate, true);
        batchWindowChart(dir);
        latencyCdf(dir);
    }

    private static long accountsOf(final Result r)
    {
        final int at = r.distribution().indexOf("accounts=");
        return at < 0 ? 0 : Long.parseLong(r.distribution().substring(at + 9).split("[^0-9]")[0]);
    }

    private void chart(final File dir, final String file, final String title, final String x, final String y,
        final Predicate<Result> which, final java.util.function.ToDoubleFunction<Result> xOf,
        final java.util.function.ToDoubleFunction<Result> yOf, final boolean logX) throws IOException
    {
        final XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(x).yAxisTitle(y)
            .build();
        chart.getStyler().setXAxisLogarithmic(logX);
        boolean any = false;
        for (final String system : systems())
        {
            final TreeMap<Double, Double> points = new TreeMap<>();
            results.stream().filter((r) -> r.system().equals(system) && which.test(r))
                .forEach((r) -> points.put(xOf.applyAsDouble(r), yOf.applyAsDouble(r)));
            if (points.size() >= 1 && points.firstKey() > 0)
            {
                chart.addSeries(system, new ArrayList<>(points.keySet()), new ArrayList<>(points.values()))
                    .setMarker(SeriesMarkers.CIRCLE);
                any = true;
            }
        }
        if (any)
        {
            BitmapEncoder.saveBitmap(chart, new File(dir, file).getPath(), BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private void batchWindowChart(final File dir) throws IOException
    {
        final TreeMap<Double, Result> closed = new TreeMap<>();
        final TreeMap<Double, Result> open = new TreeMap<>();
        results.stream().filter((r) -> r.batchWindowUs() > 0)
            .forEach((r) -> (r.targetRate() > 0 ? open : closed).put(r.batchWindowUs() / 1000.0, r));
        if (closed.isEmpty() && open.isEmpty())
        {
            return;
        }
        final XYChart chart = new XYChartBuilder().width(900).height(520)
            .title("Stardust batch window sweep (YCSB-F, uniform)").xAxisTitle("batch window (ms)")
            .yAxisTitle("peak committed txn/s (closed loop)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        if (!closed.isEmpty())
        {
            chart.addSeries("peak txn/s", new ArrayList<>(closed.keySet()),
                closed.values().stream().map(Result::throughput).toList()).setMarker(SeriesMarkers.CIRCLE);
        }
        if (!open.isEmpty())
        {
            final List<Double> xs = new ArrayList<>(open.keySet());
            final XYSeries p99 = chart.addSeries("p99 ms at a fixed load", xs,
                open.values().stream().map((r) -> r.latencyMs(99)).toList());
            p99.setYAxisGroup(1);
            p99.setMarker(SeriesMarkers.DIAMOND);
            chart.setYAxisGroupTitle(1, "p99 ms / CPU-ms per txn (open loop)");
            final XYSeries cpu = chart.addSeries("server CPU-ms per txn at a fixed load", xs, open.values().stream()
                .map((r) -> Double.isNaN(r.cpuSecondsPer1000()) ? 0.0 : r.cpuSecondsPer1000()).toList());
            cpu.setYAxisGroup(1);
            cpu.setMarker(SeriesMarkers.SQUARE);
        }
        BitmapEncoder.saveBitmap(chart, new File(dir, "batch-window").getPath(), BitmapEncoder.BitmapFormat.PNG);
    }

    private void latencyCdf(final File dir) throws IOException
    {
        final XYChart chart = new XYChartBuilder().width(800).height(500)
            .title("Latency CDF (YCSB-F, uniform, " + clients + " clients, closed loop)").xAxisTitle("latency (ms)")
            .yAxisTitle("fraction of transactions").build();
        chart.getStyler().setXAxisLogarithmic(true);
        boolean any = false;
        for (final String system : systems())
        {
            final Optional<Result> r = headline(system, "ycsb-f", "uniform");
            if (r.isEmpty() || r.get().committed() == 0)
            {
                continue;
            }
            final List<Double> xs = new ArrayList<>();
            final List<Double> ys = new ArrayList<>();
            for (final HistogramIterationValue v : r.get().latency().percentiles(5))
            {
                xs.add(Math.max(0.001, v.getValueIteratedTo() / 1000.0));
                ys.add(v.getPercentileLevelIteratedTo() / 100.0);
            }
            chart.addSeries(system, xs, ys).setMarker(SeriesMarkers.NONE);
            any = true;
        }
        if (any)
        {
            BitmapEncoder.saveBitmap(chart, new File(dir, "latency-cdf").getPath(), BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
