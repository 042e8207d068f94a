package io.stardust.sequencer;

import io.stardust.scheduler.AbortReason;
import io.stardust.scheduler.Outcome;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DecisionWindowTest
{
    /** Ids divisible by 3 abort; the others commit. Epoch and index derive from the id. */
    private static void put(final DecisionWindow window, final long id)
    {
        window.put(id, 1000 + id, (int)id % 7, outcome(id), null);
    }

    private static Outcome outcome(final long id)
    {
        return id % 3 == 0 ? new Outcome(AbortReason.STALE_READ, 2, new byte[] {(byte)id}) : Outcome.COMMITTED;
    }

    private static String describe(final DecisionWindow.Decision d)
    {
        if (d == null)
        {
            return "forgotten";
        }
        final Outcome o = d.outcome();
        return d.epoch() + "/" + d.index() + "/" + o.reason() + "/" + o.conflictTable() + "/" +
            (o.conflictKey() == null ? "-" : Byte.toString(o.conflictKey()[0]));
    }

    @Test
    void shouldRememberAtLeastTheLastWindowOfDecisions()
    {
        final DecisionWindow window = new DecisionWindow(4);
        for (long id = 1; id <= 100; id++)
        {
            put(window, id);
            for (long back = Math.max(1, id - 3); back <= id; back++)
            {
                final DecisionWindow.Decision d = window.get(back);
                assertEquals(1000 + back, d.epoch(), "id " + back + " after putting " + id);
                assertEquals((int)back % 7, d.index());
                if (back % 3 == 0)
                {
                    assertEquals(AbortReason.STALE_READ, d.outcome().reason());
                    assertEquals(2, d.outcome().conflictTable());
                    assertArrayEquals(new byte[] {(byte)back}, d.outcome().conflictKey());
                }
                else
                {
                    assertSame(Outcome.COMMITTED, d.outcome());
                }
            }
            final int size = window.size();
            if (size < Math.min(id, 4) || size > 8)
            {
                throw new AssertionError("remembers " + size + " ids after " + id + " puts");
            }
        }
    }

    @Test
    void shouldForgetWholeOldGenerations()
    {
        final DecisionWindow window = new DecisionWindow(2);
        for (long id = 1; id <= 5; id++)
        {
            put(window, id);
        }
        // Generations: {1,2} dropped when {5} started; {3,4} previous; {5} current.
        assertNull(window.get(1));
        assertNull(window.get(2));
        assertEquals(AbortReason.STALE_READ, window.get(3).outcome().reason());
        assertEquals(1005, window.get(5).epoch());
        assertEquals(3, window.size());
    }

    @Test
    void shouldRebuildTheSameGenerationsWhenItsVisitsAreReplayed()
    {
        final DecisionWindow original = new DecisionWindow(3);
        for (long id = 1; id <= 11; id++)
        {
            put(original, id);
        }
        final DecisionWindow restored = new DecisionWindow(3);
        original.forEach(restored::put);
        // Both must remember and evict the same ids, with the same decisions, from here on.
        final List<String> a = new ArrayList<>();
        final List<String> b = new ArrayList<>();
        for (long id = 12; id <= 20; id++)
        {
            put(original, id);
            put(restored, id);
            for (long probe = 1; probe <= id; probe++)
            {
                a.add(probe + "=" + describe(original.get(probe)));
                b.add(probe + "=" + describe(restored.get(probe)));
            }
        }
        assertEquals(a, b);
        assertEquals("18=1018/4/STALE_READ/2/18", a.get(a.size() - 3));
    }

    @Test
    void shouldFindRandomIdsAcrossBucketsAsTheyGrow()
    {
        final DecisionWindow window = new DecisionWindow(5_000);
        final java.util.SplittableRandom random = new java.util.SplittableRandom(42);
        final long[] ids = new long[12_000];
        for (int i = 0; i < ids.length; i++)
        {
            ids[i] = random.nextLong();
            window.put(ids[i], i + 1, i % 1000, Outcome.COMMITTED, null);
        }
        // Generations of 5000: ids 0..9999 filled two, so 10000.. is current and 5000..9999 previous.
        for (int i = 0; i < ids.length; i++)
        {
            final DecisionWindow.Decision d = window.get(ids[i]);
            if (i < 5_000)
            {
                assertNull(d, "id " + i + " is in a dropped generation");
            }
            else
            {
                assertEquals(i + 1, d.epoch(), "id " + i);
                assertEquals(i % 1000, d.index(), "id " + i);
            }
        }
        assertEquals(7_000, window.size());
        assertNull(window.get(random.nextLong()), "an id never put");
    }

    @Test
    void shouldRefuseAnEmptyWindow()
    {
        assertThrows(IllegalArgumentException.class, () -> new DecisionWindow(0));
    }

    @Test
    void shouldRememberAOneShotsResultsUnlessTheyAreLarge()
    {
        final DecisionWindow window = new DecisionWindow(10);
        final byte[][] small = {new byte[8], null};
        window.put(1, 5, 0, Outcome.COMMITTED,
            new io.stardust.scheduler.OneShotEffect(-1, small, new io.stardust.scheduler.TxnRecord.Write[0]));
        window.put(2, 5, 1, Outcome.COMMITTED, new io.stardust.scheduler.OneShotEffect(-1,
            new byte[][] {new byte[DecisionWindow.MAX_KEPT_RESULT_BYTES + 1]},
            new io.stardust.scheduler.TxnRecord.Write[0]));
        window.put(3, 5, 2, Outcome.COMMITTED, null);
        assertArrayEquals(small, window.get(1).effect().results());
        assertEquals(-1, window.get(1).effect().failedOp());
        assertNull(window.get(2).effect().results(), "too large to keep: the outcome alone");
        assertNull(window.get(3).effect(), "a validated transaction has no effect");
        final DecisionWindow restored = new DecisionWindow(10);
        window.forEach(restored::put);
        assertArrayEquals(small, restored.get(1).effect().results());
    }
}
