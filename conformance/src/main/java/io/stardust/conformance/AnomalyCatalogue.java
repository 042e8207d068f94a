package io.stardust.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Deterministic two- and three-session scenarios, one per Adya anomaly (after Hermitage, Kleppmann 2014). Each runs
 * a fixed interleaving on fresh keys, states what a serializable database must do, and checks it. Sessions come
 * from a factory, so the same scenarios run against every client interface.
 */
final class AnomalyCatalogue
{
    /** A scenario's outcome. */
    record Result(String anomaly, String requirement, String kind, boolean passed, String detail)
    {
    }

    private interface Body
    {
        /** @return null when the requirement held, else what went wrong. */
        String run(Function<String, Session> sessions);
    }

    private record Scenario(String anomaly, String requirement, Body body)
    {
    }

    private static final List<Scenario> SCENARIOS = List.of(
        new Scenario("G0", "dirty write: two transactions writing x and y concurrently leave both from one of them",
            AnomalyCatalogue::g0),
        new Scenario("G1a", "aborted read: no one reads a write of a transaction that aborts", AnomalyCatalogue::g1a),
        new Scenario("G1b", "intermediate read: no one reads a value its writer overwrote before committing",
            AnomalyCatalogue::g1b),
        new Scenario("G1c", "circular information flow: neither of two concurrent transactions reads the other's " +
            "write, and not both commit", AnomalyCatalogue::g1c),
        new Scenario("OTV", "observed transaction vanishes: a reader that saw a transaction's write keeps seeing " +
            "all of it and none of a later one", AnomalyCatalogue::otv),
        new Scenario("PMP", "predicate-many-preceders: a predicate read repeated in one transaction returns the " +
            "same rows after another transaction inserts a match", AnomalyCatalogue::pmp),
        new Scenario("P4", "lost update: two read-modify-writes of x do not both commit", AnomalyCatalogue::p4),
        new Scenario("G-single", "read skew: a transaction that read x before a transfer reads y from before it too",
            AnomalyCatalogue::gSingle),
        new Scenario("G2-item", "write skew: two transactions that read x and y and each write one do not both " +
            "commit", AnomalyCatalogue::g2Item),
        new Scenario("G2", "phantom: two transactions that each see an empty range and insert into it do not both " +
            "commit", AnomalyCatalogue::g2Predicate));

    private AnomalyCatalogue()
    {
    }

    /** @return how many scenarios there are. */
    static int size()
    {
        return SCENARIOS.size();
    }

    /**
     * Run every scenario.
     *
     * @param sessions given a key prefix unique to one scenario run, a new session over it.
     * @return one result per scenario.
     */
    static List<Result> runAll(final Function<String, Session> sessions)
    {
        final List<Result> results = new ArrayList<>();
        int run = 0;
        for (final Scenario s : SCENARIOS)
        {
            final String prefix = "cat-" + s.anomaly() + "-" + System.nanoTime() + "-" + run++ + "/";
            String failure;
            String kind = "?";
            final List<Session> opened = new ArrayList<>();
            try
            {
                final Session probe = sessions.apply(prefix);
                opened.add(probe);
                kind = probe.kind();
                failure = s.body().run((name) ->
                {
                    final Session session = sessions.apply(prefix);
                    opened.add(session);
                    return session;
                });
            }
            catch (final RuntimeException ex)
            {
                failure = "failed with " + ex;
            }
            finally
            {
                opened.forEach(Session::close);
            }
            results.add(new Result(s.anomaly(), s.requirement(), kind, failure == null,
                failure == null ? "held" : failure));
        }
        return results;
    }

    /** Commit initial values in their own transaction. */
    private static void setUp(final Session s, final String... keyValues)
    {
        s.begin();
        for (int i = 0; i < keyValues.length; i += 2)
        {
            s.write(keyValues[i], keyValues[i + 1]);
        }
        if (!s.commit())
        {
            throw new IllegalStateException("setting up the scenario conflicted");
        }
    }

    private static String expect(final String what, final Object expected, final Object actual)
    {
        return java.util.Objects.equals(expected, actual) ? null :
            what + ": expected " + expected + ", got " + actual;
    }

    private static String first(final String... failures)
    {
        for (final String f : failures)
        {
            if (f != null)
            {
                return f;
            }
        }
        return null;
    }

