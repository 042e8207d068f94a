package io.stardust.conformance.history;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static io.stardust.conformance.history.Mop.append;
import static io.stardust.conformance.history.Mop.read;
import static io.stardust.conformance.history.Txn.Outcome.FAIL;
import static io.stardust.conformance.history.Txn.Outcome.INFO;
import static io.stardust.conformance.history.Txn.Outcome.OK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Planted histories: each anomaly is caught with a cycle naming its transactions, and valid histories pass. */
class ListAppendCheckerTest
{
    private static final long X = 1;
    private static final long Y = 2;
    private static final long Z = 3;

    /** A transaction of process {@code id} (one per process unless given) running from t = 10 id to 10 id + 5. */
    private static Txn t(final int id, final Txn.Outcome outcome, final Mop... mops)
    {
        return new Txn(id, id, outcome, List.of(mops), 10L * id, outcome == INFO ? Long.MAX_VALUE : 10L * id + 5);
    }

    /** Like {@link #t} but all overlapping in time (0 to 1000) so no realtime order exists. */
    private static Txn c(final int id, final Txn.Outcome outcome, final Mop... mops)
    {
        return new Txn(id, id, outcome, List.of(mops), 0, outcome == INFO ? Long.MAX_VALUE : 1000);
    }

    private static CheckResult check(final Txn... txns)
    {
        return ListAppendChecker.check(List.of(txns));
    }

    private static void assertOnly(final CheckResult result, final String anomaly, final String... named)
    {
        assertEquals(Map.of(anomaly, 1), result.anomalies(), result.report());
        final String example = result.examples().get(anomaly).get(0);
        for (final String txn : named)
        {
            assertTrue(example.contains(txn), "example names " + txn + ": " + example);
        }
    }

    @Test
    void shouldPassSerialHistory()
    {
        final CheckResult result = check(
            t(1, OK, append(X, 1)),
            t(2, OK, read(X, 1), append(Y, 2)),
            t(3, OK, read(X, 1), read(Y, 2), append(X, 3)),
            t(4, OK, read(X, 1, 3), read(Y, 2)));
        assertTrue(result.valid(), result.report());
        assertEquals(4, result.ok());
    }

    @Test
    void shouldCatchDirtyWriteG0()
    {
        final CheckResult result = check(
            c(1, OK, append(X, 1), append(Y, 2)),
            c(2, OK, append(X, 3), append(Y, 4)),
            c(3, OK, read(X, 1, 3), read(Y, 4, 2)));
        assertOnly(result, ListAppendChecker.G0, "T1", "T2", "cycle of 2");
        assertTrue(result.examples().get("G0").get(0).contains("-ww-> T2"), result.report());
    }

    @Test
    void shouldCatchAbortedReadG1a()
    {
        final CheckResult result = check(
            c(1, FAIL, append(X, 1)),
            c(2, OK, read(X, 1)));
        assertOnly(result, ListAppendChecker.G1A, "T1", "T2");
    }

    @Test
    void shouldCatchIntermediateReadG1b()
    {
        final CheckResult result = check(
            c(1, OK, append(X, 1), append(X, 2)),
            c(2, OK, read(X, 1)));
        assertOnly(result, ListAppendChecker.G1B, "T1", "T2");
    }

    @Test
    void shouldCatchCircularInformationFlowG1c()
    {
        final CheckResult result = check(
            c(1, OK, append(X, 1), read(Y, 2)),
            c(2, OK, append(Y, 2), read(X, 1)));
        assertOnly(result, ListAppendChecker.G1C, "T1", "T2", "-wr->");
    }

    @Test
    void shouldCatchReadSkewGSingle()
    {
        final CheckResult result = check(
            c(1, OK, read(X), read(Y, 2)),
            c(2, OK, append(X, 1), append(Y, 2)),
            c(3, OK, read(X, 1)));
        // T1 read x before T2's append but y after it.
        final CheckResult filled = check(
            c(1, OK, read(X, new long[0]), read(Y, 2)),
            c(2, OK, append(X, 1), append(Y, 2)),
            c(3, OK, read(X, 1)));
        assertTrue(result.valid(), "a read without a result carries no information: " + result.report());
        assertOnly(filled, ListAppendChecker.G_SINGLE, "T1", "T2", "-rw->", "-wr->");
    }

