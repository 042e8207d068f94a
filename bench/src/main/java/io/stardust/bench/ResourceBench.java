package io.stardust.bench;

import io.stardust.client.StardustClient;
import io.stardust.protocol.codecs.Knob;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * What power the cluster draws as load changes, and what each knob does to it: three member processes started here
 * (the defaults of {@code stardust start}: fsync, a cgroup each, metrics), YCSB-A.
 * <ul>
 *   <li>{@code --curve}: server CPU and CPU-seconds per 1,000 transactions at 0 (idle), 1, 5, 10, 25, 50 and 100% of
 *   the peak (open loop at that share of the closed-loop peak; 100% is the closed loop itself), as a table and a
 *   PNG chart;</li>
 *   <li>{@code --knobs}: under a closed-loop load of 64 clients, each knob at a few settings: CPU, throughput and
 *   p99, against the defaults measured in the same run.</li>
 * </ul>
 */
@Command(name = "bench resource", mixinStandardHelpOptions = true,
    description = "Power that follows load, and the knobs' effects, on three member processes started here.")
public final class ResourceBench implements Callable<Integer>
{
    @Option(names = "--curve", description = "Measure CPU at 0 to 100% of peak.")
    boolean curve;

    @Option(names = "--low-load-windows", split = ",", description = "Instead of the curve and the knobs: at 10% " +
        "of peak, CPU and p99 with each of these batch windows (microseconds), beside peak with the default.")
    long[] lowLoadWindows;

    @Option(names = "--knobs", description = "Measure each knob's effect under load.")
    boolean knobs;

    @Option(names = "--seconds", defaultValue = "8", description = "Measured seconds per point (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--idle-seconds", defaultValue = "20", description = "Measured seconds of the idle point " +
        "(default ${DEFAULT-VALUE}).")
    int idleSeconds;

    @Option(names = "--out", defaultValue = "bench/target/results", description = "Where results go.")
    File out;

    @Option(names = "--member-jvm-opts", defaultValue = "", description = "JVM options for the member processes, " +
        "space-separated (to compare a setting against the defaults).")
    String memberJvmOptions;

    private static final int CLIENTS = 64;
    private static final long RECORDS = 10_000;
    private final Runner runner = new Runner(null);

    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new ResourceBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception
    {
        if (!curve && !knobs)
        {
            curve = true;
            knobs = true;
        }
        Files.createDirectories(out.toPath());
        final StringBuilder md = new StringBuilder("# Resource bench, " + LocalDate.now() +
            (memberJvmOptions.isBlank() ? "" : ", members with " + memberJvmOptions) + "\n\n");
        try (StardustTarget target = new StardustTarget(null, RECORDS, 1, true,
            memberJvmOptions.isBlank() ? new String[0] : memberJvmOptions.trim().split("\\s+")))
        {
            target.load(RECORDS, 100, 1_000, 1_000);
            // A fresh member's code is cold: the first seconds of load run far below peak.
            run(target, 0, "warm-up");
            run(target, 0, "warm-up");
            final Result peak = run(target, 0, "peak");
            if (lowLoadWindows != null)
            {
                lowLoad(target, peak, md);
                curve = false;
                knobs = false;
            }
            if (curve)
            {
                curve(target, peak, md);
            }
            if (knobs)
            {
                knobs(target, peak, md);
            }
        }
        final File report = new File(out, "resource.md");
        Files.writeString(report.toPath(), md.toString());
        System.out.println(md);
        System.out.println("written to " + report);
        return 0;
    }

    private void curve(final StardustTarget target, final Result peak, final StringBuilder md) throws Exception
    {
        md.append("## CPU against load (YCSB-A, open loop at a share of the closed-loop peak of ")
            .append(String.format(Locale.ROOT, "%,.0f", peak.throughput())).append(" txn/s)\n\n")
            .append("| load | txn/s | server cores | CPU-s per 1,000 txn | p99 ms |\n|---:|---:|---:|---:|---:|\n");
        final double idle = idleCores(target);
        md.append(String.format(Locale.ROOT, "| idle | 0 | %.3f | - | - |%n", idle));
        final double[] shares = {0.01, 0.05, 0.10, 0.25, 0.50};
        final double[] cores = new double[shares.length + 2];
        final double[] load = new double[shares.length + 2];
        cores[0] = idle;
        for (int i = 0; i < shares.length; i++)
        {
            final Result r = run(target, peak.throughput() * shares[i], (int)(shares[i] * 100) + "%");
            cores[i + 1] = cores(r);
            load[i + 1] = shares[i];
            md.append(row((int)Math.round(shares[i] * 100) + "%", r));
        }
        cores[cores.length - 1] = cores(peak);
        load[load.length - 1] = 1.0;
        md.append(row("100% (closed loop, " + CLIENTS + " clients)", peak));
        md.append(String.format(Locale.ROOT, "%nAt 10%% of peak the cluster uses %.0f%% of the CPU it uses at peak " +
            "(goal: at most 25%%); idle it uses %.3f cores (goal: at most 0.1).%n%n", 100 * cores[3] /
            cores[cores.length - 1], idle));
        chart(load, cores, new File(out, "power-curve.png"));
        md.append("Chart: `power-curve.png`.\n\n");
    }

