package io.stardust.server;

import io.stardust.protocol.ClusterSpec;
import io.stardust.sequencer.SequencerConfig;
import io.stardust.storage.StorageConfig;

import java.io.File;
import java.time.Duration;

/**
 * Everything one member needs to start: who it is, where its files go, and its local knobs.
 * Defaults are for production; {@link #deleteStateOnStart(boolean)} is for tests and the demo only.
 */
public final class MemberConfig
{
    /** Default longest park of a member's agents after a quiet spell, milliseconds. */
    public static final long DEFAULT_DEEP_IDLE_PARK_MS = 20;
    /** Default longest park of an idle Aeron agent, milliseconds. */
    public static final long DEFAULT_IDLE_MAX_PARK_MS = 4;
    /** Default length of an archive segment file: the unit in which the recorded log is purged. */
    public static final int DEFAULT_ARCHIVE_SEGMENT_BYTES = 128 * 1024 * 1024;
    /** Default Aeron term length of the cluster log. */
    public static final int DEFAULT_LOG_TERM_LENGTH = 16 * 1024 * 1024;

    private int memberId = -1;
    private ClusterSpec cluster;
    private File dataDir;
    private String aeronDir;
    private int workers = 1;
    private boolean deleteStateOnStart;
    private Duration leaderHeartbeatTimeout = Duration.ofSeconds(1);
    private Duration leaderHeartbeatInterval = Duration.ofMillis(100);
    private Duration electionTimeout = Duration.ofMillis(300);
    private Duration sessionTimeout = Duration.ofSeconds(10);
    private int maxClientSessions = DEFAULT_MAX_CLIENT_SESSIONS;
    /** Default for the client sessions one cluster accepts at once (Aeron's own default is 10). */
    public static final int DEFAULT_MAX_CLIENT_SESSIONS = 1_000;
    private int logTermLength = DEFAULT_LOG_TERM_LENGTH;
    private int archiveSegmentBytes = DEFAULT_ARCHIVE_SEGMENT_BYTES;
    private boolean logRetention = true;
    private Duration idleMaxPark = Duration.ofMillis(DEFAULT_IDLE_MAX_PARK_MS);
    private Duration deepIdlePark = Duration.ofMillis(DEFAULT_DEEP_IDLE_PARK_MS);
    private Duration snapshotInterval = Duration.ZERO;
    private long minFreeDiskBytes = DEFAULT_MIN_FREE_DISK_BYTES;
    private boolean rebuildFromPeers;
    private java.nio.file.Path authFile;
    private java.nio.file.Path proceduresDir;
    private Duration logRetentionInterval = Duration.ofSeconds(10);
    private int maxFailedCatchups = 60;
    private File archiveDir;
    private java.nio.file.Path cpuCgroupMount;
    private boolean metrics;
    /** Default floor of free space on the data directory's file system: 512 MiB. */
    public static final long DEFAULT_MIN_FREE_DISK_BYTES = 512L << 20;
    private final StorageConfig storage = new StorageConfig();
    private final SequencerConfig sequencer = new SequencerConfig();

    public MemberConfig memberId(final int memberId)
    {
        this.memberId = memberId;
        return this;
    }

    public int memberId()
    {
        return memberId;
    }

    public MemberConfig cluster(final ClusterSpec cluster)
    {
        this.cluster = cluster;
        return this;
    }

    public ClusterSpec cluster()
    {
        return cluster;
    }

    /**
     * Root of the member's durable state: {@code archive/} (the recorded Raft log), {@code cluster/} (consensus
     * state) and {@code storage/} (Chronicle Map tables).
     *
     * @param dataDir directory.
     * @return this.
     */
    public MemberConfig dataDir(final File dataDir)
    {
        this.dataDir = dataDir;
        return this;
    }

    public File dataDir()
    {
        return dataDir;
    }

    /**
     * @param dir where the archive records the Raft log and snapshots, for example a disk of its own; null (the
     *            default) for {@code <data dir>/archive}.
     * @return this.
     */
    public MemberConfig archiveDir(final File dir)
    {
        this.archiveDir = dir;
        return this;
    }

