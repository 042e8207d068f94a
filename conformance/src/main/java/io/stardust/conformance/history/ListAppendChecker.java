package io.stardust.conformance.history;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a list-append history for serializability anomalies, in the manner of Elle (Kingsbury and Alvaro, 2020).
 * Every append writes a value unique to the whole history, and a read returns a key's whole list, so each read
 * names the transaction that wrote the version it saw and the order of all versions before it.
 *
 * <ul>
 *   <li>The version order of a key is its longest list read; every other read of it must be a prefix of that
 *       (else {@value #INCOMPATIBLE_ORDER}).</li>
 *   <li>ww: the appenders of consecutive elements of that order. wr: the appender of a read's last element to
 *       the reader. rw: a reader to the appender of the element that follows what it read.</li>
 *   <li>process: a process's transactions in order; realtime: a read-write transaction that completed before
 *       another read-write transaction began (strict serializability is promised for read-write transactions;
 *       read-only ones are serializable and follow their session).</li>
 * </ul>
 *
 * A cycle is classified by the edges it needs: only ww is {@value #G0}; ww and wr is {@value #G1C}; exactly one rw
 * is {@value #G_SINGLE}; more is {@value #G2}. A cycle that exists only with process or realtime edges gets the
 * suffix {@code -process} or {@code -realtime}. Each strongly connected component is reported once, by the first
 * class (in that order) that has a cycle in it, with a shortest such cycle found by breadth-first search.
 * Reads of values that failed transactions appended ({@value #G1A}), of a state in the middle of another
 * transaction ({@value #G1B}), of values nobody appended ({@value #GARBAGE}), a value twice in one list
 * ({@value #DUPLICATE}), and an acknowledged append missing from a later read-write transaction's read
 * ({@value #LOST}) are reported too.
 */
public final class ListAppendChecker
{
    public static final String G0 = "G0";
    public static final String G1A = "G1a";
    public static final String G1B = "G1b";
    public static final String G1C = "G1c";
    public static final String G_SINGLE = "G-single";
    public static final String G2 = "G2-item";
    public static final String LOST = "lost-append";
    public static final String DUPLICATE = "duplicate-append";
    public static final String GARBAGE = "garbage-read";
    public static final String INCOMPATIBLE_ORDER = "incompatible-order";
    public static final String INTERNAL = "internal";

    /** Every class the checker can report, in report order. */
    public static final List<String> CLASSES = List.of(
        G0, G1A, G1B, G1C, G_SINGLE, G2,
        G0 + "-process", G1C + "-process", G_SINGLE + "-process", G2 + "-process",
        G0 + "-realtime", G1C + "-realtime", G_SINGLE + "-realtime", G2 + "-realtime",
        LOST, DUPLICATE, GARBAGE, INCOMPATIBLE_ORDER, INTERNAL);

    static final int WW = 1;
    static final int WR = 2;
    static final int RW = 4;
    static final int PROCESS = 8;
    static final int REALTIME = 16;
    private static final int DATA = WW | WR | RW;

    /** Most examples kept per class. */
    private static final int MAX_EXAMPLES = 5;
    /** Most start nodes tried when searching one component for a shortest cycle. */
    private static final int MAX_STARTS = 400;

    private final List<Txn> txns;
    private final Map<Long, Integer> txnById = new HashMap<>();
    /** (key, value) appended -> index of the appending transaction. */
    private final Map<KeyValue, Integer> appender = new HashMap<>();
    private final Map<String, Integer> counts = new HashMap<>();
    private final Map<String, List<String>> examples = new HashMap<>();

    /** Nodes are indexes into {@link #txns}; edge bits and one reason per (from, to, bit). */
    private final List<Map<Integer, Integer>> out = new ArrayList<>();
    private final Map<EdgeKey, String> reasons = new HashMap<>();

    private record KeyValue(long key, long value)
    {
    }

    private record EdgeKey(int from, int to, int bit)
    {
    }

    private ListAppendChecker(final List<Txn> history)
    {
        this.txns = List.copyOf(history);
        for (int i = 0; i < txns.size(); i++)
        {
            out.add(new HashMap<>());
            if (txnById.put((long)txns.get(i).id(), i) != null)
            {
                throw new IllegalArgumentException("two transactions with id " + txns.get(i).id());
            }
        }
    }

    /**
     * Check a history.
     *
     * @param history every transaction, in any order.
     * @return what was found.
     * @throws IllegalArgumentException when the history itself is malformed (a value appended twice).
     */
    public static CheckResult check(final List<Txn> history)
    {
        return new ListAppendChecker(history).run();
    }

    private CheckResult run()
    {
        indexAppends();
        final boolean[] node = new boolean[txns.size()];
        final Map<Long, long[]> order = versionOrders(node);
        dataEdges(order, node);
        processEdges(node);
        realtimeEdges(node);
        lostAppends();
        cycles(node);
        int ok = 0;
        int failed = 0;
        int info = 0;
        for (final Txn t : txns)
        {
            switch (t.outcome())
            {
                case OK -> ok++;
                case FAIL -> failed++;
                default -> info++;
            }
        }
        return new CheckResult(txns.size(), ok, failed, info, counts, examples);
    }

    private void indexAppends()
    {
        for (int i = 0; i < txns.size(); i++)
        {
            for (final Mop m : txns.get(i).mops())
            {
                if (m.append())
                {
                    final Integer previous = appender.put(new KeyValue(m.key(), m.value()), i);
                    if (previous != null)
                    {
                        throw new IllegalArgumentException("value " + m.value() + " appended to key " + m.key() +
                            " by both " + txns.get(previous) + " and " + txns.get(i) + "; values must be unique");
                    }
                }
            }
        }
    }

    /**
     * Checks each read on its own, marks the transactions that count as committed (acknowledged ones, and
     * indeterminate ones that some read saw) and returns each key's version order.
     */
    private Map<Long, long[]> versionOrders(final boolean[] node)
    {
        final Map<Long, long[]> longest = new HashMap<>();
        for (int i = 0; i < txns.size(); i++)
        {
            final Txn t = txns.get(i);
            node[i] |= t.outcome() == Txn.Outcome.OK;
            if (t.outcome() != Txn.Outcome.OK)
            {
                continue;
            }
            final Map<Long, List<Long>> ownAppends = new HashMap<>();
            for (final Mop m : t.mops())
            {
                if (m.append())
                {
                    ownAppends.computeIfAbsent(m.key(), (k) -> new ArrayList<>()).add(m.value());
                    continue;
                }
                if (m.read() == null)
                {
                    continue;
                }
                if (ownAppends.containsKey(m.key()))
                {
                    checkInternal(t, m, ownAppends.get(m.key()));
                    continue;
                }
                checkRead(i, m, node);
                final long[] seen = longest.get(m.key());
                if (seen == null || m.read().length > seen.length)
                {
                    longest.put(m.key(), m.read());
                }
            }
        }
        // Every external read must be a prefix of its key's longest.
        final Set<Long> reported = new HashSet<>();
        for (final Txn t : txns)
        {
            if (t.outcome() != Txn.Outcome.OK)
            {
                continue;
            }
            for (final Mop m : externalReads(t))
            {
                final long[] full = longest.get(m.key());
                if (!isPrefix(m.read(), full) && reported.add(m.key()))
                {
                    report(INCOMPATIBLE_ORDER, "key " + m.key() + ": " + t + " read " + str(m.read()) +
                        ", which is not a prefix of " + str(full) + " read elsewhere");
                }
            }
        }
        return longest;
    }

    private static List<Mop> externalReads(final Txn t)
    {
        final List<Mop> reads = new ArrayList<>();
        final Set<Long> appended = new HashSet<>();
        for (final Mop m : t.mops())
        {
            if (m.append())
            {
                appended.add(m.key());
            }
            else if (m.read() != null && !appended.contains(m.key()))
            {
                reads.add(m);
            }
        }
        return reads;
    }

    private void checkInternal(final Txn t, final Mop m, final List<Long> own)
    {
        final long[] list = m.read();
        boolean consistent = list.length >= own.size();
        for (int j = 0; consistent && j < own.size(); j++)
        {
            consistent = list[list.length - own.size() + j] == own.get(j);
        }
        if (!consistent)
        {
            report(INTERNAL, t + ": read " + str(list) + " of key " + m.key() + " after appending " + own);
        }
    }

    private void checkRead(final int reader, final Mop m, final boolean[] node)
    {
        final long[] list = m.read();
        final Set<Long> seen = new HashSet<>();
        for (final long v : list)
        {
            if (!seen.add(v))
            {
                report(DUPLICATE, txns.get(reader) + ": value " + v + " appears twice in key " + m.key());
            }
            final Integer w = appender.get(new KeyValue(m.key(), v));
            if (w == null)
            {
                report(GARBAGE, txns.get(reader) + ": read value " + v + " of key " + m.key() +
                    ", which no transaction appended");
                continue;
            }
            final Txn writer = txns.get(w);
            if (writer.outcome() == Txn.Outcome.FAIL)
            {
                report(G1A, txns.get(reader) + " read value " + v + " of key " + m.key() + " appended by " +
                    writer + ", which failed");
            }
            else if (writer.outcome() == Txn.Outcome.INFO)
            {
                node[w] = true;
            }
        }
        if (list.length > 0)
        {
            final long last = list[list.length - 1];
            final Integer w = appender.get(new KeyValue(m.key(), last));
            if (w != null && w != reader)
            {
                boolean later = false;
                boolean found = false;
                for (final Mop wm : txns.get(w).mops())
                {
                    if (wm.append() && wm.key() == m.key())
                    {
                        later |= found;
                        found |= wm.value() == last;
                    }
                }
                if (later)
                {
                    report(G1B, txns.get(reader) + " read " + str(list) + " of key " + m.key() +
                        ", an intermediate state of " + txns.get(w));
                }
            }
        }
    }

    private void dataEdges(final Map<Long, long[]> order, final boolean[] node)
    {
        for (final Map.Entry<Long, long[]> e : order.entrySet())
        {
            final long key = e.getKey();
            final long[] list = e.getValue();
            for (int j = 0; j + 1 < list.length; j++)
            {
                final Integer a = appender.get(new KeyValue(key, list[j]));
                final Integer b = appender.get(new KeyValue(key, list[j + 1]));
                if (a != null && b != null && node[a] && node[b])
                {
                    edge(a, b, WW, "T%a appended " + list[j] + " to key " + key + ", then T%b appended " + list[j + 1]);
                }
            }
        }
        for (int i = 0; i < txns.size(); i++)
        {
            if (!node[i] || txns.get(i).outcome() != Txn.Outcome.OK)
            {
                continue;
            }
            for (final Mop m : externalReads(txns.get(i)))
            {
                final long[] read = m.read();
                final long[] full = order.get(m.key());
                if (read.length > 0)
                {
                    final Integer w = appender.get(new KeyValue(m.key(), read[read.length - 1]));
                    if (w != null && node[w])
                    {
                        edge(w, i, WR, "T%b read key " + m.key() + " as " + str(read) + ", ending with T%a's append");
                    }
                }
                if (isPrefix(read, full) && read.length < full.length)
                {
                    final Integer next = appender.get(new KeyValue(m.key(), full[read.length]));
                    if (next != null && node[next])
                    {
                        edge(i, next, RW, "T%a read key " + m.key() + " as " + str(read) + ", before T%b appended " +
                            full[read.length]);
                    }
                }
            }
        }
    }

    private void processEdges(final boolean[] node)
    {
        final Map<Integer, List<Integer>> byProcess = new HashMap<>();
        for (int i = 0; i < txns.size(); i++)
        {
            byProcess.computeIfAbsent(txns.get(i).process(), (p) -> new ArrayList<>()).add(i);
        }
        for (final List<Integer> list : byProcess.values())
        {
            list.sort(Comparator.comparingLong((Integer i) -> txns.get(i).invoke()));
            Integer previous = null;
            for (final int i : list)
            {
                if (!node[i])
                {
                    // A failed transaction is not a node; an unobserved indeterminate one may land any time later,
                    // so nothing after it in the session is ordered after it.
                    continue;
                }
                if (previous != null)
                {
                    edge(previous, i, PROCESS, "T%a came before T%b in process " + txns.get(i).process());
                }
                previous = txns.get(i).outcome() == Txn.Outcome.OK ? i : null;
            }
        }
    }

    /** Realtime edges among read-write transactions, transitively reduced with a frontier of latest completions. */
    private void realtimeEdges(final boolean[] node)
    {
        final List<long[]> events = new ArrayList<>(); // {time, kind (0 invoke, 1 complete), txn}
        for (int i = 0; i < txns.size(); i++)
        {
            final Txn t = txns.get(i);
            if (node[i] && t.writes())
            {
                events.add(new long[] {t.invoke(), 0, i});
                if (t.outcome() == Txn.Outcome.OK)
                {
                    events.add(new long[] {t.complete(), 1, i});
                }
            }
        }
        // At equal times the invocation goes first: only a completion strictly before an invocation orders them.
        events.sort(Comparator.<long[]>comparingLong((e) -> e[0]).thenComparingLong((e) -> e[1]));
        final Set<Integer> frontier = new LinkedHashSet<>();
        final Map<Integer, List<Integer>> preds = new HashMap<>();
        for (final long[] e : events)
        {
            final int i = (int)e[2];
            if (e[1] == 0)
            {
                final List<Integer> before = new ArrayList<>(frontier);
                preds.put(i, before);
                for (final int f : before)
                {
                    edge(f, i, REALTIME, "T%a completed before T%b began");
                }
            }
            else
            {
                preds.getOrDefault(i, List.of()).forEach(frontier::remove);
                frontier.add(i);
            }
        }
    }

    /** An acknowledged append missing from the read of a read-write transaction that began after it completed. */
    private void lostAppends()
    {
        final Map<Long, List<Integer>> appendsByKey = new HashMap<>();
        for (final Map.Entry<KeyValue, Integer> e : appender.entrySet())
        {
            if (txns.get(e.getValue()).outcome() == Txn.Outcome.OK)
            {
                appendsByKey.computeIfAbsent(e.getKey().key(), (k) -> new ArrayList<>()).add(e.getValue());
            }
        }
        final Set<KeyValue> reported = new HashSet<>();
        for (final Txn reader : txns)
        {
            if (reader.outcome() != Txn.Outcome.OK || !reader.writes())
            {
                continue;
            }
            for (final Mop m : externalReads(reader))
            {
                final Set<Long> present = new HashSet<>();
                for (final long v : m.read())
                {
                    present.add(v);
                }
                for (final int w : appendsByKey.getOrDefault(m.key(), List.of()))
                {
                    final Txn writer = txns.get(w);
                    if (writer.complete() >= reader.invoke())
                    {
                        continue;
                    }
                    for (final Mop wm : writer.mops())
                    {
                        if (wm.append() && wm.key() == m.key() && !present.contains(wm.value()) &&
                            reported.add(new KeyValue(wm.key(), wm.value())))
                        {
                            report(LOST, "value " + wm.value() + " of key " + m.key() + ", acknowledged to " +
                                writer + ", is missing from " + reader + ", which began after it completed");
                        }
                    }
                }
            }
        }
    }

    private void cycles(final boolean[] node)
    {
        final int[] component = components(node);
        final Map<Integer, List<Integer>> members = new HashMap<>();
        for (int i = 0; i < component.length; i++)
        {
            if (component[i] >= 0)
            {
                members.computeIfAbsent(component[i], (c) -> new ArrayList<>()).add(i);
            }
        }
        for (final List<Integer> scc : members.values())
        {
            if (scc.size() < 2)
            {
                continue;
            }
            classify(scc, component);
        }
    }

    private void classify(final List<Integer> scc, final int[] component)
    {
        final int[] extras = {0, PROCESS, PROCESS | REALTIME};
        final String[] suffixes = {"", "-process", "-realtime"};
        for (int x = 0; x < extras.length; x++)
        {
            final int extra = extras[x];
            List<Integer> cycle = shortestCycle(scc, component, WW | extra);
            String name = G0;
            if (cycle == null)
            {
                cycle = shortestCycle(scc, component, WW | WR | extra);
                name = G1C;
            }
            if (cycle == null)
            {
                cycle = singleAntiDependencyCycle(scc, component, WW | WR | extra);
                name = G_SINGLE;
            }
            if (cycle == null)
            {
                cycle = shortestCycle(scc, component, DATA | extra);
                name = G2;
            }
            if (cycle != null)
            {
                report(name + suffixes[x], describe(cycle, DATA | extra));
                return;
            }
        }
    }

    /** Shortest cycle within the component using only edges in {@code mask}; null when there is none. */
    private List<Integer> shortestCycle(final List<Integer> scc, final int[] component, final int mask)
    {
        List<Integer> best = null;
        final int starts = Math.min(scc.size(), MAX_STARTS);
        for (int s = 0; s < starts && (best == null || best.size() > 2); s++)
        {
            final int start = scc.get(s);
            final List<Integer> path = shortestPath(start, start, component, mask, best == null ? -1 : best.size());
            if (path != null && (best == null || path.size() < best.size()))
            {
                best = path;
            }
        }
        return best;
    }

    /** Shortest cycle made of one rw edge and a path back over {@code mask} edges. */
    private List<Integer> singleAntiDependencyCycle(final List<Integer> scc, final int[] component, final int mask)
    {
        List<Integer> best = null;
        int tried = 0;
        for (final int a : scc)
        {
            for (final Map.Entry<Integer, Integer> e : out.get(a).entrySet())
            {
                final int b = e.getKey();
                if ((e.getValue() & RW) == 0 || component[b] != component[a] || tried++ > MAX_STARTS * 4)
                {
                    continue;
                }
                final List<Integer> back = shortestPath(b, a, component, mask, best == null ? -1 : best.size() - 1);
                if (back != null)
                {
                    // a -rw-> b, then back from b to a: the path ends with a, which starts the cycle.
                    final List<Integer> cycle = new ArrayList<>();
                    cycle.add(a);
                    cycle.add(b);
                    cycle.addAll(back.subList(0, back.size() - 1));
                    if (best == null || cycle.size() < best.size())
                    {
                        best = cycle;
                    }
                }
            }
        }
        return best;
    }

    /**
     * Breadth-first path from {@code from} to {@code to} (at least one edge) over edges in {@code mask}, staying in
     * one component. Returns the nodes after {@code from}, ending with {@code to}; null when none (or none shorter
     * than {@code bound} when bound > 0).
     */
    private List<Integer> shortestPath(final int from, final int to, final int[] component, final int mask,
        final int bound)
    {
        final Map<Integer, Integer> parent = new HashMap<>();
        final ArrayDeque<int[]> queue = new ArrayDeque<>();
        queue.add(new int[] {from, 0});
        while (!queue.isEmpty())
        {
            final int[] head = queue.poll();
            if (bound > 0 && head[1] + 1 >= bound)
            {
                return null;
            }
            for (final Map.Entry<Integer, Integer> e : out.get(head[0]).entrySet())
            {
                final int next = e.getKey();
                if ((e.getValue() & mask) == 0 || component[next] != component[from])
                {
                    continue;
                }
                if (next == to)
                {
                    final List<Integer> path = new ArrayList<>();
                    path.add(to);
                    for (int at = head[0]; at != from; at = parent.get(at))
                    {
                        path.add(0, at);
                    }
                    return path;
                }
                if (next != from && !parent.containsKey(next))
                {
                    parent.put(next, head[0]);
                    queue.add(new int[] {next, head[1] + 1});
                }
            }
        }
        return null;
    }

    /** Tarjan's strongly connected components, iteratively; -1 for transactions that are not nodes. */
    private int[] components(final boolean[] node)
    {
        final int n = txns.size();
        final int[] index = new int[n];
        final int[] low = new int[n];
        final int[] comp = new int[n];
        final boolean[] onStack = new boolean[n];
        Arrays.fill(index, -1);
        Arrays.fill(comp, -1);
        final ArrayDeque<Integer> stack = new ArrayDeque<>();
        int counter = 0;
        int components = 0;
        final List<List<Integer>> adjacency = new ArrayList<>(n);
        for (int i = 0; i < n; i++)
        {
            adjacency.add(new ArrayList<>(out.get(i).keySet()));
        }
        for (int root = 0; root < n; root++)
        {
            if (!node[root] || index[root] >= 0)
            {
                continue;
            }
            final ArrayDeque<int[]> work = new ArrayDeque<>(); // {node, next child position}
            work.push(new int[] {root, 0});
            index[root] = low[root] = counter++;
            stack.push(root);
            onStack[root] = true;
            while (!work.isEmpty())
            {
                final int[] frame = work.peek();
                final int v = frame[0];
                final List<Integer> children = adjacency.get(v);
                if (frame[1] < children.size())
                {
                    final int w = children.get(frame[1]++);
                    if (index[w] < 0)
                    {
                        index[w] = low[w] = counter++;
                        stack.push(w);
                        onStack[w] = true;
                        work.push(new int[] {w, 0});
                    }
                    else if (onStack[w])
                    {
                        low[v] = Math.min(low[v], index[w]);
                    }
                    continue;
                }
                work.pop();
                if (!work.isEmpty())
                {
                    final int parent = work.peek()[0];
                    low[parent] = Math.min(low[parent], low[v]);
                }
                if (low[v] == index[v])
                {
                    int w;
                    do
                    {
                        w = stack.pop();
                        onStack[w] = false;
                        comp[w] = components;
                    }
                    while (w != v);
                    components++;
                }
            }
        }
        return comp;
    }

    private void edge(final int from, final int to, final int bit, final String reason)
    {
        if (from == to)
        {
            return;
        }
        out.get(from).merge(to, bit, (a, b) -> a | b);
        reasons.putIfAbsent(new EdgeKey(from, to, bit), reason);
    }

    private String describe(final List<Integer> cycle, final int mask)
    {
        final StringBuilder sb = new StringBuilder("cycle of ").append(cycle.size()).append(" transactions:");
        for (int j = 0; j < cycle.size(); j++)
        {
            final int from = cycle.get(j);
            final int to = cycle.get((j + 1) % cycle.size());
            final int bits = out.get(from).get(to) & mask;
            final int bit = Integer.lowestOneBit(bits & DATA) != 0 ? Integer.lowestOneBit(bits & DATA) :
                Integer.lowestOneBit(bits);
            sb.append("\n  ").append(txns.get(from)).append("\n    -").append(name(bit)).append("-> T")
                .append(txns.get(to).id()).append(": ").append(reasons.get(new EdgeKey(from, to, bit))
                    .replace("T%a", "T" + txns.get(from).id()).replace("T%b", "T" + txns.get(to).id()));
        }
        return sb.toString();
    }

    private static String name(final int bit)
    {
        return switch (bit)
        {
            case WW -> "ww";
            case WR -> "wr";
            case RW -> "rw";
            case PROCESS -> "process";
            default -> "realtime";
        };
    }

    private void report(final String anomaly, final String example)
    {
        counts.merge(anomaly, 1, Integer::sum);
        final List<String> list = examples.computeIfAbsent(anomaly, (a) -> new ArrayList<>());
        if (list.size() < MAX_EXAMPLES)
        {
            list.add(example);
        }
    }

    private static boolean isPrefix(final long[] prefix, final long[] full)
    {
        if (full == null || prefix.length > full.length)
        {
            return false;
        }
        for (int j = 0; j < prefix.length; j++)
        {
            if (prefix[j] != full[j])
            {
                return false;
            }
        }
        return true;
    }

    private static String str(final long[] list)
    {
        return Arrays.toString(list).replace(",", "");
    }
}