    /** The batch window at low load: per-epoch work dominates there, and fewer, fuller epochs cost less. */
    private void lowLoad(final StardustTarget target, final Result peak, final StringBuilder md) throws Exception
    {
        md.append("## The batch window at 10% of peak (YCSB-A, open loop at ")
            .append(String.format(Locale.ROOT, "%,.0f", peak.throughput() * 0.1)).append(" txn/s)\n\n")
            .append("| batch window | txn/s | server cores | share of peak's cores | p99 ms |\n|---|---:|---:|---:|---:|\n");
        md.append(String.format(Locale.ROOT, "| 2 ms, peak (closed loop) | %.0f | %.3f | 100%% | %.1f |%n",
            peak.throughput(), cores(peak), peak.latencyMs(99)));
        for (final long us : lowLoadWindows)
        {
            target.client().setBatchWindow(us).get(30, TimeUnit.SECONDS);
            final Result r = run(target, peak.throughput() * 0.1, "10% window " + us);
            md.append(String.format(Locale.ROOT, "| %.1f ms | %.0f | %.3f | %.0f%% | %.1f |%n", us / 1000.0,
                r.throughput(), cores(r), 100 * cores(r) / cores(peak), r.latencyMs(99)));
        }
        target.client().setBatchWindow(2_000).get(30, TimeUnit.SECONDS);
    }

    private void knobs(final StardustTarget target, final Result peak, final StringBuilder md) throws Exception
    {
        final StardustClient client = target.client();
        md.append("## Knobs under load (YCSB-A, closed loop, ").append(CLIENTS).append(" clients)\n\n")
            .append("| knob | setting | server cores | txn/s | p99 ms | CPU-s per 1,000 txn |\n")
            .append("|---|---|---:|---:|---:|---:|\n");
        md.append(knobRow("none", "defaults", run(target, 0, "defaults")));
        for (final long w : new long[] {2})
        {
            setAll(client, Knob.WORKERS, w);
            md.append(knobRow("scheduler workers", w + " a member", run(target, 0, "workers " + w)));
        }
        setAll(client, Knob.WORKERS, 1);
        for (final long us : new long[] {1_000, 20_000})
        {
            setAll(client, Knob.IDLE_PARK_MICROS, us);
            md.append(knobRow("idle park", us / 1000 + " ms", run(target, 0, "idle park " + us)));
        }
        setAll(client, Knob.IDLE_PARK_MICROS, 4_000);
        final boolean quota = client.status(0).get(10, TimeUnit.SECONDS).telemetry().cpuQuotaMillicores() >= 0;
        if (quota)
        {
            for (final long mc : new long[] {500, 250})
            {
                setAll(client, Knob.CPU_QUOTA_MILLICORES, mc);
                md.append(knobRow("cpu quota", mc + " millicores a member", run(target, 0, "quota " + mc)));
            }
            setAll(client, Knob.CPU_QUOTA_MILLICORES, 0);
        }
        else
        {
            md.append("| cpu quota | - | not measured: the members have no cgroup of their own here | | | |\n");
        }
        for (final long us : new long[] {500, 20_000})
        {
            client.setBatchWindow(us).get(30, TimeUnit.SECONDS);
            md.append(knobRow("batch window", us / 1000.0 + " ms", run(target, 0, "window " + us)));
        }
        client.setBatchWindow(2_000).get(30, TimeUnit.SECONDS);
        for (final double share : new double[] {0.5, 0.25})
        {
            final long rate = Math.round(peak.throughput() * share);
            client.setAdmission(rate, (int)Math.max(1, rate / 20)).get(30, TimeUnit.SECONDS);
            md.append(knobRow("admission", String.format(Locale.ROOT, "%,d txn/s", rate), run(target, 0,
                "admission " + rate)));
        }
        client.setAdmission(0, 0).get(30, TimeUnit.SECONDS);
        md.append("\nRead endpoint concurrency is not a knob yet: each member serves reads on one thread.\n\n");
    }

