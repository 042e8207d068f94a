package io.stardust.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A member process's own cgroup (v1 cpu controller), so that a CPU quota can be put on it at run time: the knob that
 * the seed design does with {@code docker update}. The member makes {@code stardust-member-<id>-<pid>} under its
 * current cpu cgroup at start and moves itself in; with no quota set that changes nothing. At close it moves back
 * out and removes the group; groups left by members that were killed are removed by the next member to start.
 *
 * <p>Where the cpu controller cannot be written (no cgroup v1, not root, a read-only mount), the knob is off: the
 * member says why once and carries on, and setting the knob answers with that reason.
 */
final class CpuQuota implements AutoCloseable
{
    /** Where the cgroup v1 cpu controller is mounted on common systems. */
    static final Path DEFAULT_MOUNT = Path.of("/sys/fs/cgroup/cpu");
    /** The CFS period used with a quota, microseconds. */
    static final long PERIOD_US = 100_000;
    private static final String PREFIX = "stardust-member-";
    /** The group's CPU weight, in threads' worth: about the agent threads a loaded member keeps runnable. */
    static final int SHARE_THREADS = 8;

    private final Path group;
    private final Path parent;
    private final String unavailable;
    private volatile long millicores;

    private CpuQuota(final Path group, final Path parent, final String unavailable)
    {
        this.group = group;
        this.parent = parent;
        this.unavailable = unavailable;
    }

    /**
     * Put this process in a cgroup of its own, if the cpu controller can be written.
     *
     * @param mount    where the cpu controller is mounted; null for no quota knob.
     * @param memberId this member's id, for the group's name.
     * @param log      where to say what happened.
     * @return the quota knob; {@link #available()} says whether it works.
     */
    static CpuQuota join(final Path mount, final int memberId, final Consumer<String> log)
    {
        if (mount == null)
        {
            return new CpuQuota(null, null, "this member shares its process with others (embedded or in a test), " +
                "or was started with --no-cpu-cgroup");
        }
        final long pid = ProcessHandle.current().pid();
        try
        {
            if (!Files.isDirectory(mount) || !Files.exists(mount.resolve("cpu.cfs_quota_us")))
            {
                return off(mount + " is not a cgroup v1 cpu controller", log);
            }
            final Path parent = CpuCgroups.ownGroup(mount);
            CpuCgroups.removeStale(parent, PREFIX, "a member", log);
            final Path group = parent.resolve(PREFIX + memberId + "-" + pid);
            Files.createDirectories(group);
            write(group.resolve("cpu.cfs_period_us"), Long.toString(PERIOD_US));
            // A group competes with the other processes' threads as one entity: with the default weight (1,024, one
            // thread's) a whole member got as much CPU as one busy thread elsewhere, and under a busy core members
            // missed heartbeats. Weigh it as SHARE_THREADS threads.
            write(group.resolve("cpu.shares"), Long.toString(1024L * SHARE_THREADS));
            write(group.resolve("cgroup.procs"), Long.toString(pid));
            log.accept("in cgroup " + group + " (the cpu-quota knob works; no quota set)");
            return new CpuQuota(group, parent, null);
        }
        catch (final IOException | RuntimeException ex)
        {
            return off("the cgroup v1 cpu controller at " + mount + " cannot be written (" + ex + ")", log);
        }
    }

    private static CpuQuota off(final String why, final Consumer<String> log)
    {
        log.accept("no CPU quota knob: " + why);
        return new CpuQuota(null, null, why);
    }

    private static void write(final Path file, final String value) throws IOException
    {
        Files.writeString(file, value);
    }

    /** @return true when the quota can be set. */
    boolean available()
    {
        return group != null;
    }

    /** @return why the quota cannot be set, or null when it can. */
    String unavailableReason()
    {
        return unavailable;
    }

    /** @return the quota in force in thousandths of a core; 0 for none, -1 when the knob is off. */
    long millicores()
    {
        return group == null ? -1 : millicores;
    }

    /**
     * @param value thousandths of a core (10 to 1,000 per core of the machine), or 0 to lift the quota.
     * @return the value now in force.
     */
    long set(final long value)
    {
        if (group == null)
        {
            throw new UnsupportedOperationException("no CPU quota knob on this member: " + unavailable);
        }
        final long max = 1_000L * Runtime.getRuntime().availableProcessors();
        if (value != 0 && (value < 10 || value > max))
        {
            throw new IllegalArgumentException("cpu quota must be 0 (none) or 10 to " + max + " millicores (this " +
                "machine has " + max / 1000 + " cores), not " + value);
        }
        try
        {
            write(group.resolve("cpu.cfs_quota_us"), value == 0 ? "-1" : Long.toString(value * PERIOD_US / 1_000));
        }
        catch (final IOException ex)
        {
            throw new UnsupportedOperationException("could not write the quota of " + group + ": " + ex, ex);
        }
        millicores = value;
        return value;
    }

    /** @return the group's directory, or null when the knob is off. */
    Path group()
    {
        return group;
    }

    @Override
    public void close()
    {
        if (group == null)
        {
            return;
        }
        try
        {
            write(parent.resolve("cgroup.procs"), Long.toString(ProcessHandle.current().pid()));
            Files.deleteIfExists(group);
        }
        catch (final IOException | RuntimeException ignore)
        {
            // The next member to start removes a group whose process is gone.
        }
    }
}
