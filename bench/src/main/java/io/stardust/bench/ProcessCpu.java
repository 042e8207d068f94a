package io.stardust.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time of server processes from {@code /proc}: user + system time of each process (all its threads), of its
 * live descendants, and of the children it has already reaped.
 */
public final class ProcessCpu
{
    private static final double NANOS_PER_TICK = 1e9 / clockTicks();

    private ProcessCpu()
    {
    }

    private static long clockTicks()
    {
        // Linux's USER_HZ is 100 on every architecture Stardust runs on; getconf confirms it where present.
        try
        {
            final Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            final String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return Long.parseLong(out);
        }
        catch (final Exception ex)
        {
            return 100;
        }
    }

    /**
     * @param pids root processes.
     * @return their CPU time and their descendants', in nanoseconds; -1 when {@code /proc} cannot be read.
     */
    public static long nanos(final Collection<Long> pids)
    {
        try
        {
            final Map<Long, long[]> all = readAll();
            long ticks = 0;
            for (final long root : pids)
            {
                final long[] own = all.get(root);
                if (own == null)
                {
                    continue;
                }
                // utime + stime + cutime + cstime of the root (reaped children counted there).
                ticks += own[1] + own[2] + own[3] + own[4];
                for (final long child : descendants(all, root))
                {
                    final long[] c = all.get(child);
                    ticks += c[1] + c[2];
                }
            }
            return (long)(ticks * NANOS_PER_TICK);
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }

    private static List<Long> descendants(final Map<Long, long[]> all, final long root)
    {
        final List<Long> found = new ArrayList<>();
        final List<Long> frontier = new ArrayList<>(List.of(root));
        while (!frontier.isEmpty())
        {
            final long parent = frontier.remove(frontier.size() - 1);
            for (final Map.Entry<Long, long[]> e : all.entrySet())
            {
                if (e.getValue()[0] == parent)
                {
                    found.add(e.getKey());
                    frontier.add(e.getKey());
                }
            }
        }
        return found;
    }

    /** @return pid to {ppid, utime, stime, cutime, cstime} for every process. */
    private static Map<Long, long[]> readAll() throws IOException
    {
        final Map<Long, long[]> all = new HashMap<>();
        try (var dirs = Files.newDirectoryStream(Path.of("/proc"), (p) -> p.getFileName().toString().matches("\\d+")))
        {
            for (final Path dir : dirs)
            {
                final String stat;
                try
                {
                    stat = Files.readString(dir.resolve("stat"));
                }
                catch (final IOException gone)
                {
                    continue;
                }
                // Fields after the command name, which is in parentheses and may hold spaces.
                final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
                all.put(Long.parseLong(dir.getFileName().toString()), new long[] {
                    Long.parseLong(f[1]), Long.parseLong(f[11]), Long.parseLong(f[12]),
                    Long.parseLong(f[13]), Long.parseLong(f[14])});
            }
        }
        return all;
    }
}
