package io.stardust.resourcectl;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A budget as an operator sets it ({@code stardust ops budget}), in a text form that the cluster stores and every
 * controller reads: what kind of budget, its parameters, and the wall-clock time its trace starts. Time 0 of the
 * budget, and of its ledger windows, is that start, so a controller that restarts picks the trace up where it is, not
 * from its beginning.
 *
 * <p>Kinds:
 * <ul>
 *   <li>{@code watts}: a constant power ({@code watts});</li>
 *   <li>{@code energy}: joules per window ({@code joules}, {@code window-seconds}), spent evenly;</li>
 *   <li>{@code trace}: a CSV or JSON trace of seconds and watts (the body);</li>
 *   <li>{@code cost}: money per window ({@code cost}, {@code window-seconds}) at a price per kWh that follows a trace
 *   (the body, its values read as prices);</li>
 *   <li>{@code solar}: a synthetic solar day ({@code seed}, {@code day-seconds}, {@code base-watts},
 *   {@code peak-watts}).</li>
 * </ul>
 * Every spec is checked in full when it is made or parsed: a bad one is refused with the reason, never stored.
 */
public final class BudgetSpec
{
    private static final String MAGIC = "stardust-budget 1";
    private static final String BODY = "---";

    /** The kinds of budget. */
    public enum Kind
    {
        WATTS, ENERGY, TRACE, COST, SOLAR
    }

    private final Kind kind;
    private final long startMillis;
    private final Map<String, String> params;
    private final String body;
    private final Budget budget;

    private BudgetSpec(final Kind kind, final long startMillis, final Map<String, String> params, final String body)
    {
        if (startMillis < 0)
        {
            throw new IllegalArgumentException("a budget's start must be a time after 1970, not " + startMillis);
        }
        this.kind = kind;
        this.startMillis = startMillis;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        this.body = body;
        this.budget = build();
    }

    /** @return a constant budget of {@code watts} from {@code startMillis}. */
    public static BudgetSpec watts(final double watts, final long startMillis)
    {
        return new BudgetSpec(Kind.WATTS, startMillis, Map.of("watts", num(watts)), null);
    }

    /** @return {@code joules} per window of {@code windowSeconds}, from {@code startMillis}. */
    public static BudgetSpec energy(final double joules, final double windowSeconds, final long startMillis)
    {
        return new BudgetSpec(Kind.ENERGY, startMillis, ordered("joules", num(joules), "window-seconds",
            num(windowSeconds)), null);
    }

    /** @return the CSV or JSON trace {@code text}, its time 0 at {@code startMillis}. */
    public static BudgetSpec trace(final String text, final long startMillis)
    {
        return new BudgetSpec(Kind.TRACE, startMillis, Map.of(), text);
    }

    /** @return {@code cost} per window of {@code windowSeconds} at the prices per kWh of {@code priceTrace}. */
    public static BudgetSpec cost(final double cost, final double windowSeconds, final String priceTrace,
        final long startMillis)
    {
        return new BudgetSpec(Kind.COST, startMillis, ordered("cost", num(cost), "window-seconds",
            num(windowSeconds)), priceTrace);
    }

    /** @return a synthetic solar day ({@link SolarDay}) from {@code startMillis}. */
    public static BudgetSpec solar(final long seed, final double daySeconds, final double baseWatts,
        final double peakWatts, final long startMillis)
    {
        final Map<String, String> p = ordered("seed", Long.toString(seed), "day-seconds", num(daySeconds));
        p.put("base-watts", num(baseWatts));
        p.put("peak-watts", num(peakWatts));
        return new BudgetSpec(Kind.SOLAR, startMillis, p, null);
    }