    private static String g0(final Function<String, Session> sessions)
    {
        final Session t1 = sessions.apply("t1");
        final Session t2 = sessions.apply("t2");
        setUp(t1, "x", "10", "y", "10");
        t1.begin();
        t2.begin();
        t1.write("x", "11");
        t2.write("x", "22");
        t2.write("y", "22");
        final boolean c2 = t2.commit();
        t1.write("y", "11");
        final boolean c1 = t1.commit();
        final Session r = sessions.apply("r");
        r.begin();
        final String x = r.read("x");
        final String y = r.read("y");
        r.commit();
        return first(expect("x and y come from the same writer", x, y),
            c1 || c2 ? null : "neither blind write committed");
    }

    private static String g1a(final Function<String, Session> sessions)
    {
        final Session t1 = sessions.apply("t1");
        final Session t2 = sessions.apply("t2");
        final Session t3 = sessions.apply("t3");
        setUp(t1, "x", "10", "z", "0");
        t1.begin();
        t1.read("z");
        t1.write("x", "101");
        // Another transaction changes z, so T1 must abort.
        t3.begin();
        t3.write("z", "1");
        final boolean c3 = t3.commit();
        t2.begin();
        final String before = t2.read("x");
        final boolean c1 = t1.commit();
        final String after = t2.read("x");
        t2.commit();
        return first(c3 ? null : "the blind write of z conflicted",
            c1 ? "T1 read z, which changed before it committed, yet committed" : null,
            expect("T2 reads x while T1 is open", "10", before),
            expect("T2 reads x after T1 aborted", "10", after));
    }

    private static String g1b(final Function<String, Session> sessions)
    {
        final Session t1 = sessions.apply("t1");
        final Session t2 = sessions.apply("t2");
        setUp(t1, "x", "10");
        t1.begin();
        t1.write("x", "101");
        t2.begin();
        final String during = t2.read("x");
        t1.write("x", "11");
        final boolean c1 = t1.commit();
        final String sameTxn = t2.read("x");
        t2.commit();
        t2.begin();
        final String later = t2.read("x");
        t2.commit();
        return first(c1 ? null : "T1 conflicted with nothing",
            expect("T2 reads x while T1 is open", "10", during),
            expect("T2 reads x again in the same transaction", "10", sameTxn),
            expect("a later transaction reads x", "11", later));
    }

    private static String g1c(final Function<String, Session> sessions)
    {
        final Session t1 = sessions.apply("t1");
        final Session t2 = sessions.apply("t2");
        setUp(t1, "x", "10", "y", "20");
        t1.begin();
        t2.begin();
        t1.write("x", "11");
        t2.write("y", "22");
        final String y = t1.read("y");
        final String x = t2.read("x");
        final boolean c1 = t1.commit();
        final boolean c2 = t2.commit();
        return first(expect("T1 reads y", "20", y), expect("T2 reads x", "10", x),
            c1 && c2 ? "both committed, though each read what the other overwrote" : null,
            c1 || c2 ? null : "both aborted; one of them can commit");
    }

    private static String otv(final Function<String, Session> sessions)
    {
        final Session t1 = sessions.apply("t1");
        final Session t2 = sessions.apply("t2");
        final Session t3 = sessions.apply("t3");
        setUp(t1, "x", "10", "y", "20");
        t1.begin();
        t1.write("x", "11");
        t1.write("y", "19");
        t2.begin();
        t2.write("x", "12");
        final boolean c1 = t1.commit();
        t3.begin();
        final String x = t3.read("x");
        t2.write("y", "18");
        final boolean c2 = t2.commit();
        final String y = t3.read("y");
        t3.commit();
        // Blind writes never conflict. A session whose writes read the row first (SQL's UPDATE) finds T2's read of x
        // stale once T1 commits, and T2 must abort. T3's reads hold either way.
        return first(c1 && (c2 || !t2.blindWrites()) ? null : "blind writes conflicted",
            expect("T3 reads x after T1 committed", "11", x),
            expect("T3 then reads y, after T2 committed", "19", y));
    }