    @Test
    void shouldCatchWriteSkewG2()
    {
        final CheckResult result = check(
            c(1, OK, read(X, new long[0]), read(Y, new long[0]), append(X, 1)),
            c(2, OK, read(X, new long[0]), read(Y, new long[0]), append(Y, 2)),
            c(3, OK, read(X, 1), read(Y, 2)));
        assertOnly(result, ListAppendChecker.G2, "T1", "T2");
    }

    @Test
    void shouldCatchThreeTransactionG2Cycle()
    {
        // Each reads the key the next one appends to, before it does: a three-way write skew.
        final CheckResult result = check(
            c(1, OK, read(Y, new long[0]), append(X, 1)),
            c(2, OK, read(Z, new long[0]), append(Y, 2)),
            c(3, OK, read(X, new long[0]), append(Z, 3)),
            c(4, OK, read(X, 1), read(Y, 2), read(Z, 3)));
        assertOnly(result, ListAppendChecker.G2, "T1", "T2", "T3", "cycle of 3");
    }

    @Test
    void shouldCatchLostAppend()
    {
        final CheckResult result = check(
            t(1, OK, append(X, 1)),
            t(2, OK, append(X, 2)),
            t(5, OK, read(X, 2), append(Z, 9)));
        assertEquals(1, result.count(ListAppendChecker.LOST), result.report());
        assertTrue(result.examples().get(ListAppendChecker.LOST).get(0).contains("value 1 of key 1"), result.report());
    }

    @Test
    void shouldNotCallAnIndeterminateAppendLost()
    {
        final CheckResult result = check(
            t(1, INFO, append(X, 1)),
            t(5, OK, read(X, new long[0]), append(Z, 9)));
        assertTrue(result.valid(), result.report());
    }

    @Test
    void shouldCountAnObservedIndeterminateAppendAsCommitted()
    {
        final CheckResult result = check(
            c(1, INFO, append(X, 1), append(Y, 2)),
            c(2, OK, read(X, 1), read(Y, new long[0])),
            c(3, OK, read(Y, 2)));
        // T2 saw T1's x but not its y: a read skew over an indeterminate transaction.
        assertOnly(result, ListAppendChecker.G_SINGLE, "T1", "T2");
    }

    @Test
    void shouldCatchDuplicateAppend()
    {
        final CheckResult result = check(
            c(1, OK, append(X, 1)),
            c(2, OK, read(X, 1, 1)));
        assertOnly(result, ListAppendChecker.DUPLICATE, "T2");
    }

    @Test
    void shouldCatchGarbageRead()
    {
        assertOnly(check(c(1, OK, read(X, 42))), ListAppendChecker.GARBAGE, "T1");
    }

    @Test
    void shouldCatchIncompatibleOrders()
    {
        final CheckResult result = check(
            c(1, OK, append(X, 1)),
            c(2, OK, append(X, 2)),
            c(3, OK, read(X, 1, 2)),
            c(4, OK, read(X, 2, 1)));
        assertEquals(1, result.count(ListAppendChecker.INCOMPATIBLE_ORDER), result.report());
    }

    @Test
    void shouldCatchInconsistentReadOfOwnAppend()
    {
        assertOnly(check(c(1, OK, append(X, 1), read(X, new long[0]))), ListAppendChecker.INTERNAL, "T1");
    }

    @Test
    void shouldCatchRealtimeViolationBetweenReadWriteTransactions()
    {
        // T1 completed before T2 began, yet T2's append comes first in x's order.
        final CheckResult result = check(
            t(1, OK, append(X, 1)),
            t(2, OK, append(X, 2)),
            t(3, OK, read(X, 2, 1)));
        assertOnly(result, ListAppendChecker.G0 + "-realtime", "T1", "T2", "-realtime->");
    }

    @Test
    void shouldCatchStaleReadWithinOneProcess()
    {
        final CheckResult result = check(
            new Txn(1, 7, OK, List.of(append(X, 1)), 0, 5),
            new Txn(2, 7, OK, List.of(read(X, new long[0])), 10, 15),
            new Txn(3, 8, OK, List.of(read(X, 1)), 20, 25));
        assertOnly(result, ListAppendChecker.G_SINGLE + "-process", "T1", "T2", "-process->");
    }

    @Test
    void shouldAllowStaleReadOnlyTransactionInAnotherProcess()
    {
        // Read-only transactions are serializable, not strictly: another session may see an older snapshot.
        final CheckResult result = check(
            t(1, OK, append(X, 1)),
            t(2, OK, read(X, new long[0])),
            t(3, OK, read(X, 1)));
        assertTrue(result.valid(), result.report());
    }