    /**
     * @param text what {@link #format} wrote.
     * @return the spec.
     * @throws IllegalArgumentException naming the line or value at fault.
     */
    public static BudgetSpec parse(final String text)
    {
        final String[] lines = text.split("\n", -1);
        if (lines.length == 0 || !lines[0].strip().equals(MAGIC))
        {
            throw new IllegalArgumentException("not a stored budget: its first line must be '" + MAGIC + "'");
        }
        final Map<String, String> params = new LinkedHashMap<>();
        String body = null;
        for (int n = 1; n < lines.length; n++)
        {
            final String line = lines[n].strip();
            if (line.equals(BODY))
            {
                body = String.join("\n", java.util.Arrays.copyOfRange(lines, n + 1, lines.length));
                break;
            }
            if (line.isEmpty())
            {
                continue;
            }
            final int eq = line.indexOf('=');
            if (eq <= 0)
            {
                throw new IllegalArgumentException("stored budget line " + (n + 1) + ": expected name=value, found \"" +
                    line + "\"");
            }
            params.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
        final String kindText = params.remove("kind");
        final String start = params.remove("start-millis");
        if (kindText == null || start == null)
        {
            throw new IllegalArgumentException("stored budget has no " + (kindText == null ? "kind" : "start-millis"));
        }
        final Kind kind;
        try
        {
            kind = Kind.valueOf(kindText.toUpperCase(Locale.ROOT));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("unknown budget kind '" + kindText + "'; expected watts, energy, trace, " +
                "cost or solar", ex);
        }
        final long startMillis;
        try
        {
            startMillis = Long.parseLong(start);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("stored budget's start-millis is not a number: " + start, ex);
        }
        return new BudgetSpec(kind, startMillis, params, body);
    }

    /** @return the text form, which {@link #parse} reads back. */
    public String format()
    {
        final StringBuilder text = new StringBuilder(MAGIC).append('\n');
        text.append("kind=").append(kind.name().toLowerCase(Locale.ROOT)).append('\n');
        text.append("start-millis=").append(startMillis).append('\n');
        params.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        if (body != null)
        {
            text.append(BODY).append('\n').append(body);
        }
        return text.toString();
    }

    /** @return the budget, its time 0 at {@link #startMillis()}. */
    public Budget budget()
    {
        return budget;
    }

    /** @return the kind. */
    public Kind kind()
    {
        return kind;
    }

    /** @return when the budget's time 0 is, in milliseconds since 1970 (UTC). */
    public long startMillis()
    {
        return startMillis;
    }

    /**
     * @param nowMillis the wall clock now.
     * @return seconds since the budget's start; 0 before it.
     */
    public double secondsAt(final long nowMillis)
    {
        return Math.max(0, nowMillis - startMillis) / 1000.0;
    }

    /** @return the budget in words, for {@code ops budget show} and the controller's log. */
    public String describe()
    {
        final String from = " from " + Instant.ofEpochMilli(startMillis);
        return switch (kind)
        {
            case WATTS -> param("watts") + " W" + from;
            case ENERGY -> param("joules") + " J per " + param("window-seconds") + " s window" + from;
            case TRACE -> "trace of " + ((TraceBudget)budget).lengthSeconds() + " s" + from;
            case COST -> param("cost") + " per " + param("window-seconds") + " s window at a price trace" + from;
            case SOLAR -> "solar day, seed " + param("seed") + ", " + param("day-seconds") + " s, base " +
                param("base-watts") + " W, peak " + param("peak-watts") + " W" + from;
        };
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof BudgetSpec other && other.format().equals(format());
    }

    @Override
    public int hashCode()
    {
        return format().hashCode();
    }

    @Override
    public String toString()
    {
        return describe();
    }

    private Budget build()
    {
        return switch (kind)
        {
            case WATTS -> Budget.constant(number("watts"));
            case ENERGY -> Budget.energyPerWindow(number("joules"), number("window-seconds"));
            case TRACE -> TraceBudget.parse(needBody("a trace"));
            case COST -> Budget.cost(number("cost"), number("window-seconds"), TraceBudget.parse(needBody(
                "a price trace")));
            case SOLAR ->
            {
                final long seed;
                try
                {
                    seed = Long.parseLong(param("seed"));
                }
                catch (final NumberFormatException ex)
                {
                    throw new IllegalArgumentException("the solar day's seed is not a whole number: " + param("seed"),
                        ex);
                }
                yield new SolarDay(seed, number("day-seconds"), number("base-watts"), number("peak-watts"));
            }
        };
    }

    private String needBody(final String what)
    {
        if (body == null || body.isBlank())
        {
            throw new IllegalArgumentException("a " + kind.name().toLowerCase(Locale.ROOT) + " budget needs " + what);
        }
        return body;
    }

    private String param(final String name)
    {
        final String value = params.get(name);
        if (value == null)
        {
            throw new IllegalArgumentException("a " + kind.name().toLowerCase(Locale.ROOT) + " budget needs " + name);
        }
        return value;
    }

    private double number(final String name)
    {
        final String value = param(name);
        try
        {
            return Double.parseDouble(value);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + " is not a number: " + value, ex);
        }
    }

    private static String num(final double value)
    {
        return Double.toString(value);
    }

    private static Map<String, String> ordered(final String k1, final String v1, final String k2, final String v2)
    {
        final Map<String, String> map = new LinkedHashMap<>();
        map.put(k1, v1);
        map.put(k2, v2);
        return map;
    }
}
