package io.stardust.server;

import io.stardust.protocol.codecs.Knob;
import io.stardust.sequencer.StardustService;

import java.util.concurrent.TimeUnit;

/** A member's {@link MemberKnobs}: scheduler workers, the idle park of its agent threads, and its CPU quota. */
final class LocalKnobs implements MemberKnobs
{
    /** Longest idle park the knob accepts, microseconds. */
    static final long MAX_IDLE_PARK_MICROS = 100_000;

    private final StardustService service;
    private final QuietSpell idlePark;
    private final CpuQuota cpuQuota;

    /**
     * @param service    the member's service (workers); null on a member without one.
     * @param idlePark   the idle park of the member's agent threads (the knob, and the deep park of quiet spells).
     * @param cpuQuota   the member's cgroup, or one that says why there is none.
     */
    LocalKnobs(final StardustService service, final QuietSpell idlePark, final CpuQuota cpuQuota)
    {
        this.service = service;
        this.idlePark = idlePark;
        this.cpuQuota = cpuQuota;
    }

    @Override
    public long set(final Knob knob, final long value)
    {
        switch (knob)
        {
            case WORKERS ->
            {
                if (value < 1 || value > io.stardust.scheduler.Scheduler.MAX_WORKERS)
                {
                    throw new IllegalArgumentException("workers must be 1 to " +
                        io.stardust.scheduler.Scheduler.MAX_WORKERS + ", not " + value);
                }
                if (service == null)
                {
                    throw new UnsupportedOperationException("this member runs no scheduler");
                }
                service.workers((int)value);
                return value;
            }
            case IDLE_PARK_MICROS ->
            {
                if (value < 1 || value > MAX_IDLE_PARK_MICROS)
                {
                    throw new IllegalArgumentException("idle park must be 1 to " + MAX_IDLE_PARK_MICROS +
                        " microseconds, not " + value);
                }
                idlePark.knob(TimeUnit.MICROSECONDS.toNanos(value));
                return value;
            }
            case CPU_QUOTA_MILLICORES ->
            {
                return cpuQuota.set(value);
            }
            default -> throw new IllegalArgumentException("unknown knob " + knob);
        }
    }

    @Override
    public long get(final Knob knob)
    {
        return switch (knob)
        {
            case WORKERS -> service == null ? -1 : service.workers();
            case IDLE_PARK_MICROS -> TimeUnit.NANOSECONDS.toMicros(idlePark.knobNs());
            case CPU_QUOTA_MILLICORES -> cpuQuota.millicores();
            default -> -1;
        };
    }
}