    /** @return the archive directory (after {@link #conclude()}, never null). */
    public File archiveDir()
    {
        return archiveDir != null ? archiveDir : new File(dataDir, "archive");
    }

    /**
     * The media driver's directory (transient IPC state). Default: {@code /dev/shm/stardust-<port>-<id>} when
     * {@code /dev/shm} exists, else under {@code java.io.tmpdir}.
     *
     * @param aeronDir directory name.
     * @return this.
     */
    public MemberConfig aeronDir(final String aeronDir)
    {
        this.aeronDir = aeronDir;
        return this;
    }

    public String aeronDir()
    {
        return aeronDir;
    }

    /**
     * Scheduler worker threads: a local knob that changes speed, never outcomes.
     *
     * @param workers 1..64.
     * @return this.
     */
    public MemberConfig workers(final int workers)
    {
        this.workers = workers;
        return this;
    }

    public int workers()
    {
        return workers;
    }

    /**
     * Erase the archive, cluster and storage directories on start. For tests and the demo only: in production it
     * throws away the member's copy of the log.
     *
     * @param delete true to erase.
     * @return this.
     */
    public MemberConfig deleteStateOnStart(final boolean delete)
    {
        this.deleteStateOnStart = delete;
        return this;
    }

    public boolean deleteStateOnStart()
    {
        return deleteStateOnStart;
    }

    /**
     * @param sessions most client sessions connected at once; more are refused with "concurrent session limit".
     * @return this.
     */
    public MemberConfig maxClientSessions(final int sessions)
    {
        if (sessions < 1)
        {
            throw new IllegalArgumentException("max client sessions must be at least 1, was " + sessions);
        }
        this.maxClientSessions = sessions;
        return this;
    }

    public int maxClientSessions()
    {
        return maxClientSessions;
    }

    public MemberConfig leaderHeartbeatTimeout(final Duration timeout)
    {
        this.leaderHeartbeatTimeout = timeout;
        return this;
    }

    public Duration leaderHeartbeatTimeout()
    {
        return leaderHeartbeatTimeout;
    }

    public MemberConfig leaderHeartbeatInterval(final Duration interval)
    {
        this.leaderHeartbeatInterval = interval;
        return this;
    }

    public Duration leaderHeartbeatInterval()
    {
        return leaderHeartbeatInterval;
    }

    public MemberConfig electionTimeout(final Duration timeout)
    {
        this.electionTimeout = timeout;
        return this;
    }

    public Duration electionTimeout()
    {
        return electionTimeout;
    }

    public MemberConfig sessionTimeout(final Duration timeout)
    {
        this.sessionTimeout = timeout;
        return this;
    }

    public Duration sessionTimeout()
    {
        return sessionTimeout;
    }

    /**
     * Longest park of an idle agent thread (media driver, archive, consensus, service, read endpoint). Agents spin,
     * then yield, then park for growing times up to this: longer saves CPU when idle, and costs latency on the first
     * request after a quiet spell. A local knob (the resource controller's idle strategy).
     *
     * @param park longest park.
     * @return this.
     */
    public MemberConfig idleMaxPark(final Duration park)
    {
        this.idleMaxPark = park;
        return this;
    }

    public Duration idleMaxPark()
    {
        return idleMaxPark;
    }

    /**
     * Longest park of the member's agent threads after 5 s without a client record in the log or a read request
     * ({@link QuietSpell}): an idle member costs less CPU, and the first requests after such a spell wait longer.
     *
     * @param park the deep park; zero for none.
     * @return this.
     */
    /**
     * @param file the authentication file ({@code stardust auth init}); null (default) for a member that requires no
     *             authentication, which serves anyone who can reach its ports.
     * @return this.
     */
    public MemberConfig authFile(final java.nio.file.Path file)
    {
        this.authFile = file;
        return this;
    }

    public java.nio.file.Path authFile()
    {
        return authFile;
    }

