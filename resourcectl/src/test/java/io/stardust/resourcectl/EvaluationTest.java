package io.stardust.resourcectl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvaluationTest
{
    @TempDir
    Path dir;

    @Test
    void shouldMeasureAPlantedOvershoot()
    {
        // Budget 100 W, stepping to 50 W at period 2; power is 10 W over for two periods after the drop.
        final double[] budget = {100, 100, 50, 50, 50, 50};
        final double[] power = {90, 90, 60, 60, 40, 40};
        final double[] tps = {9, 9, 4, 4, 3, 3};
        final double[] oracle = {9, 9, 4, 4, 4, 4};
        final Evaluation e = Evaluation.of(1, 3, budget, power, tps, oracle);
        assertEquals(20, e.energyOverJoules(), 1e-9);
        assertEquals(400, e.budgetJoules(), 1e-9);
        assertEquals(0.05, e.energyOverFraction(), 1e-9);
        assertEquals(2.0 / 6, e.timeOverFraction(), 1e-9);
        assertEquals(10, e.peakOvershootWatts(), 1e-9);
        assertEquals(0.2, e.peakOvershootFraction(), 1e-9);
        assertEquals(List.of(2), e.settlingPeriods());
        assertEquals(List.of(10.0, 10.0), e.windowNetJoules());
        assertEquals(32.0 / 34, e.throughputFraction(), 1e-9);
    }

    @Test
    void shouldFindNothingOverWhenPowerStaysUnder()
    {
        final double[] budget = {100, 50, 50};
        final double[] power = {90, 45, 45};
        final Evaluation e = Evaluation.of(1, 60, budget, power, new double[3], new double[3]);
        assertEquals(0, e.energyOverJoules());
        assertEquals(List.of(0), e.settlingPeriods());
        assertEquals(1.0, e.throughputFraction(), "no throughput asked for: nothing missed");
    }

    @Test
    void shouldKeepASolarDayUnderBudgetAndReplayIt() throws IOException
    {
        final Simulation.Run run = solarDay(11);
        final Evaluation e = run.evaluation();
        System.out.println("simulated solar day, seed 11:\n" + e.table());
        assertTrue(e.settlingPeriods().size() >= 2, "the day has step drops: " + e.table());
        assertTrue(e.energyOverFraction() <= 0.01, e.table());
        assertTrue(e.worstSettlingPeriods() <= 3, e.table());
        assertTrue(e.throughputFraction() >= 0.9, e.table());
        assertEquals(e, solarDay(11).evaluation(), "the same seed replays the same run");
        final File png = dir.resolve("day.png").toFile();
        Chart.write(run, "solar day", png);
        final BufferedImage image = ImageIO.read(png);
        assertNotNull(image);
        assertTrue(image.getWidth() >= 1_000 && image.getHeight() >= 700);
    }

    private static Simulation.Run solarDay(final long seed)
    {
        // A day in 1,200 one-second periods; demand is full from morning to evening and a quarter at night.
        final SolarDay day = new SolarDay(seed, 1_200, 55, 40);
        final SimulatedPlant plant = Plants.plant((t) -> t > 240 && t < 960 ? 1.0 : 0.25, 0.5, 0.5, seed);
        return Simulation.run(day, plant, ControllerConfig.defaults(1), Plants.MODEL, 1_200, 60, true);
    }
}
