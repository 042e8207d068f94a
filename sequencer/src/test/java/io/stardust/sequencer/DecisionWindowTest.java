package io.stardust.sequencer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DecisionWindowTest
{
    @Test
    void shouldRememberAtLeastTheLastWindowOfDecisions()
    {
        final DecisionWindow<String> window = new DecisionWindow<>(4);
        for (long id = 1; id <= 100; id++)
        {
            window.put(id, "d" + id);
            for (long back = Math.max(1, id - 3); back <= id; back++)
            {
                assertEquals("d" + back, window.get(back), "id " + back + " after putting " + id);
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
        final DecisionWindow<String> window = new DecisionWindow<>(2);
        for (long id = 1; id <= 5; id++)
        {
            window.put(id, "d" + id);
        }
        // Generations: {1,2} dropped when {5} started; {3,4} previous; {5} current.
        assertNull(window.get(1));
        assertNull(window.get(2));
        assertEquals("d3", window.get(3));
        assertEquals("d5", window.get(5));
        assertEquals(3, window.size());
    }

    @Test
    void shouldRebuildTheSameGenerationsWhenItsVisitsAreReplayed()
    {
        final DecisionWindow<String> original = new DecisionWindow<>(3);
        for (long id = 1; id <= 11; id++)
        {
            original.put(id, "d" + id);
        }
        final DecisionWindow<String> restored = new DecisionWindow<>(3);
        original.forEach(restored::put);
        // Both must evict the same ids from here on.
        final List<String> a = new ArrayList<>();
        final List<String> b = new ArrayList<>();
        for (long id = 12; id <= 20; id++)
        {
            original.put(id, "d" + id);
            restored.put(id, "d" + id);
            for (long probe = 1; probe <= id; probe++)
            {
                a.add(probe + "=" + original.get(probe));
                b.add(probe + "=" + restored.get(probe));
            }
        }
        assertEquals(a, b);
    }

    @Test
    void shouldRefuseAnEmptyWindow()
    {
        assertThrows(IllegalArgumentException.class, () -> new DecisionWindow<String>(0));
    }
}
