package io.stardust.conformance.history;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a checker found in one history.
 *
 * @param transactions  transactions in the history.
 * @param ok            acknowledged ones.
 * @param failed        ones the client was told failed.
 * @param indeterminate ones whose outcome the client never learnt.
 * @param anomalies     count by class (see {@link ListAppendChecker#CLASSES}); absent classes were not found.
 * @param examples      a few described instances by class, each naming its transactions.
 */
public record CheckResult(int transactions, int ok, int failed, int indeterminate, Map<String, Integer> anomalies,
    Map<String, List<String>> examples)
{
    public CheckResult
    {
        anomalies = Map.copyOf(anomalies);
        examples = Map.copyOf(examples);
    }

    /** @return true when no anomaly of any class was found. */
    public boolean valid()
    {
        return anomalies.isEmpty();
    }

    /** @return count of one class (0 when absent). */
    public int count(final String anomaly)
    {
        return anomalies.getOrDefault(anomaly, 0);
    }

    /** @return anomalies in the order of {@link ListAppendChecker#CLASSES}. */
    public Map<String, Integer> ordered()
    {
        final Map<String, Integer> ordered = new LinkedHashMap<>();
        for (final String c : ListAppendChecker.CLASSES)
        {
            if (anomalies.containsKey(c))
            {
                ordered.put(c, anomalies.get(c));
            }
        }
        new TreeMap<>(anomalies).forEach(ordered::putIfAbsent);
        return ordered;
    }

    /** @return a readable report: counts, then the examples of each class found. */
    public String report()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append(transactions).append(" transactions (").append(ok).append(" ok, ").append(failed)
            .append(" failed, ").append(indeterminate).append(" indeterminate): ");
        if (valid())
        {
            return sb.append("no anomalies").toString();
        }
        sb.append(ordered());
        ordered().keySet().forEach((c) ->
        {
            for (final String example : examples.getOrDefault(c, List.of()))
            {
                sb.append("\n").append(c).append(": ").append(example);
            }
        });
        return sb.toString();
    }
}
