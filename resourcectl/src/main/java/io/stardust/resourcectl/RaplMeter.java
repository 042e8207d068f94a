package io.stardust.resourcectl;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A host's measured energy from RAPL (running average power limit) counters, where the kernel exposes them under
 * {@code /sys/class/powercap}: each top-level zone {@code intel-rapl:N} (a CPU package, on Intel and recent AMD) has a
 * cumulative {@code energy_uj} that wraps at {@code max_energy_range_uj}. A {@code psys} zone, where present, covers
 * the whole platform and is used alone; otherwise the packages are summed. Wraps between two reads are added back, so
 * {@link #microjoules} only grows (a zone must be read at least once per wrap: minutes at the least).
 *
 * <p>Absent on virtual machines and containers without the counters: {@link #open} then says why, and callers fall
 * back to the {@link PowerModel}. Counters are read with streams: sysfs files report a size that is not their length.
 */
public final class RaplMeter
{
    /** Where the kernel exposes power capping zones. */
    public static final Path SYSFS = Path.of("/sys/class/powercap");

    private final List<Path> zones;
    private final long[] range;
    private final long[] last;
    private long total;

    private RaplMeter(final List<Path> zones) throws IOException
    {
        this.zones = zones;
        this.range = new long[zones.size()];
        this.last = new long[zones.size()];
        for (int i = 0; i < zones.size(); i++)
        {
            range[i] = readLong(zones.get(i).resolve("max_energy_range_uj"));
            last[i] = readLong(zones.get(i).resolve("energy_uj"));
        }
    }

    /**
     * @param root the powercap directory, normally {@link #SYSFS}.
     * @return a meter over the host's zones.
     * @throws IOException naming why there is none: no such directory, no RAPL zone, or a counter that cannot be read
     *                     (they are readable by root only on kernels since 5.10).
     */
    public static RaplMeter open(final Path root) throws IOException
    {
        if (!Files.isDirectory(root))
        {
            throw new IOException("no RAPL counters: " + root + " does not exist on this host");
        }
        final List<Path> packages = new ArrayList<>();
        Path psys = null;
        try (Stream<Path> list = Files.list(root))
        {
            for (final Path zone : (Iterable<Path>)list.sorted()::iterator)
            {
                final String name = zone.getFileName().toString();
                if (!name.matches("intel-rapl:\\d+") || !Files.exists(zone.resolve("energy_uj")))
                {
                    continue;
                }
                if ("psys".equals(readLine(zone.resolve("name"))))
                {
                    psys = zone;
                }
                else
                {
                    packages.add(zone);
                }
            }
        }
        if (psys == null && packages.isEmpty())
        {
            throw new IOException("no RAPL counters: " + root + " has no intel-rapl zone");
        }
        return new RaplMeter(psys != null ? List.of(psys) : packages);
    }

    /**
     * @return energy used since this meter was opened, in microjoules.
     * @throws IOException when a counter cannot be read.
     */
    public synchronized long microjoules() throws IOException
    {
        for (int i = 0; i < zones.size(); i++)
        {
            final long now = readLong(zones.get(i).resolve("energy_uj"));
            long delta = now - last[i];
            if (delta < 0)
            {
                delta += range[i];
            }
            total += delta;
            last[i] = now;
        }
        return total;
    }

    /** @return the zones read, for logs. */
    public String describe()
    {
        final List<String> names = new ArrayList<>();
        for (final Path zone : zones)
        {
            String name = zone.getFileName().toString();
            try
            {
                name += " (" + readLine(zone.resolve("name")) + ")";
            }
            catch (final IOException ex)
            {
                // The name is only for the log.
            }
            names.add(name);
        }
        return "RAPL " + String.join(", ", names);
    }

    private static long readLong(final Path file) throws IOException
    {
        final String line = readLine(file);
        try
        {
            return Long.parseLong(line);
        }
        catch (final NumberFormatException ex)
        {
            throw new IOException(file + " does not hold a number: " + line, ex);
        }
    }

    private static String readLine(final Path file) throws IOException
    {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII))
        {
            final String line = in.readLine();
            return line == null ? "" : line.strip();
        }
    }
}
