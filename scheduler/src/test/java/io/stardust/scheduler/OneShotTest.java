package io.stardust.scheduler;

import io.stardust.protocol.Versions;
import io.stardust.storage.Storage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static io.stardust.scheduler.SchedulerTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One-shot transactions: they run at their log positions, see every earlier transaction of the epoch, never abort on
 * a conflict, and give the same outcomes, results and digest whatever the worker count.
 */
class OneShotTest
{
    @TempDir
    File dir;

    private Storage storage;
    private Scheduler scheduler;

    @BeforeEach
    void open()
    {
        storage = SchedulerTest.newStorage(new File(dir, "main"));
        scheduler = new Scheduler(storage, 2);
    }

    @AfterEach
    void close()
    {
        scheduler.close();
        storage.close();
    }

    static TxnRecord.Op add(final String key, final long delta)
    {
        return TxnRecord.Op.add(0, b(key), delta, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    static TxnRecord.Op addAtLeast(final String key, final long delta, final long min)
    {
        return TxnRecord.Op.add(0, b(key), delta, min, Long.MAX_VALUE);
    }

    static long counter(final byte[] value)
    {
        return ByteBuffer.wrap(value).getLong();
    }

    private long stored(final String key)
    {
        return counter(storage.latest(0, b(key)).value());
    }

    @Test
    void shouldApplyEveryIncrementOfAHotKeyWithoutAnAbort()
    {
        final List<TxnRecord> txns = new ArrayList<>();
        for (int i = 0; i < 500; i++)
        {
            txns.add(TxnRecord.oneShot(i, add("hot", 1)));
        }
        final EpochResult r = scheduler.execute(1, txns);
        assertEquals(500, r.committed());
        assertEquals(500, stored("hot"));
        for (int i = 0; i < 500; i++)
        {
            // Each saw every earlier one: the results are 1, 2, ... in log order.
            assertEquals(i + 1, counter(r.effect(i).results()[0]));
        }
        assertEquals(Versions.pack(1, 499), storage.latest(0, b("hot")).version());
    }

    @Test
    void shouldAbortOnlyTheTransactionWhoseConditionIsFalse()
    {
        scheduler.execute(1, List.of(TxnRecord.oneShot(1, add("a", 10))));
        // Transfers of 4 from a to b, with a's balance checked: two fit, the third does not, the fourth (1) does.
        final EpochResult r = scheduler.execute(2, List.of(
            TxnRecord.oneShot(2, addAtLeast("a", -4, 0), add("b", 4)),
            TxnRecord.oneShot(3, addAtLeast("a", -4, 0), add("b", 4)),
            TxnRecord.oneShot(4, addAtLeast("a", -4, 0), add("b", 4)),
            TxnRecord.oneShot(5, addAtLeast("a", -1, 0), add("b", 1))));
        assertTrue(r.outcomes()[0].committed());
        assertTrue(r.outcomes()[1].committed());
        assertEquals(AbortReason.CONDITION_FAILED, r.outcomes()[2].reason());
        assertEquals(0, r.effect(2).failedOp());
        assertNull(r.effect(2).results());
        assertTrue(r.outcomes()[3].committed());
        assertEquals(1, stored("a"));
        assertEquals(9, stored("b"));
    }

    @Test
    void shouldCheckCompareAndDeleteAtTheLogPosition()
    {
        final byte[] one = b("one");
        final EpochResult r = scheduler.execute(1, List.of(
            TxnRecord.oneShot(1, TxnRecord.Op.of(TxnRecord.OpKind.CHECK_ABSENT, 0, b("k")),
                TxnRecord.Op.withValue(TxnRecord.OpKind.PUT, 0, b("k"), one)),
            // A second insert-if-absent of the same key in the same epoch sees the first: its condition fails.
            TxnRecord.oneShot(2, TxnRecord.Op.of(TxnRecord.OpKind.CHECK_ABSENT, 0, b("k")),
                TxnRecord.Op.withValue(TxnRecord.OpKind.PUT, 0, b("k"), b("other"))),
            // Compare-and-set: expects "one", sets "two".
            TxnRecord.oneShot(3, TxnRecord.Op.withValue(TxnRecord.OpKind.CHECK_EQUALS, 0, b("k"), one),
                TxnRecord.Op.withValue(TxnRecord.OpKind.PUT, 0, b("k"), b("two"))),
            TxnRecord.oneShot(4, TxnRecord.Op.withValue(TxnRecord.OpKind.CHECK_EQUALS, 0, b("k"), one),
                TxnRecord.Op.of(TxnRecord.OpKind.DELETE, 0, b("k"))),
            TxnRecord.oneShot(5, TxnRecord.Op.of(TxnRecord.OpKind.GET, 0, b("k")))));
        assertTrue(r.outcomes()[0].committed());
        assertEquals(AbortReason.CONDITION_FAILED, r.outcomes()[1].reason());
        assertTrue(r.outcomes()[2].committed());
        assertEquals(AbortReason.CONDITION_FAILED, r.outcomes()[3].reason());
        assertEquals(0, r.effect(3).failedOp(), "the check, its first op, failed");
        assertArrayEquals(b("two"), r.effect(4).results()[0]);
        assertArrayEquals(b("two"), storage.latest(0, b("k")).value());
    }

    @Test
    void shouldRefuseToAddToAValueThatIsNotACounterOrPastABound()
    {
        scheduler.execute(1, List.of(new TxnRecord(1, 0, new TxnRecord.Read[0], new TxnRecord.Range[0],
            new TxnRecord.Write[] {new TxnRecord.Write(0, b("text"), false, b("hello"))})));
        final EpochResult r = scheduler.execute(2, List.of(
            TxnRecord.oneShot(2, add("text", 1)),
            TxnRecord.oneShot(3, add("max", Long.MAX_VALUE)),
            TxnRecord.oneShot(4, add("max", 1)),
            TxnRecord.oneShot(5, TxnRecord.Op.add(0, b("capped"), 5, Long.MIN_VALUE, 4))));
        assertEquals(AbortReason.CONDITION_FAILED, r.outcomes()[0].reason());
        assertTrue(r.outcomes()[1].committed());
        assertEquals(AbortReason.CONDITION_FAILED, r.outcomes()[2].reason(), "overflow");
        assertEquals(AbortReason.CONDITION_FAILED, r.outcomes()[3].reason(), "past max");
        assertArrayEquals(b("hello"), storage.latest(0, b("text")).value());
    }

    @Test
    void shouldAppendInLogOrderAndFailPastWhatStorageHolds()
    {
        final EpochResult r = scheduler.execute(1, List.of(
            TxnRecord.oneShot(1, TxnRecord.Op.withValue(TxnRecord.OpKind.APPEND, 0, b("list"), b(" 1"))),
            TxnRecord.oneShot(2, TxnRecord.Op.withValue(TxnRecord.OpKind.APPEND, 0, b("list"), b(" 2")),
                TxnRecord.Op.of(TxnRecord.OpKind.GET, 0, b("list"))),
            TxnRecord.oneShot(3, TxnRecord.Op.withValue(TxnRecord.OpKind.APPEND, 0, b("list"),
                new byte[Storage.MAX_VALUE_BYTES]))));
        assertArrayEquals(b(" 1 2"), r.effect(1).results()[1]);
        assertEquals(AbortReason.CONDITION_FAILED, r.outcomes()[2].reason(), "past the largest value");
        assertArrayEquals(b(" 1 2"), storage.latest(0, b("list")).value());
    }

    @Test
    void shouldOrderOneShotsAndValidatedTransactionsByLogPosition()
    {
        scheduler.execute(1, List.of(TxnRecord.oneShot(1, add("x", 1))));
        final long v1 = storage.latest(0, b("x")).version();
        final byte[] five = ByteBuffer.allocate(8).putLong(5).array();
        final EpochResult r = scheduler.execute(2, List.of(
            // 0: a validated blind write of x = 5.
            new TxnRecord(10, 1, new TxnRecord.Read[0], new TxnRecord.Range[0],
                new TxnRecord.Write[] {new TxnRecord.Write(0, b("x"), false, five)}),
            // 1: a one-shot add sees it: 6.
            TxnRecord.oneShot(11, add("x", 1)),
            // 2: a validated read of x at the epoch's start is stale within the epoch: an earlier one wrote x.
            new TxnRecord(12, 1, new TxnRecord.Read[] {new TxnRecord.Read(0, b("x"), v1)}, new TxnRecord.Range[0],
                new TxnRecord.Write[] {new TxnRecord.Write(0, b("y"), false, b("from x"))}),
            // 3: another add: 7.
            TxnRecord.oneShot(13, add("x", 1))));
        assertTrue(r.outcomes()[0].committed());
        assertEquals(6, counter(r.effect(1).results()[0]));
        assertEquals(AbortReason.READ_AFTER_WRITE_IN_EPOCH, r.outcomes()[2].reason());
        assertEquals(7, counter(r.effect(3).results()[0]));
        assertEquals(7, stored("x"));
        assertNull(storage.latest(0, b("y")).isLive() ? b("y") : null);
    }

    @Test
    void shouldGiveTheSameOutcomesResultsAndDigestsWithOneTwoAndFourWorkers()
    {
        final SplittableRandom random = new SplittableRandom(42);
        final List<List<TxnRecord>> epochs = new ArrayList<>();
        for (int e = 0; e < 30; e++)
        {
            final List<TxnRecord> txns = new ArrayList<>();
            for (int i = 0; i < 200; i++)
            {
                txns.add(randomTxn(random, e, i));
            }
            epochs.add(txns);
        }
        String first = null;
        for (final OneShotExecution mode : OneShotExecution.values())
        for (final int workers : new int[] {1, 2, 4})
        {
            try (Storage s = SchedulerTest.newStorage(new File(dir, "w" + workers + mode));
                Scheduler sch = new Scheduler(s, workers).oneShotExecution(mode))
            {
                final StringBuilder trace = new StringBuilder();
                for (int e = 0; e < epochs.size(); e++)
                {
                    final EpochResult r = sch.execute(e + 1, epochs.get(e));
                    trace.append(r.digest()).append(':');
                    for (int i = 0; i < r.outcomes().length; i++)
                    {
                        trace.append(r.outcomes()[i].reason().ordinal());
                        final OneShotEffect effect = r.effect(i);
                        if (effect != null && effect.results() != null)
                        {
                            for (final byte[] v : effect.results())
                            {
                                trace.append(v == null ? "-" : Arrays.toString(v));
                            }
                        }
                    }
                    trace.append('\n');
                }
                if (first == null)
                {
                    first = trace.toString();
                    assertTrue(first.contains(String.valueOf(AbortReason.CONDITION_FAILED.ordinal())));
                }
                else
                {
                    assertEquals(first, trace.toString(), "outcomes, results and digests with " + workers + " workers, " +
                        mode);
                }
            }
        }
    }

    private static TxnRecord randomTxn(final SplittableRandom random, final int epoch, final int i)
    {
        final String a = "k" + random.nextInt(12);
        final String c = "k" + random.nextInt(12);
        if (random.nextInt(3) == 0)
        {
            // A validated transaction: a blind write of a counter, or a read at the epoch before this one.
            final byte[] value = ByteBuffer.allocate(8).putLong(random.nextInt(100)).array();
            return new TxnRecord(i, epoch, new TxnRecord.Read[0], new TxnRecord.Range[0],
                new TxnRecord.Write[] {new TxnRecord.Write(0, b(a), false, value)});
        }
        return switch (random.nextInt(4))
        {
            case 0 -> TxnRecord.oneShot(i, add(a, 1));
            case 1 -> TxnRecord.oneShot(i, addAtLeast(a, -random.nextInt(5), 0), add(c.equals(a) ? a + "x" : c, 1));
            case 2 -> TxnRecord.oneShot(i, TxnRecord.Op.of(TxnRecord.OpKind.CHECK_PRESENT, 0, b(a)),
                TxnRecord.Op.of(TxnRecord.OpKind.DELETE, 0, b(a)));
            default -> TxnRecord.oneShot(i, TxnRecord.Op.of(TxnRecord.OpKind.GET, 0, b(a)));
        };
    }
}
