package io.stardust.resourcectl;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A synthetic, seeded solar day, compressed into {@code daySeconds}: a clear-sky curve times a cloud factor, on top
 * of a base that the site always has (a battery or a grid allowance). The same seed gives the same day.
 *
 * <ul>
 *   <li>Clear sky: 0 before sunrise (a quarter of the day) and after sunset (three quarters), and
 *   {@code sin(elevation)^1.5} between, a common stand-in for the loss through more air mass at low sun.</li>
 *   <li>Clouds: the day is cut into spells of 2% to 8% of its length. A spell is clear (factor 0.9 to 1.0, haze)
 *   or, with probability {@link #CLOUD_PROBABILITY}, cloudy (factor 0.2 to 0.6). Spells change at once: the sudden
 *   drops that the controller must follow.</li>
 * </ul>
 */
public final class SolarDay implements Budget
{
    /** Probability that a spell is cloudy. */
    public static final double CLOUD_PROBABILITY = 0.3;

    private final double daySeconds;
    private final double baseWatts;
    private final double peakWatts;
    private final double[] spellEnds;
    private final double[] spellFactors;

    /**
     * @param seed       the day's clouds.
     * @param daySeconds length of the compressed day.
     * @param baseWatts  watts always available (above 0).
     * @param peakWatts  the array's output at noon under a clear sky (0 or more).
     */
    public SolarDay(final long seed, final double daySeconds, final double baseWatts, final double peakWatts)
    {
        if (!(daySeconds > 0) || !Double.isFinite(daySeconds))
        {
            throw new IllegalArgumentException("the day must be longer than 0 s, not " + daySeconds);
        }
        TraceBudget.checkWatts(baseWatts, "the base budget");
        if (!(peakWatts >= 0) || !Double.isFinite(peakWatts))
        {
            throw new IllegalArgumentException("the peak must be 0 W or more, not " + peakWatts);
        }
        this.daySeconds = daySeconds;
        this.baseWatts = baseWatts;
        this.peakWatts = peakWatts;
        final SplittableRandom random = new SplittableRandom(seed);
        final List<double[]> spells = new ArrayList<>();
        double end = 0;
        while (end < daySeconds)
        {
            end = Math.min(daySeconds, end + daySeconds * (0.02 + 0.06 * random.nextDouble()));
            final boolean cloudy = random.nextDouble() < CLOUD_PROBABILITY;
            spells.add(new double[] {end, cloudy ? 0.2 + 0.4 * random.nextDouble() : 0.9 + 0.1 * random.nextDouble()});
        }
        spellEnds = new double[spells.size()];
        spellFactors = new double[spells.size()];
        for (int i = 0; i < spellEnds.length; i++)
        {
            spellEnds[i] = spells.get(i)[0];
            spellFactors[i] = spells.get(i)[1];
        }
    }

    @Override
    public double watts(final double seconds)
    {
        return baseWatts + peakWatts * clearSky(seconds) * cloudFactor(seconds);
    }

    /** @param seconds time in the day. @return the clear-sky fraction of the peak, 0 to 1. */
    public double clearSky(final double seconds)
    {
        final double x = (seconds % daySeconds) / daySeconds;
        if (x <= 0.25 || x >= 0.75)
        {
            return 0;
        }
        return Math.pow(Math.sin(Math.PI * (x - 0.25) / 0.5), 1.5);
    }

    /** @param seconds time in the day. @return the cloud factor of the spell that holds it. */
    public double cloudFactor(final double seconds)
    {
        final double t = seconds % daySeconds;
        for (int i = 0; i < spellEnds.length; i++)
        {
            if (t < spellEnds[i])
            {
                return spellFactors[i];
            }
        }
        return spellFactors[spellFactors.length - 1];
    }

    /** @return the day's length in seconds. */
    public double daySeconds()
    {
        return daySeconds;
    }
}
