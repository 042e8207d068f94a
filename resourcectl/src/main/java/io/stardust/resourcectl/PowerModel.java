package io.stardust.resourcectl;

/**
 * Modelled power of one member where no meter exists: {@code P = P_idle + (P_max - P_idle) * u}, where {@code u} is
 * the member's CPU use as a fraction of the cores it may use.
 *
 * <p>The defaults are not measurements. {@link #DEFAULT_MAX_WATTS} is a 2-core share of a server CPU at about 15 W a
 * core under full load (a 32-core part with a TDP near 240 W, as is common in 2024-2026 servers).
 * {@link #DEFAULT_IDLE_WATTS} is half of that: Barroso and Hölzle, "The Case for Energy-Proportional Computing"
 * (IEEE Computer, 2007), found servers at idle drawing about half their peak power. Set both from a meter
 * (RAPL, a PDU) where one exists.
 *
 * @param idleWatts watts at {@code u = 0}.
 * @param maxWatts  watts at {@code u = 1}.
 * @param cores     cores the member may use; {@code u} is cores used over this.
 */
public record PowerModel(double idleWatts, double maxWatts, double cores)
{
    /** Default watts of one member at full use of its cores. */
    public static final double DEFAULT_MAX_WATTS = 30.0;
    /** Default watts of one idle member: half of {@link #DEFAULT_MAX_WATTS}. */
    public static final double DEFAULT_IDLE_WATTS = 15.0;

    /** @throws IllegalArgumentException unless {@code 0 <= idleWatts < maxWatts} and {@code cores > 0}. */
    public PowerModel
    {
        if (!(idleWatts >= 0) || !Double.isFinite(idleWatts))
        {
            throw new IllegalArgumentException("idle watts must be 0 or more, not " + idleWatts);
        }
        if (!(maxWatts > idleWatts) || !Double.isFinite(maxWatts))
        {
            throw new IllegalArgumentException("max watts (" + maxWatts + ") must be above idle watts (" + idleWatts +
                ")");
        }
        if (!(cores > 0) || !Double.isFinite(cores))
        {
            throw new IllegalArgumentException("cores must be above 0, not " + cores);
        }
    }

    /** @param cores cores the member may use. @return the default model. */
    public static PowerModel defaults(final double cores)
    {
        return new PowerModel(DEFAULT_IDLE_WATTS, DEFAULT_MAX_WATTS, cores);
    }

    /**
     * @param members the members' models.
     * @return one model for them together: idle and max watts and cores added up.
     */
    public static PowerModel sum(final java.util.List<PowerModel> members)
    {
        if (members.isEmpty())
        {
            throw new IllegalArgumentException("no members to model");
        }
        double idle = 0;
        double max = 0;
        double cores = 0;
        for (final PowerModel m : members)
        {
            idle += m.idleWatts();
            max += m.maxWatts();
            cores += m.cores();
        }
        return new PowerModel(idle, max, cores);
    }

    /** @param coresUsed CPU use in cores (CPU-seconds per second). @return modelled watts; u is clamped to [0, 1]. */
    public double watts(final double coresUsed)
    {
        return idleWatts + (maxWatts - idleWatts) * utilisation(coresUsed);
    }

    /** @param coresUsed CPU use in cores. @return {@code u}, clamped to [0, 1]. */
    public double utilisation(final double coresUsed)
    {
        return Math.max(0.0, Math.min(1.0, coresUsed / cores));
    }

    /** @param watts a power. @return the utilisation {@code u} at which this model draws it, clamped to [0, 1]. */
    public double utilisationAt(final double watts)
    {
        return Math.max(0.0, Math.min(1.0, (watts - idleWatts) / (maxWatts - idleWatts)));
    }
}