    /**
     * @param dir a directory of jars holding procedure classes, searched after the member's own class path; null
     *            (default) for the class path alone. Every member must hold the same bytes for each registered class.
     * @return this.
     */
    public MemberConfig proceduresDir(final java.nio.file.Path dir)
    {
        this.proceduresDir = dir;
        return this;
    }

    public java.nio.file.Path proceduresDir()
    {
        return proceduresDir;
    }

    public MemberConfig deepIdlePark(final Duration park)
    {
        if (park.isNegative() || park.compareTo(Duration.ofMillis(100)) > 0)
        {
            throw new IllegalArgumentException("the deep idle park must be 0 to 100 ms, not " + park.toMillis() +
                " ms");
        }
        this.deepIdlePark = park;
        return this;
    }

    public Duration deepIdlePark()
    {
        return deepIdlePark;
    }

    /**
     * Put the member's process in a cgroup of its own under this cgroup v1 cpu controller mount, for the CPU quota
     * knob (see {@link CpuQuota}). Off (null) by default: members that share a JVM (embedded, tests) would share
     * one quota. {@code stardust start} turns it on.
     *
     * @param mount the cpu controller's mount, or null for no quota knob.
     * @return this.
     */
    public MemberConfig cpuCgroupMount(final java.nio.file.Path mount)
    {
        this.cpuCgroupMount = mount;
        return this;
    }

    public java.nio.file.Path cpuCgroupMount()
    {
        return cpuCgroupMount;
    }

    /**
     * Serve Prometheus {@code /metrics} over HTTP on the member's base port + 9. Off by default (embedded and test
     * members); {@code stardust start} turns it on.
     *
     * @param on whether to serve it.
     * @return this.
     */
    public MemberConfig metrics(final boolean on)
    {
        this.metrics = on;
        return this;
    }

    public boolean metrics()
    {
        return metrics;
    }

    /**
     * How often this member, while it is leader, asks the cluster for a snapshot. Zero (the default) takes none
     * automatically: today a snapshot copies every row while the cluster waits (about 4 s at 1M rows), so pick the
     * interval with that stall in mind, or snapshot on demand with {@code stardust snapshot}.
     *
     * @param interval interval, or zero for none.
     * @return this.
     */
    public MemberConfig snapshotInterval(final Duration interval)
    {
        this.snapshotInterval = interval;
        return this;
    }

    public Duration snapshotInterval()
    {
        return snapshotInterval;
    }

    /**
     * @param bytes free space the data directory's file system must keep; below it the member refuses to start, and
     *              a running member stops (cleanly, before a write can fail half way). 0 turns the check off.
     * @return this.
     */
    public MemberConfig minFreeDiskBytes(final long bytes)
    {
        if (bytes < 0)
        {
            throw new IllegalArgumentException("minimum free disk space must not be negative: " + bytes);
        }
        this.minFreeDiskBytes = bytes;
        return this;
    }

    public long minFreeDiskBytes()
    {
        return minFreeDiskBytes;
    }

    /**
     * @param rebuild set this member's archive, cluster and storage folders aside (renamed, not deleted) and start
     *                empty, copying the log from the other members. For a member whose own log is damaged. While it
     *                copies, the committed entries it held are on one copy fewer.
     * @return this.
     */
    public MemberConfig rebuildFromPeers(final boolean rebuild)
    {
        this.rebuildFromPeers = rebuild;
        return this;
    }

    public boolean rebuildFromPeers()
    {
        return rebuildFromPeers;
    }

    public MemberConfig logTermLength(final int bytes)
    {
        this.logTermLength = bytes;
        return this;
    }

    public int logTermLength()
    {
        return logTermLength;
    }

    /**
     * @param bytes length of an archive segment file (a power of two, at least the log term length): the log is
     *              purged a whole segment at a time.
     * @return this.
     */
    public MemberConfig archiveSegmentBytes(final int bytes)
    {
        this.archiveSegmentBytes = bytes;
        return this;
    }

    public int archiveSegmentBytes()
    {
        return archiveSegmentBytes;
    }