    private static void setAll(final StardustClient client, final Knob knob, final long value) throws Exception
    {
        for (int m = 0; m < 3; m++)
        {
            client.setKnob(m, knob, value).get(10, TimeUnit.SECONDS);
        }
    }

    private Result run(final StardustTarget target, final double rate, final String label) throws Exception
    {
        final Runner.Plan plan = new Runner.Plan(Workload.YCSB_A, KeyChooser.parse("uniform", RECORDS),
            rate > 0 ? BenchMain.OPEN_LOOP_CLIENTS : CLIENTS, rate, 2_000, seconds * 1000L, 100, 1_000, 42);
        final Result r = runner.run(target, plan, label, 0);
        System.out.printf(Locale.ROOT, "%-28s %9.0f txn/s  %.3f cores  p99 %.1f ms%n", label, r.throughput(),
            cores(r), r.latencyMs(99));
        return r;
    }

    private double idleCores(final StardustTarget target) throws Exception
    {
        // The cluster settles (JIT, the last epochs' snapshots) before the idle measurement.
        Thread.sleep(10_000);
        final long start = System.nanoTime();
        final long cpu = target.serverCpuNanos();
        Thread.sleep(idleSeconds * 1000L);
        final double idle = (target.serverCpuNanos() - cpu) / (double)(System.nanoTime() - start);
        System.out.printf(Locale.ROOT, "%-28s %.3f cores%n", "idle", idle);
        return idle;
    }

    private static double cores(final Result r)
    {
        return r.serverCpuNanos() / 1e9 / r.seconds();
    }

    private static String row(final String load, final Result r)
    {
        return String.format(Locale.ROOT, "| %s | %,.0f | %.3f | %.3f | %.1f |%n", load, r.throughput(), cores(r),
            r.cpuSecondsPer1000(), r.latencyMs(99));
    }

    private static String knobRow(final String knob, final String setting, final Result r)
    {
        return String.format(Locale.ROOT, "| %s | %s | %.3f | %,.0f | %.1f | %.3f |%n", knob, setting, cores(r),
            r.throughput(), r.latencyMs(99), r.cpuSecondsPer1000());
    }

    private static void chart(final double[] load, final double[] cores, final File file) throws Exception
    {
        final int w = 900;
        final int h = 500;
        final int left = 70;
        final int bottom = 60;
        final BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString("Server CPU (cores) against load (share of peak), 3 members, YCSB-A", left, 25);
        double max = 0;
        for (final double c : cores)
        {
            max = Math.max(max, c);
        }
        max *= 1.15;
        final int plotW = w - left - 30;
        final int plotH = h - bottom - 50;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.drawLine(left, h - bottom, left + plotW, h - bottom);
        g.drawLine(left, h - bottom, left, h - bottom - plotH);
        for (int i = 0; i <= 4; i++)
        {
            final int y = h - bottom - i * plotH / 4;
            g.drawString(String.format(Locale.ROOT, "%.2f", max * i / 4), 20, y + 4);
        }
        final List<int[]> points = new ArrayList<>();
        for (int i = 0; i < load.length; i++)
        {
            final int x = left + (int)(plotW * load[i]);
            final int y = h - bottom - (int)(plotH * cores[i] / max);
            points.add(new int[] {x, y});
            g.drawString(String.format(Locale.ROOT, "%.0f%%", load[i] * 100), x - 8, h - bottom + 18);
        }
        g.setColor(new Color(0x0072B2));
        g.setStroke(new BasicStroke(2f));
        for (int i = 1; i < points.size(); i++)
        {
            g.drawLine(points.get(i - 1)[0], points.get(i - 1)[1], points.get(i)[0], points.get(i)[1]);
        }
        for (final int[] p : points)
        {
            g.fillOval(p[0] - 4, p[1] - 4, 8, 8);
        }
        g.setColor(Color.GRAY);
        g.drawLine(left, h - bottom - (int)(plotH * 0), left + plotW, h - bottom - (int)(plotH * cores[cores.length - 1] /
            max));
        g.drawString("proportional to load", left + plotW - 150, h - bottom - (int)(plotH * cores[cores.length - 1] /
            max) + 16);
        g.dispose();
        ImageIO.write(image, "png", file);
    }
}
