package io.stardust.resourcectl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A budget read from a trace: points of (seconds, watts), joined by straight lines. Two points at the same time make a
 * step. Before the first point the budget is the first point's; after the last, the last point's.
 *
 * <p>Two file formats:
 * <ul>
 *   <li>CSV: one {@code seconds,watts} pair a line; blank lines, lines starting with {@code #}, and a header line
 *   whose first field is not a number are skipped.</li>
 *   <li>JSON: an array of objects, {@code [{"t": 0, "watts": 120}, ...]}.</li>
 * </ul>
 * A malformed file is refused whole with the line (CSV) or point (JSON) at fault named.
 */
public final class TraceBudget implements Budget
{
    private final double[] seconds;
    private final double[] watts;

    /**
     * @param seconds point times, not decreasing, from 0 or more.
     * @param watts   the budget at each point, above 0.
     * @throws IllegalArgumentException naming the first point at fault.
     */
    public TraceBudget(final double[] seconds, final double[] watts)
    {
        this(seconds, watts, null);
    }

    private TraceBudget(final double[] seconds, final double[] watts, final String[] where)
    {
        if (seconds.length == 0 || seconds.length != watts.length)
        {
            throw new IllegalArgumentException("a trace needs at least one point, and a watts value for each time (" +
                seconds.length + " times, " + watts.length + " watts)");
        }
        for (int i = 0; i < seconds.length; i++)
        {
            if (!(seconds[i] >= 0) || !Double.isFinite(seconds[i]))
            {
                throw new IllegalArgumentException(where(where, i) + ": time " + seconds[i] +
                    " s must be 0 or more");
            }
            if (i > 0 && seconds[i] < seconds[i - 1])
            {
                throw new IllegalArgumentException(where(where, i) + ": time " + seconds[i] +
                    " s is before the previous point's " + seconds[i - 1] + " s; times must not decrease");
            }
            checkWatts(watts[i], where(where, i) + ": the budget");
        }
        this.seconds = seconds.clone();
        this.watts = watts.clone();
    }

    private static String where(final String[] where, final int i)
    {
        return where == null ? "point " + (i + 1) : where[i];
    }

    static void checkWatts(final double value, final String what)
    {
        if (!(value > 0) || !Double.isFinite(value))
        {
            throw new IllegalArgumentException(what + " must be above 0, not " + value);
        }
    }

    @Override
    public double watts(final double t)
    {
        if (t <= seconds[0])
        {
            return watts[0];
        }
        final int last = seconds.length - 1;
        if (t >= seconds[last])
        {
            return watts[last];
        }
        // The last point at or before t; the next one is after it.
        int i = Arrays.binarySearch(seconds, t);
        if (i >= 0)
        {
            while (i < last && seconds[i + 1] == t)
            {
                i++;
            }
            return watts[i];
        }
        i = -i - 2;
        final double span = seconds[i + 1] - seconds[i];
        return watts[i] + (watts[i + 1] - watts[i]) * (t - seconds[i]) / span;
    }

    /** @return the time of the last point: the trace's length in seconds. */
    public double lengthSeconds()
    {
        return seconds[seconds.length - 1];
    }

    /**
     * @param file a {@code .json} file, or CSV otherwise.
     * @return its trace.
     * @throws IOException when it cannot be read.
     * @throws IllegalArgumentException naming the file and the line or point at fault.
     */
    public static TraceBudget load(final Path file) throws IOException
    {
        final String text = Files.readString(file, StandardCharsets.UTF_8);
        try
        {
            return parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(file + ": " + ex.getMessage(), ex);
        }
    }

    /** @param text a JSON array of points, or CSV lines. @return the trace. */
    public static TraceBudget parse(final String text)
    {
        return text.stripLeading().startsWith("[") ? parseJson(text) : parseCsv(text);
    }

    /** @param text CSV lines of {@code seconds,watts}. @return the trace. */
    public static TraceBudget parseCsv(final String text)
    {
        final List<double[]> points = new ArrayList<>();
        final List<String> where = new ArrayList<>();
        final String[] lines = text.split("\r?\n", -1);
        for (int n = 0; n < lines.length; n++)
        {
            final String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#"))
            {
                continue;
            }
            final String[] fields = line.split("\\s*,\\s*");
            if (points.isEmpty() && fields.length > 0 && !looksNumeric(fields[0]))
            {
                continue;
            }
            if (fields.length != 2)
            {
                throw new IllegalArgumentException("line " + (n + 1) + ": expected seconds,watts but found " +
                    fields.length + " field(s) in \"" + line + "\"");
            }
            points.add(new double[] {number(fields[0], "line " + (n + 1) + ": seconds"),
                number(fields[1], "line " + (n + 1) + ": watts")});
            where.add("line " + (n + 1));
        }
        return of(points, where);
    }

    private static final Pattern JSON_POINT = Pattern.compile(
        "\\{\\s*\"(t|watts)\"\\s*:\\s*([^,}\\s]+)\\s*,\\s*\"(t|watts)\"\\s*:\\s*([^,}\\s]+)\\s*}");

    /** @param text a JSON array of {@code {"t": seconds, "watts": watts}} objects. @return the trace. */
    public static TraceBudget parseJson(final String text)
    {
        final String body = text.strip();
        if (!body.startsWith("[") || !body.endsWith("]"))
        {
            throw new IllegalArgumentException("expected a JSON array of {\"t\": seconds, \"watts\": watts} objects");
        }
        final String inner = body.substring(1, body.length() - 1).strip();
        final List<double[]> points = new ArrayList<>();
        final List<String> where = new ArrayList<>();
        final Matcher m = JSON_POINT.matcher(inner);
        int at = 0;
        while (at < inner.length())
        {
            if (!m.find(at) || m.start() != at)
            {
                throw new IllegalArgumentException("point " + (points.size() + 1) +
                    ": expected {\"t\": seconds, \"watts\": watts} at \"" + excerpt(inner, at) + "\"");
            }
            if (m.group(1).equals(m.group(3)))
            {
                throw new IllegalArgumentException("point " + (points.size() + 1) + ": \"" + m.group(1) +
                    "\" given twice");
            }
            final String point = "point " + (points.size() + 1);
            final double t = number(m.group(1).equals("t") ? m.group(2) : m.group(4), point + ": t");
            final double w = number(m.group(1).equals("watts") ? m.group(2) : m.group(4), point + ": watts");
            points.add(new double[] {t, w});
            where.add(point);
            at = m.end();
            while (at < inner.length() && Character.isWhitespace(inner.charAt(at)))
            {
                at++;
            }
            if (at < inner.length())
            {
                if (inner.charAt(at) != ',')
                {
                    throw new IllegalArgumentException("after point " + points.size() + ": expected ',' at \"" +
                        excerpt(inner, at) + "\"");
                }
                at++;
                while (at < inner.length() && Character.isWhitespace(inner.charAt(at)))
                {
                    at++;
                }
                if (at == inner.length())
                {
                    throw new IllegalArgumentException("a ',' after the last point");
                }
            }
        }
        return of(points, where);
    }

    private static TraceBudget of(final List<double[]> points, final List<String> where)
    {
        if (points.isEmpty())
        {
            throw new IllegalArgumentException("the trace has no points");
        }
        final double[] t = new double[points.size()];
        final double[] w = new double[points.size()];
        for (int i = 0; i < t.length; i++)
        {
            t[i] = points.get(i)[0];
            w[i] = points.get(i)[1];
        }
        return new TraceBudget(t, w, where.toArray(new String[0]));
    }

    private static boolean looksNumeric(final String field)
    {
        return !field.isEmpty() && (Character.isDigit(field.charAt(0)) || field.charAt(0) == '-' ||
            field.charAt(0) == '+' || field.charAt(0) == '.');
    }

    private static double number(final String text, final String what)
    {
        try
        {
            final double value = Double.parseDouble(text);
            if (!Double.isFinite(value))
            {
                throw new NumberFormatException();
            }
            return value;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(what + " is not a number: \"" + text + "\"");
        }
    }

    private static String excerpt(final String text, final int at)
    {
        return text.substring(at, Math.min(text.length(), at + 30));
    }
}