    @Test
    void shouldRejectAHistoryThatAppendsOneValueTwice()
    {
        assertThrows(IllegalArgumentException.class, () -> check(c(1, OK, append(X, 1)), c(2, OK, append(X, 1))));
    }

    @Test
    void shouldPassRandomSerializableHistoriesWithOverlapAndFailures()
    {
        for (long seed = 1; seed <= 20; seed++)
        {
            final CheckResult result = ListAppendChecker.check(serialHistory(seed, 2_000));
            assertTrue(result.valid(), "seed " + seed + ": " + result.report());
        }
    }

    @Test
    void shouldCatchOneLostAppendPlantedInALargeValidHistory()
    {
        final List<Txn> history = serialHistory(7, 2_000);
        // Find an acknowledged read-write transaction that began after the last append it read was acknowledged,
        // and drop that append from its read: a lost write.
        final Map<Long, Txn> appenders = new HashMap<>();
        history.forEach((txn) -> txn.mops().stream().filter(Mop::append).forEach((m) -> appenders.put(m.value(), txn)));
        boolean planted = false;
        for (int i = history.size() / 2; i < history.size() && !planted; i++)
        {
            final Txn txn = history.get(i);
            if (txn.outcome() != OK || !txn.writes() || txn.mops().get(0).append() ||
                txn.mops().get(0).read().length == 0)
            {
                continue;
            }
            final long[] read = txn.mops().get(0).read();
            final Txn writer = appenders.get(read[read.length - 1]);
            if (writer.outcome() == OK && writer.complete() < txn.invoke())
            {
                final List<Mop> mops = new ArrayList<>(txn.mops());
                mops.set(0, mops.get(0).withRead(java.util.Arrays.copyOf(read, read.length - 1)));
                history.set(i, new Txn(txn.id(), txn.process(), OK, mops, txn.invoke(), txn.complete()));
                planted = true;
            }
        }
        assertTrue(planted, "the generated history has a place to plant the fault");
        final CheckResult result = ListAppendChecker.check(history);
        assertEquals(1, result.count(ListAppendChecker.LOST), result.report());
    }

    /**
     * A serializable history: transactions take effect one at a time at increasing serial points, each running
     * over a random interval around its point (so realtime order is respected); some fail (no effect), some are
     * indeterminate (effect or not). Eight processes, six keys.
     */
    static List<Txn> serialHistory(final long seed, final int count)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final Map<Long, List<Long>> state = new HashMap<>();
        final List<Txn> history = new ArrayList<>();
        final long[] processFree = new long[8];
        final int[] processId = {0, 1, 2, 3, 4, 5, 6, 7};
        int nextProcess = 8;
        long nextValue = 1;
        for (int id = 0; id < count; id++)
        {
            final long point = 1_000L * (id + 1);
            // The transaction runs over an interval around its serial point, on a process idle by then.
            int p = random.nextInt(8);
            for (int q = 0; q < 8 && processFree[p] + 1 >= point; q++)
            {
                p = (p + 1) % 8;
            }
            if (processFree[p] + 1 >= point)
            {
                continue;
            }
            final long start = Math.max(point - random.nextInt(1, 3_000), processFree[p] + 1);
            final long end = point + random.nextInt(1, 3_000);
            final int roll = random.nextInt(20);
            final Txn.Outcome outcome = roll == 0 ? FAIL : roll == 1 ? INFO : OK;
            final boolean applied = outcome == OK || (outcome == INFO && random.nextBoolean());
            final List<Mop> mops = new ArrayList<>();
            final Map<Long, List<Long>> view = new HashMap<>();
            for (int m = random.nextInt(1, 5); m > 0; m--)
            {
                final long key = random.nextInt(6);
                final List<Long> current = view.computeIfAbsent(key,
                    (k) -> new ArrayList<>(state.getOrDefault(k, List.of())));
                if (random.nextBoolean())
                {
                    mops.add(read(key, current.stream().mapToLong(Long::longValue).toArray()));
                }
                else
                {
                    mops.add(append(key, nextValue));
                    current.add(nextValue++);
                }
            }
            if (applied)
            {
                state.putAll(view);
            }
            final List<Mop> recorded = outcome == OK ? mops : mops.stream().map((m) -> m.append() ? m : read(m.key()))
                .toList();
            history.add(new Txn(id, processId[p], outcome, recorded, start,
                outcome == INFO ? Long.MAX_VALUE : end));
            if (outcome == INFO)
            {
                processId[p] = nextProcess++;
            }
            processFree[p] = outcome == INFO ? start : end;
        }
        return history;
    }
}
