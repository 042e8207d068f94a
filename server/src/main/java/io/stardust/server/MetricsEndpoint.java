package io.stardust.server;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.stardust.protocol.codecs.Knob;
import io.stardust.resourcectl.PowerModel;
import io.stardust.sequencer.StardustService;

import java.io.IOException;

/**
 * A member's Prometheus {@code /metrics} endpoint (HTTP, on its base port + 9 unless configured): throughput as
 * counters of commits, aborts and refusals; epochs, their size, apply time and latency; process CPU and the watts
 * the power model makes of it; and the value of every knob, local and replicated. Read when scraped; nothing is
 * computed between scrapes except the CPU rate, which spans the time since the previous scrape.
 */
final class MetricsEndpoint implements AutoCloseable
{
    private final HTTPServer server;
    private final PowerModel model;
    private long lastCpuNanos = processCpuNanos();
    private long lastSampleNanos = System.nanoTime();
    private double lastCores;

    private MetricsEndpoint(final HTTPServer server, final PowerModel model)
    {
        this.server = server;
        this.model = model;
    }

    /**
     * @param host    address to listen on.
     * @param port    TCP port.
     * @param member  the member's id, a label on every metric.
     * @param service its service.
     * @param knobs   its local knobs.
     * @param model   its power model.
     * @return the running endpoint.
     * @throws IOException when the port cannot be bound.
     */
    static MetricsEndpoint start(final String host, final int port, final int member, final StardustService service,
        final MemberKnobs knobs, final PowerModel model) throws IOException
    {
        final PrometheusRegistry registry = new PrometheusRegistry();
        final String id = Integer.toString(member);
        final MetricsEndpoint[] self = new MetricsEndpoint[1];
        counter(registry, "stardust_transactions_committed", "Transactions committed since the log began",
            id, service::committedCount);
        counter(registry, "stardust_transactions_aborted", "Transactions aborted since the log began",
            id, service::abortedCount);
        counter(registry, "stardust_one_shot_transactions", "One-shot transactions sequenced since the member " +
            "started (counted in committed or aborted too)", id, service::oneShotCount);
        counter(registry, "stardust_one_shot_condition_failures", "One-shot transactions aborted by a false " +
            "condition since the member started", id, service::conditionFailureCount);
        counter(registry, "stardust_over_budget_refusals", "Commits refused as over the admission rate since the " +
            "member started", id, service::overBudgetRefusals);
        counter(registry, "stardust_epochs", "Epochs applied since the member started", id,
            () -> service.telemetry().epochs());
        counter(registry, "stardust_epoch_apply_seconds", "Time spent validating and applying epochs",
            id, () -> service.telemetry().applyNanos() / 1e9);
        counter(registry, "stardust_cpu_seconds", "CPU time of the member's process", id,
            () -> processCpuNanos() / 1e9);
        gauge(registry, "stardust_last_epoch_transactions", "Transactions in the last epoch applied", id,
            () -> service.telemetry().lastEpochTxns());
        gauge(registry, "stardust_queue_depth", "Transactions waiting in the open epoch", id,
            () -> service.telemetry().queueDepth());
        gauge(registry, "stardust_applied_epoch", "Last epoch applied to storage", id,
            () -> service.storage().appliedEpoch());
        gauge(registry, "stardust_cpu_cores", "Cores used since the previous scrape", id,
            () -> self[0].cores());
        gauge(registry, "stardust_modelled_watts", "Watts by the power model P = P_idle + (P_max - P_idle) * u at " +
            "the cores used since the previous scrape (an assumption, not a meter)", id,
            () -> self[0].model.watts(self[0].cores()));
        hostEnergy(registry, id);
        GaugeWithCallback.builder()
            .name("stardust_epoch_latency_seconds")
            .help("Epoch latency (opened in log time to applied here) over the last 10 to 20 s, by transactions")
            .labelNames("member", "quantile")
            .callback((cb) ->
            {
                for (final double q : new double[] {0.5, 0.99})
                {
                    final long micros = service.telemetry().latencyMicros(q * 100);
                    if (micros >= 0)
                    {
                        cb.call(micros / 1e6, id, Double.toString(q));
                    }
                }
            })
            .register(registry);
        GaugeWithCallback.builder()
            .name("stardust_knob")
            .help("The value of each knob: local (workers, idle_park_micros, cpu_quota_millicores; -1 when the " +
                "member cannot turn it) and replicated (batch_window_micros, admission_rate)")
            .labelNames("member", "knob")
            .callback((cb) ->
            {
                cb.call(knobs.get(Knob.WORKERS), id, "workers");
                cb.call(knobs.get(Knob.IDLE_PARK_MICROS), id, "idle_park_micros");
                cb.call(knobs.get(Knob.CPU_QUOTA_MILLICORES), id, "cpu_quota_millicores");
                cb.call(service.batchWindowMicros(), id, "batch_window_micros");
                cb.call(service.admissionRatePerSecond(), id, "admission_rate");
            })
            .register(registry);
        final HTTPServer server = HTTPServer.builder().hostname(host).port(port).registry(registry)
            .buildAndStart();
        self[0] = new MetricsEndpoint(server, model);
        return self[0];
    }

    /** The host's energy by RAPL, where the host has the counters (absent on virtual machines, like this one's). */
    private static void hostEnergy(final PrometheusRegistry registry, final String member)
    {
        final io.stardust.resourcectl.RaplMeter rapl;
        try
        {
            rapl = io.stardust.resourcectl.RaplMeter.open(io.stardust.resourcectl.RaplMeter.SYSFS);
        }
        catch (final IOException ex)
        {
            return;
        }
        counter(registry, "stardust_host_energy_joules", "Energy the member's host used since the member started, " +
            "measured by " + rapl.describe() + " (the whole host, shared by every member on it)", member, () ->
            {
                try
                {
                    return rapl.microjoules() / 1e6;
                }
                catch (final IOException ex)
                {
                    return Double.NaN;
                }
            });
    }

    private static void counter(final PrometheusRegistry registry, final String name, final String help,
        final String member, final java.util.function.DoubleSupplier value)
    {
        CounterWithCallback.builder().name(name).help(help).labelNames("member")
            .callback((cb) -> cb.call(value.getAsDouble(), member)).register(registry);
    }

    private static void gauge(final PrometheusRegistry registry, final String name, final String help,
        final String member, final java.util.function.DoubleSupplier value)
    {
        GaugeWithCallback.builder().name(name).help(help).labelNames("member")
            .callback((cb) -> cb.call(value.getAsDouble(), member)).register(registry);
    }

    /**
     * @return cores used between the last two samples; a scrape takes a new sample when the last is over 100 ms old,
     * so both gauges of one scrape see the same value.
     */
    private synchronized double cores()
    {
        final long now = System.nanoTime();
        if (now - lastSampleNanos > 100_000_000L)
        {
            final long cpu = processCpuNanos();
            lastCores = (double)(cpu - lastCpuNanos) / (now - lastSampleNanos);
            lastCpuNanos = cpu;
            lastSampleNanos = now;
        }
        return lastCores;
    }

    static long processCpuNanos()
    {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
    }

    /** @return the port it listens on. */
    int port()
    {
        return server.getPort();
    }

    @Override
    public void close()
    {
        server.close();
    }
}
