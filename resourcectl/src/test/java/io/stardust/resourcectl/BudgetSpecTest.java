package io.stardust.resourcectl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BudgetSpecTest
{
    private static final long START = 1_700_000_000_000L;

    @Test
    void shouldReadBackEveryKindOfBudget()
    {
        final BudgetSpec[] specs = {
            BudgetSpec.watts(40, START),
            BudgetSpec.energy(2400, 60, START),
            BudgetSpec.trace("0,40\n60,20\n120,40\n", START),
            BudgetSpec.trace("[{\"t\": 0, \"watts\": 30}, {\"t\": 10, \"watts\": 50}]", START),
            BudgetSpec.cost(0.01, 60, "0,0.30\n100,0.60\n", START),
            BudgetSpec.solar(7, 600, 50, 40, START),
        };
        for (final BudgetSpec spec : specs)
        {
            final BudgetSpec back = BudgetSpec.parse(spec.format());
            assertEquals(spec, back, spec.format());
            assertEquals(spec.kind(), back.kind());
            assertEquals(START, back.startMillis());
            for (double t = 0; t < 200; t += 7.5)
            {
                assertEquals(spec.budget().watts(t), back.budget().watts(t), 1e-12, spec + " at " + t);
            }
        }
        assertEquals(30, BudgetSpec.trace("0,40\n60,20\n", START).budget().watts(30), 1e-9);
        assertEquals(40, BudgetSpec.energy(2400, 60, START).budget().watts(5), 1e-9);
        // 0.01 per 60 s window at 0.30 per kWh: 0.01 * 3.6e6 / (0.30 * 60) = 2000 W.
        assertEquals(2000, BudgetSpec.cost(0.01, 60, "0,0.30\n100,0.60\n", START).budget().watts(0), 1e-6);
        assertEquals(12.5, BudgetSpec.watts(40, START).secondsAt(START + 12_500), 1e-9);
        assertEquals(0, BudgetSpec.watts(40, START).secondsAt(START - 5_000), 1e-9);
        assertTrue(BudgetSpec.solar(7, 600, 50, 40, START).describe().contains("seed 7"));
    }

    @Test
    void shouldRefuseBadBudgetsNamingTheProblem()
    {
        assertMessage("above 0", () -> BudgetSpec.watts(0, START));
        assertMessage("above 0", () -> BudgetSpec.watts(-5, START));
        assertMessage("above 0", () -> BudgetSpec.watts(Double.NaN, START));
        assertMessage("window", () -> BudgetSpec.energy(100, 0, START));
        assertMessage("line 2", () -> BudgetSpec.trace("0,40\n60;20\n", START));
        assertMessage("needs a trace", () -> BudgetSpec.trace("  ", START));
        assertMessage("after 1970", () -> BudgetSpec.watts(10, -1));
        assertMessage("not a stored budget", () -> BudgetSpec.parse("hello"));
        assertMessage("unknown budget kind 'volts'",
            () -> BudgetSpec.parse("stardust-budget 1\nkind=volts\nstart-millis=0\n"));
        assertMessage("needs watts", () -> BudgetSpec.parse("stardust-budget 1\nkind=watts\nstart-millis=0\n"));
        assertMessage("watts is not a number: lots",
            () -> BudgetSpec.parse("stardust-budget 1\nkind=watts\nstart-millis=0\nwatts=lots\n"));
        assertMessage("seed is not a whole number",
            () -> BudgetSpec.parse(BudgetSpec.solar(7, 600, 50, 40, START).format().replace("seed=7", "seed=x")));
    }

    private static void assertMessage(final String part, final org.junit.jupiter.api.function.Executable bad)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, bad);
        assertTrue(ex.getMessage().contains(part), "expected '" + part + "' in: " + ex.getMessage());
    }
}
