package io.stardust.resourcectl;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How well a run kept to its budget, from its per-period series.
 *
 * @param energyOverJoules      energy spent over the budget: the sum of {@code max(0, P - C) * dt}.
 * @param budgetJoules          the budget's energy over the run.
 * @param timeOverFraction      share of periods whose power was over the budget.
 * @param peakOvershootWatts    the largest {@code P - C} of any period (0 when never over).
 * @param peakOvershootFraction that overshoot over the budget of its period.
 * @param settlingPeriods       for each step drop of the budget (more than 10% in one period), the periods from the
 *                              drop until power was first at or under the budget.
 * @param windowNetJoules       net balance {@code sum((C - P) * dt)} of each window, the last one possibly partial.
 * @param throughputFraction    throughput over the oracle's (see {@link SimulatedPlant#oracleThroughput}).
 */
public record Evaluation(double energyOverJoules, double budgetJoules, double timeOverFraction,
    double peakOvershootWatts, double peakOvershootFraction, List<Integer> settlingPeriods,
    List<Double> windowNetJoules, double throughputFraction)
{
    /** A budget step down by more than this fraction in one period counts as a step drop. */
    public static final double STEP_DROP = 0.10;

    /**
     * @param periodSeconds     the period length.
     * @param windowSeconds     the ledger's window T.
     * @param budget            budget per period.
     * @param power             power per period.
     * @param throughput        throughput per period.
     * @param oracleThroughput  the oracle's throughput per period.
     * @return the evaluation.
     */
    public static Evaluation of(final double periodSeconds, final double windowSeconds, final double[] budget,
        final double[] power, final double[] throughput, final double[] oracleThroughput)
    {
        final int n = budget.length;
        double over = 0;
        double budgetJoules = 0;
        int periodsOver = 0;
        double peak = 0;
        double peakFraction = 0;
        double got = 0;
        double best = 0;
        final List<Double> windows = new ArrayList<>();
        double windowNet = 0;
        long window = 0;
        for (int k = 0; k < n; k++)
        {
            final long w = (long)Math.floor(k * periodSeconds / windowSeconds);
            if (w != window)
            {
                windows.add(windowNet);
                windowNet = 0;
                window = w;
            }
            final double excess = power[k] - budget[k];
            windowNet -= excess * periodSeconds;
            budgetJoules += budget[k] * periodSeconds;
            if (excess > 0)
            {
                over += excess * periodSeconds;
                periodsOver++;
                if (excess > peak)
                {
                    peak = excess;
                    peakFraction = excess / budget[k];
                }
            }
            got += throughput[k];
            best += oracleThroughput[k];
        }
        if (n > 0)
        {
            windows.add(windowNet);
        }
        final List<Integer> settling = new ArrayList<>();
        for (int k = 1; k < n; k++)
        {
            if (budget[k] < budget[k - 1] * (1 - STEP_DROP))
            {
                int j = k;
                while (j < n && power[j] > budget[j])
                {
                    j++;
                }
                settling.add(j - k);
            }
        }
        return new Evaluation(over, budgetJoules, n == 0 ? 0 : (double)periodsOver / n, peak, peakFraction,
            List.copyOf(settling), List.copyOf(windows), best == 0 ? 1.0 : got / best);
    }

    /** @return the energy over budget as a fraction of the budget's energy. */
    public double energyOverFraction()
    {
        return budgetJoules == 0 ? 0 : energyOverJoules / budgetJoules;
    }

    /** @return the slowest settling after a step drop, in periods; 0 without drops. */
    public int worstSettlingPeriods()
    {
        return settlingPeriods.stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    /** @return the lowest net balance of any window. */
    public double worstWindowNetJoules()
    {
        return windowNetJoules.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    }

    /** @return the metrics as a table, one per line. */
    public String table()
    {
        return String.format(Locale.ROOT,
            "| energy over budget | %.1f J (%.3f%% of the budget's %.0f J) |%n" +
            "| time over budget | %.2f%% of periods |%n" +
            "| peak overshoot | %.2f W (%.1f%% of its period's budget) |%n" +
            "| settling after step drops | %d drops, worst %d periods, all %s |%n" +
            "| net balance per window | worst %.1f J over %d windows |%n" +
            "| throughput vs oracle | %.1f%% |%n",
            energyOverJoules, 100 * energyOverFraction(), budgetJoules, 100 * timeOverFraction,
            peakOvershootWatts, 100 * peakOvershootFraction, settlingPeriods.size(), worstSettlingPeriods(),
            settlingPeriods, worstWindowNetJoules(), windowNetJoules.size(), 100 * throughputFraction);
    }
}