    private static String pmp(final Function<String, Session> sessions)
    {
        final Session t1 = sessions.apply("t1");
        final Session t2 = sessions.apply("t2");
        setUp(t1, "p/1", "10", "p/2", "20");
        t1.begin();
        final List<String> firstScan = t1.scan("p/");
        t2.begin();
        t2.write("p/3", "30");
        final boolean c2 = t2.commit();
        final List<String> secondScan = t1.scan("p/");
        t1.commit();
        return first(c2 ? null : "the insert conflicted",
            expect("T1's first predicate read", List.of("p/1", "p/2"), firstScan),
            expect("T1's predicate read after T2 inserted p/3", firstScan, secondScan));
    }

    private static String p4(final Function<String, Session> sessions)
    {
        final Session t1 = sessions.apply("t1");
        final Session t2 = sessions.apply("t2");
        setUp(t1, "x", "10");
        t1.begin();
        t2.begin();
        final int a = Integer.parseInt(t1.read("x"));
        final int b = Integer.parseInt(t2.read("x"));
        t1.write("x", Integer.toString(a + 1));
        final boolean c1 = t1.commit();
        t2.write("x", Integer.toString(b + 1));
        final boolean c2 = t2.commit();
        final Session r = sessions.apply("r");
        r.begin();
        final String x = r.read("x");
        r.commit();
        return first(c1 && c2 ? "both increments committed; one update was lost (x = " + x + ")" : null,
            c1 || c2 ? null : "both increments aborted",
            expect("x after one increment", "11", x));
    }

    private static String gSingle(final Function<String, Session> sessions)
    {
        final Session t1 = sessions.apply("t1");
        final Session t2 = sessions.apply("t2");
        setUp(t1, "x", "50", "y", "50");
        t1.begin();
        final String x = t1.read("x");
        t2.begin();
        final int tx = Integer.parseInt(t2.read("x"));
        final int ty = Integer.parseInt(t2.read("y"));
        t2.write("x", Integer.toString(tx - 10));
        t2.write("y", Integer.toString(ty + 10));
        final boolean c2 = t2.commit();
        final String y = t1.read("y");
        t1.commit();
        return first(c2 ? null : "the transfer conflicted with nothing",
            expect("T1 reads x before the transfer", "50", x),
            expect("T1 reads y after the transfer committed (x + y must be 100)", "50", y));
    }

    private static String g2Item(final Function<String, Session> sessions)
    {
        final Session t1 = sessions.apply("t1");
        final Session t2 = sessions.apply("t2");
        // Constraint: x + y >= 0. Each withdraws 100 from one account after checking the sum.
        setUp(t1, "x", "60", "y", "60");
        t1.begin();
        t2.begin();
        final int sum1 = Integer.parseInt(t1.read("x")) + Integer.parseInt(t1.read("y"));
        final int sum2 = Integer.parseInt(t2.read("x")) + Integer.parseInt(t2.read("y"));
        t1.write("x", Integer.toString(60 - 100));
        t2.write("y", Integer.toString(60 - 100));
        final boolean c1 = t1.commit();
        final boolean c2 = t2.commit();
        return first(expect("both see the sum", 120, sum1), expect("both see the sum", 120, sum2),
            c1 && c2 ? "both withdrawals committed: x + y = -80" : null,
            c1 || c2 ? null : "both withdrawals aborted");
    }

    private static String g2Predicate(final Function<String, Session> sessions)
    {
        final Session t1 = sessions.apply("t1");
        final Session t2 = sessions.apply("t2");
        setUp(t1, "other", "1");
        t1.begin();
        t2.begin();
        final List<String> seen1 = t1.scan("oncall/");
        final List<String> seen2 = t2.scan("oncall/");
        // Each puts someone on call only if nobody is.
        if (seen1.isEmpty())
        {
            t1.write("oncall/alice", "1");
        }
        if (seen2.isEmpty())
        {
            t2.write("oncall/bob", "1");
        }
        final boolean c1 = t1.commit();
        final boolean c2 = t2.commit();
        final Session r = sessions.apply("r");
        r.begin();
        final List<String> after = r.scan("oncall/");
        r.commit();
        return first(expect("T1 sees nobody on call", List.of(), seen1), expect("T2 sees nobody", List.of(), seen2),
            c1 && c2 ? "both inserted into the range each saw empty: " + after : null,
            c1 || c2 ? null : "both aborted",
            expect("rows on call afterwards", 1, after.size()));
    }
}
