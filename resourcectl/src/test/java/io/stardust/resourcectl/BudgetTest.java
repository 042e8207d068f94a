package io.stardust.resourcectl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BudgetTest
{
    @TempDir
    Path dir;

    @Test
    void shouldJoinPointsWithLinesAndStepWhereTwoShareATime()
    {
        final TraceBudget trace = TraceBudget.parseCsv("seconds,watts\n0,100\n10,50\n10,80\n# a comment\n\n20,80\n");
        assertEquals(100, trace.watts(0), 1e-9);
        assertEquals(75, trace.watts(5), 1e-9);
        assertEquals(80, trace.watts(10), 1e-9, "the step's second point holds from its time");
        assertEquals(80, trace.watts(15), 1e-9);
        assertEquals(80, trace.watts(1_000), 1e-9, "after the last point, the last value");
        assertEquals(20, trace.lengthSeconds(), 1e-9);
    }

    @Test
    void shouldReadTheSameTraceFromJson() throws IOException
    {
        final Path file = dir.resolve("trace.json");
        Files.writeString(file, "[ {\"t\": 0, \"watts\": 100}, {\"watts\": 50, \"t\": 10} ]");
        final TraceBudget trace = TraceBudget.load(file);
        assertEquals(75, trace.watts(5), 1e-9);
    }

    @Test
    void shouldRefuseAMalformedTraceNamingWhere()
    {
        assertMessage("line 3: expected seconds,watts", () -> TraceBudget.parseCsv("t,w\n0,10\n5\n"));
        assertMessage("line 2: watts is not a number", () -> TraceBudget.parseCsv("0,10\n5,lots\n"));
        assertMessage("line 2: the budget must be above 0, not -5.0", () -> TraceBudget.parseCsv("0,10\n5,-5\n"));
        assertMessage("line 1: the budget must be above 0, not 0.0", () -> TraceBudget.parseCsv("0,0\n"));
        assertMessage("line 3: time 2.0 s is before", () -> TraceBudget.parseCsv("0,10\n5,10\n2,10\n"));
        assertMessage("no points", () -> TraceBudget.parseCsv("# nothing\n"));
        assertMessage("point 2: expected {\"t\"", () -> TraceBudget.parseJson("[{\"t\": 0, \"watts\": 1}, {\"t\": 1}]"));
        assertMessage("point 1: \"t\" given twice", () -> TraceBudget.parseJson("[{\"t\": 0, \"t\": 1}]"));
        assertMessage("point 1: watts is not a number",
            () -> TraceBudget.parseJson("[{\"t\": 0, \"watts\": \"x\"}]"));
        assertMessage("a ',' after the last point", () -> TraceBudget.parseJson("[{\"t\": 0, \"watts\": 1},]"));
        assertMessage("expected a JSON array", () -> TraceBudget.parseJson("{\"t\": 0}"));
    }

    @Test
    void shouldNameTheFileOfABadTrace() throws IOException
    {
        final Path file = dir.resolve("bad.csv");
        Files.writeString(file, "0,10\n1,x\n");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> TraceBudget.load(file));
        assertTrue(ex.getMessage().startsWith(file.toString()) && ex.getMessage().contains("line 2"),
            ex.getMessage());
    }

    @Test
    void shouldTurnEnergyAndCostBudgetsIntoWatts()
    {
        assertEquals(50, Budget.energyPerWindow(3_000, 60).watts(7), 1e-9);
        // 0.36 per 60 s window at 0.1 per kWh: 0.36 * 3.6e6 / (0.1 * 60) = 216,000 W; at twice the price, half.
        final Budget cost = Budget.cost(0.36, 60, (t) -> t < 10 ? 0.1 : 0.2);
        assertEquals(216_000, cost.watts(0), 1e-6);
        assertEquals(108_000, cost.watts(20), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> Budget.constant(0));
        assertThrows(IllegalArgumentException.class, () -> Budget.constant(-1));
        assertThrows(IllegalArgumentException.class, () -> Budget.energyPerWindow(100, 0));
    }

    @Test
    void shouldMakeTheSameSolarDayFromTheSameSeedWithSuddenDrops()
    {
        final SolarDay a = new SolarDay(42, 600, 50, 100);
        final SolarDay b = new SolarDay(42, 600, 50, 100);
        final SolarDay other = new SolarDay(43, 600, 50, 100);
        boolean differs = false;
        int drops = 0;
        for (int t = 0; t < 600; t++)
        {
            assertEquals(a.watts(t), b.watts(t));
            differs |= a.watts(t) != other.watts(t);
            assertTrue(a.watts(t) >= 50 && a.watts(t) <= 150, "t=" + t + ": " + a.watts(t));
            if (t > 0 && a.watts(t) < a.watts(t - 1) * 0.9)
            {
                drops++;
            }
        }
        assertTrue(differs, "another seed, another day");
        assertEquals(50, a.watts(60), 1e-9, "night: the base only");
        assertTrue(a.watts(300) > 50, "noon: the base and some sun");
        assertTrue(drops > 0, "a cloudy spell starts with a sudden drop");
    }

    @Test
    void shouldModelPowerBetweenIdleAndMax()
    {
        final PowerModel m = PowerModel.defaults(2);
        assertEquals(15, m.watts(0), 1e-9);
        assertEquals(22.5, m.watts(1), 1e-9);
        assertEquals(30, m.watts(5), 1e-9, "u is clamped at 1");
        assertEquals(0.5, m.utilisationAt(22.5), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> new PowerModel(30, 30, 2));
        assertThrows(IllegalArgumentException.class, () -> new PowerModel(10, 30, 0));
        assertThrows(IllegalArgumentException.class, () -> new PowerModel(-1, 30, 2));
    }

    private static void assertMessage(final String expected, final org.junit.jupiter.api.function.Executable call)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, call);
        assertTrue(ex.getMessage().contains(expected), "\"" + ex.getMessage() + "\" should contain \"" + expected +
            "\"");
    }
}
