package io.stardust.server;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The cgroup v1 cpu controller as Stardust's processes use it: each puts itself in a group of its own, named
 * {@code <prefix><...>-<pid>}, under the group it was started in. A member does it for its CPU quota knob
 * ({@link CpuQuota}); the test harness's network relay for its CPU weight.
 */
public final class CpuCgroups
{
    private CpuCgroups()
    {
    }

    /**
     * @param mount where the cpu controller is mounted.
     * @return the directory of this process's cpu cgroup, from /proc/self/cgroup (read with a stream: procfs reports
     * size 0).
     * @throws IOException when /proc/self/cgroup cannot be read or names no cpu controller.
     */
    public static Path ownGroup(final Path mount) throws IOException
    {
        final String text;
        try (InputStream in = new FileInputStream("/proc/self/cgroup"))
        {
            text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        for (final String line : text.split("\n"))
        {
            final String[] parts = line.split(":", 3);
            if (parts.length == 3)
            {
                for (final String controller : parts[1].split(","))
                {
                    if (controller.equals("cpu"))
                    {
                        return mount.resolve(parts[2].trim().replaceFirst("^/", ""));
                    }
                }
            }
        }
        throw new IOException("/proc/self/cgroup names no cpu controller");
    }

    /**
     * Remove the groups under {@code parent} named {@code prefix...-<pid>} whose process is gone (killed before it
     * could remove its own).
     *
     * @param owner what made such groups, for the log ("a member").
     * @param log   told of each group removed.
     */
    public static void removeStale(final Path parent, final String prefix, final String owner,
        final Consumer<String> log)
    {
        final File[] groups = parent.toFile().listFiles((f) -> f.isDirectory() && f.getName().startsWith(prefix));
        if (groups == null)
        {
            return;
        }
        for (final File g : groups)
        {
            final String pid = g.getName().substring(g.getName().lastIndexOf('-') + 1);
            final boolean alive = ProcessHandle.of(parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
            if (!alive && g.delete())
            {
                log.accept("removed cgroup " + g + ", left by " + owner + " that is gone");
            }
        }
    }

    private static long parseLong(final String text)
    {
        try
        {
            return Long.parseLong(text);
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }
}
