package io.stardust.resourcectl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a capacity setting does to a running cluster, measured on it ({@link Calibration}): at each capacity, the
 * cores a member used and the cluster's throughput. Between points it is linear; outside them it holds the end values.
 * The controller maps a power target onto capacity through it, rather than through the power model's straight line,
 * which assumes a member uses all it is allowed.
 *
 * <p>Points are kept sorted by capacity; cores and throughput are made non-decreasing in capacity (a noisy point
 * below a lower capacity's takes that value), so that the inverse is well defined.
 */
public final class KnobCurve
{
    private static final String HEADER = "capacity,member_cores,txn_per_second";

    /**
     * One measured point.
     *
     * @param capacity     the capacity set.
     * @param memberCores  cores a member used on average.
     * @param txnPerSecond the cluster's throughput.
     */
    public record Point(double capacity, double memberCores, double txnPerSecond)
    {
    }

    private final List<Point> points;

    /**
     * @param measured at least two points at different capacities in (0, 1], cores and throughput 0 or more.
     * @throws IllegalArgumentException naming the point at fault.
     */
    public KnobCurve(final List<Point> measured)
    {
        final List<Point> sorted = new ArrayList<>(measured);
        sorted.sort((a, b) -> Double.compare(a.capacity(), b.capacity()));
        for (int i = 0; i < sorted.size(); i++)
        {
            final Point p = sorted.get(i);
            if (!(p.capacity() > 0 && p.capacity() <= 1) || !(p.memberCores() >= 0) ||
                !Double.isFinite(p.memberCores()) || !(p.txnPerSecond() >= 0) || !Double.isFinite(p.txnPerSecond()))
            {
                throw new IllegalArgumentException("curve point " + p + ": capacity must be in (0, 1], cores and " +
                    "throughput 0 or more");
            }
            if (i > 0 && p.capacity() == sorted.get(i - 1).capacity())
            {
                throw new IllegalArgumentException("the curve has two points at capacity " + p.capacity());
            }
        }
        if (sorted.size() < 2)
        {
            throw new IllegalArgumentException("a curve needs at least two points, not " + sorted.size());
        }
        final List<Point> monotone = new ArrayList<>(sorted.size());
        double cores = 0;
        double txns = 0;
        for (final Point p : sorted)
        {
            cores = Math.max(cores, p.memberCores());
            txns = Math.max(txns, p.txnPerSecond());
            monotone.add(new Point(p.capacity(), cores, txns));
        }
        this.points = List.copyOf(monotone);
    }

    /** @return the points, by capacity, made monotone. */
    public List<Point> points()
    {
        return points;
    }

    /** @param capacity a capacity. @return the cores a member uses there. */
    public double memberCores(final double capacity)
    {
        return interpolate(capacity, true);
    }

    /** @param capacity a capacity. @return the cluster's throughput there. */
    public double txnPerSecond(final double capacity)
    {
        return interpolate(capacity, false);
    }

    /**
     * @param memberCores cores a member may use.
     * @return the lowest capacity at which a member uses that many (the highest point's capacity when none does, the
     * lowest point's when every one uses more).
     */
    public double capacityFor(final double memberCores)
    {
        final Point first = points.get(0);
        if (memberCores <= first.memberCores())
        {
            return first.capacity();
        }
        for (int i = 1; i < points.size(); i++)
        {
            final Point a = points.get(i - 1);
            final Point b = points.get(i);
            if (memberCores <= b.memberCores())
            {
                final double rise = b.memberCores() - a.memberCores();
                return rise <= 0 ? a.capacity() :
                    a.capacity() + (b.capacity() - a.capacity()) * (memberCores - a.memberCores()) / rise;
            }
        }
        return points.get(points.size() - 1).capacity();
    }

    private double interpolate(final double capacity, final boolean cores)
    {
        final Point first = points.get(0);
        if (capacity <= first.capacity())
        {
            return cores ? first.memberCores() : first.txnPerSecond();
        }
        for (int i = 1; i < points.size(); i++)
        {
            final Point a = points.get(i - 1);
            final Point b = points.get(i);
            if (capacity <= b.capacity())
            {
                final double f = (capacity - a.capacity()) / (b.capacity() - a.capacity());
                return cores ? a.memberCores() + f * (b.memberCores() - a.memberCores()) :
                    a.txnPerSecond() + f * (b.txnPerSecond() - a.txnPerSecond());
            }
        }
        final Point last = points.get(points.size() - 1);
        return cores ? last.memberCores() : last.txnPerSecond();
    }

    /** @return the curve as CSV, which {@link #parse} reads. */
    public String format()
    {
        final StringBuilder text = new StringBuilder(HEADER).append('\n');
        for (final Point p : points)
        {
            text.append(String.format(Locale.ROOT, "%.4f,%.5f,%.1f%n", p.capacity(), p.memberCores(),
                p.txnPerSecond()));
        }
        return text.toString();
    }

    /**
     * @param text CSV of {@code capacity,member_cores,txn_per_second}, a header line first.
     * @return the curve.
     * @throws IllegalArgumentException naming the line at fault.
     */
    public static KnobCurve parse(final String text)
    {
        final List<Point> points = new ArrayList<>();
        final String[] lines = text.split("\r?\n");
        for (int n = 0; n < lines.length; n++)
        {
            final String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#") || line.equals(HEADER))
            {
                continue;
            }
            final String[] f = line.split("\\s*,\\s*");
            if (f.length != 3)
            {
                throw new IllegalArgumentException("curve line " + (n + 1) + ": expected " + HEADER + ", found \"" +
                    line + "\"");
            }
            try
            {
                points.add(new Point(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])));
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("curve line " + (n + 1) + ": not a number in \"" + line + "\"", ex);
            }
        }
        return new KnobCurve(points);
    }

    /** @param file a curve {@link #format}ted. @return it. @throws IOException when it cannot be read. */
    public static KnobCurve load(final Path file) throws IOException
    {
        try
        {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(file + ": " + ex.getMessage(), ex);
        }
    }

    /** @param file where to write it. @throws IOException when it cannot be written. */
    public void save(final Path file) throws IOException
    {
        Files.writeString(file, format(), StandardCharsets.UTF_8);
    }
}