    /**
     * @param purge purge the recorded log behind the second-newest snapshot every 10 s (default true).
     * @return this.
     */
    public MemberConfig logRetention(final boolean purge)
    {
        this.logRetention = purge;
        return this;
    }

    public boolean logRetention()
    {
        return logRetention;
    }

    /**
     * @param interval how often the member purges the log that recovery no longer needs (default 10 s; tests that
     *                 wait for a purge shorten it).
     * @return this.
     */
    public MemberConfig logRetentionInterval(final Duration interval)
    {
        if (interval.isNegative() || interval.isZero())
        {
            throw new IllegalArgumentException("log retention interval must be positive, was " + interval);
        }
        this.logRetentionInterval = interval;
        return this;
    }

    public Duration logRetentionInterval()
    {
        return logRetentionInterval;
    }

    /**
     * @param count catch-ups from the leader that never started, in a row without an election closing, before the
     *              member stops as lagging (exit code 7). Each takes about the leader heartbeat timeout, so the
     *              default of 60 is about a minute at 1 s: long enough to ride out a network fault.
     * @return this.
     */
    public MemberConfig maxFailedCatchups(final int count)
    {
        if (count < 1)
        {
            throw new IllegalArgumentException("max failed catch-ups must be at least 1, was " + count);
        }
        this.maxFailedCatchups = count;
        return this;
    }

    public int maxFailedCatchups()
    {
        return maxFailedCatchups;
    }

    /** @return storage settings (its directory is set from {@link #dataDir()}). */
    public StorageConfig storage()
    {
        return storage;
    }

    /** @return sequencer settings; must be equal on every member. */
    public SequencerConfig sequencer()
    {
        return sequencer;
    }

    /** @return this member's entry in the cluster spec. */
    public ClusterSpec.Member self()
    {
        return cluster.member(memberId);
    }

    /**
     * Fill defaults and check everything.
     *
     * @return this.
     * @throws IllegalArgumentException naming the bad setting.
     */
    public MemberConfig conclude()
    {
        if (cluster == null)
        {
            throw new IllegalArgumentException("cluster spec is not set (--cluster id=host:port,...)");
        }
        if (memberId < 0 || memberId >= cluster.size())
        {
            throw new IllegalArgumentException(
                "member id " + memberId + " is not in the cluster spec of " + cluster.size() + " members");
        }
        if (dataDir == null)
        {
            throw new IllegalArgumentException("data directory is not set (--data-dir)");
        }
        if (aeronDir == null)
        {
            final File shm = new File("/dev/shm");
            final File base = shm.isDirectory() ? shm : new File(System.getProperty("java.io.tmpdir"));
            aeronDir = new File(base, "stardust-" + self().basePort() + "-" + memberId).getAbsolutePath();
        }
        if (workers < 1 || workers > 64)
        {
            throw new IllegalArgumentException("workers must be in [1, 64], was " + workers);
        }
        if (Integer.bitCount(logTermLength) != 1 || logTermLength < 64 * 1024)
        {
            throw new IllegalArgumentException("log term length must be a power of two of at least 64 KiB");
        }
        if (Integer.bitCount(archiveSegmentBytes) != 1 || archiveSegmentBytes < logTermLength ||
            archiveSegmentBytes > 1 << 30)
        {
            throw new IllegalArgumentException("archive segment length must be a power of two from the log term " +
                "length (" + logTermLength + ") to 1 GiB, was " + archiveSegmentBytes);
        }
        if (sequencer.maxTransactionBytes() > logTermLength / 8 - 64)
        {
            throw new IllegalArgumentException("max transaction bytes " + sequencer.maxTransactionBytes() +
                " exceeds what a log term of " + logTermLength + " bytes can carry (" + (logTermLength / 8 - 64) + ")");
        }
        storage.directory(new File(dataDir, "storage")).minFreeDiskBytes(minFreeDiskBytes).validate();
        sequencer.checkpointDirectory(new File(dataDir, "checkpoints")).validate();
        return this;
    }
}
