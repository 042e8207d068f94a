package io.stardust.resourcectl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RAPL is absent on this machine, so these run against a powercap tree laid out as the kernel lays it out. */
class RaplMeterTest
{
    @TempDir
    Path root;

    private Path zone(final String dir, final String name, final long energy, final long range) throws IOException
    {
        final Path zone = Files.createDirectories(root.resolve(dir));
        Files.writeString(zone.resolve("name"), name + "\n");
        Files.writeString(zone.resolve("energy_uj"), energy + "\n");
        Files.writeString(zone.resolve("max_energy_range_uj"), range + "\n");
        return zone;
    }

    @Test
    void shouldSumThePackagesAndAddBackAWrap() throws Exception
    {
        final Path p0 = zone("intel-rapl:0", "package-0", 1_000, 10_000);
        final Path p1 = zone("intel-rapl:1", "package-1", 5_000, 10_000);
        final Path core = zone("intel-rapl:0:0", "core", 0, 10_000);
        final RaplMeter meter = RaplMeter.open(root);
        assertEquals(0, meter.microjoules());
        Files.writeString(p0.resolve("energy_uj"), "3000\n");
        Files.writeString(p1.resolve("energy_uj"), "6000\n");
        Files.writeString(core.resolve("energy_uj"), "9999\n");
        assertEquals(3_000, meter.microjoules(), "2000 + 1000; the core subzone is inside package 0, not added");
        Files.writeString(p0.resolve("energy_uj"), "500\n");
        assertEquals(3_000 + 7_500, meter.microjoules(), "package 0 wrapped: 10000 - 3000 + 500");
        assertTrue(meter.describe().contains("intel-rapl:0 (package-0)"), meter.describe());
    }

    @Test
    void shouldUsePsysAloneWhereThePlatformHasIt() throws Exception
    {
        final Path p0 = zone("intel-rapl:0", "package-0", 0, 10_000);
        final Path psys = zone("intel-rapl:1", "psys", 0, 10_000);
        final RaplMeter meter = RaplMeter.open(root);
        Files.writeString(p0.resolve("energy_uj"), "100\n");
        Files.writeString(psys.resolve("energy_uj"), "400\n");
        assertEquals(400, meter.microjoules());
    }

    @Test
    void shouldSayWhyThereIsNoMeter() throws Exception
    {
        assertTrue(assertThrows(IOException.class, () -> RaplMeter.open(root.resolve("none"))).getMessage()
            .contains("does not exist"));
        assertTrue(assertThrows(IOException.class, () -> RaplMeter.open(root)).getMessage()
            .contains("no intel-rapl zone"));
        final Path p0 = zone("intel-rapl:0", "package-0", 0, 10_000);
        Files.writeString(p0.resolve("energy_uj"), "busy\n");
        assertTrue(assertThrows(IOException.class, () -> RaplMeter.open(root)).getMessage()
            .contains("does not hold a number"));
    }
}
