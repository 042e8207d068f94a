package io.stardust.client;

import io.stardust.protocol.ClusterSpec;

import java.time.Duration;

/**
 * Settings of a {@link StardustClient}. Only {@link #clusterSpec(ClusterSpec)} is required.
 */
public final class ClientConfig
{
    private ClusterSpec clusterSpec;
    private String aeronDirectoryName;
    private String clientHost = "localhost";
    private int preferredMember = -1;
    private String datacenter = ClusterSpec.DEFAULT_DATACENTER;
    private Duration commitTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofSeconds(5);
    private Duration connectTimeout = Duration.ofSeconds(30);
    private int maxTransactionBytes = 1024 * 1024;
    private Duration idleMaxPark = Duration.ofMillis(4);
    private boolean lazySession;
    private boolean epochNudges = true;
    private String database = io.stardust.catalog.Catalog.DEFAULT_DATABASE;
    private String user;
    private char[] password;
    private RetryPolicy retryPolicy = new RetryPolicy(20, Duration.ofMillis(1), Duration.ofMillis(200));

    /**
     * @param spec the cluster's members (required).
     * @return this.
     */
    public ClientConfig clusterSpec(final ClusterSpec spec)
    {
        this.clusterSpec = spec;
        return this;
    }

    public ClusterSpec clusterSpec()
    {
        return clusterSpec;
    }

    /**
     * @param dir an existing media driver's directory; null (default) makes the client run its own driver.
     * @return this.
     */
    public ClientConfig aeronDirectoryName(final String dir)
    {
        this.aeronDirectoryName = dir;
        return this;
    }

    public String aeronDirectoryName()
    {
        return aeronDirectoryName;
    }

    /**
     * @param host the address members reach this client at (default localhost).
     * @return this.
     */
    public ClientConfig clientHost(final String host)
    {
        this.clientHost = host;
        return this;
    }

    public String clientHost()
    {
        return clientHost;
    }

    /**
     * @param memberId member whose read endpoint serves this client's reads; -1 (default) picks the first member
     *                 in {@link #datacenter(String)}, else member 0.
     * @return this.
     */
    public ClientConfig preferredMember(final int memberId)
    {
        this.preferredMember = memberId;
        return this;
    }

    public int preferredMember()
    {
        return preferredMember;
    }

    /**
     * @param datacenter this client's datacenter label, used to pick a member to read from.
     * @return this.
     */
    public ClientConfig datacenter(final String datacenter)
    {
        this.datacenter = datacenter;
        return this;
    }

    public String datacenter()
    {
        return datacenter;
    }

    public ClientConfig commitTimeout(final Duration timeout)
    {
        this.commitTimeout = timeout;
        return this;
    }

    public Duration commitTimeout()
    {
        return commitTimeout;
    }

    public ClientConfig readTimeout(final Duration timeout)
    {
        this.readTimeout = timeout;
        return this;
    }

    public Duration readTimeout()
    {
        return readTimeout;
    }

    public ClientConfig connectTimeout(final Duration timeout)
    {
        this.connectTimeout = timeout;
        return this;
    }

    public Duration connectTimeout()
    {
        return connectTimeout;
    }

    /**
     * @param bytes largest encoded transaction sent; larger ones fail locally with TXN_TOO_LARGE.
     * @return this.
     */
    public ClientConfig maxTransactionBytes(final int bytes)
    {
        this.maxTransactionBytes = bytes;
        return this;
    }

    public int maxTransactionBytes()
    {
        return maxTransactionBytes;
    }

    /**
     * @param policy how {@link StardustClient#run} retries conflicts.
     * @return this.
     */
    public ClientConfig retryPolicy(final RetryPolicy policy)
    {
        this.retryPolicy = policy;
        return this;
    }

    public RetryPolicy retryPolicy()
    {
        return retryPolicy;
    }

    /**
     * @param park longest park of the client's idle threads: longer saves CPU, costs latency after quiet spells.
     * @return this.
     */
    public ClientConfig idleMaxPark(final Duration park)
    {
        this.idleMaxPark = park;
        return this;
    }

    public Duration idleMaxPark()
    {
        return idleMaxPark;
    }

    /**
     * @param lazy true to open the cluster session only when the first commit or control record needs it, in the
     *             background: a client that only reads, asks for status or turns local knobs (all through the
     *             members' read endpoints) never opens one, starts faster and puts no session into the log. Without
     *             it (the default) {@link StardustClient#connect} returns once the session is open, and fails if it
     *             cannot be.
     * @return this.
     */
    public ClientConfig lazySession(final boolean lazy)
    {
        this.lazySession = lazy;
        return this;
    }

    /**
     * @param database the database (tenant) this client's transactions and schema changes work in: table names are
     *                 its tables' ({@code default}, the default, for unqualified names); its reads are served from
     *                 the database's home datacenter.
     * @return this.
     */
    public ClientConfig database(final String database)
    {
        this.database = database;
        return this;
    }

    public String database()
    {
        return database;
    }

    /**
     * @param user     the user to authenticate as, in {@link #database(String)} (a database's owner, or the cluster
     *                 administrator).
     * @param password the password: only proofs derived from it for one challenge each leave this process
     *                 (SCRAM-SHA-256); copied.
     * @return this.
     */
    public ClientConfig credentials(final String user, final char[] password)
    {
        this.user = user;
        this.password = password == null ? null : password.clone();
        return this;
    }

    /** @return the user to authenticate as; null for none. */
    public String user()
    {
        return user;
    }

    /** @return a new authentication exchange for these credentials; null when there are none. */
    io.stardust.protocol.auth.ScramClient scram()
    {
        return user == null || password == null ? null :
            new io.stardust.protocol.auth.ScramClient(database, user, password);
    }

    /**
     * @param nudges true (default) to send an {@code EpochNudge} a batch window and a half after the last of a run of
     *               commits, so that their epoch closes about a consensus round sooner at low rates; false to leave
     *               it to the epoch's timer.
     * @return this.
     */
    public ClientConfig epochNudges(final boolean nudges)
    {
        this.epochNudges = nudges;
        return this;
    }

    public boolean epochNudges()
    {
        return epochNudges;
    }

    /** @return whether the cluster session is opened only when first needed. */
    public boolean lazySession()
    {
        return lazySession;
    }

    /** @return the member reads go to. */
    public int readMember()
    {
        if (preferredMember >= 0)
        {
            return preferredMember;
        }
        for (final ClusterSpec.Member m : clusterSpec.members())
        {
            if (m.datacenter().equals(datacenter))
            {
                return m.id();
            }
        }
        return 0;
    }

    /**
     * @return this.
     * @throws IllegalArgumentException naming the bad setting.
     */
    public ClientConfig validate()
    {
        if (clusterSpec == null)
        {
            throw new IllegalArgumentException("clusterSpec is required");
        }
        if (datacenter == null || datacenter.isBlank())
        {
            throw new IllegalArgumentException("empty datacenter label for the client");
        }
        final String databaseProblem = database == null ? "no database" :
            io.stardust.catalog.Catalog.nameProblem(database);
        if (databaseProblem != null)
        {
            throw new IllegalArgumentException("database: " + databaseProblem);
        }
        if (preferredMember >= clusterSpec.size())
        {
            throw new IllegalArgumentException(
                "preferredMember " + preferredMember + " is not in a cluster of " + clusterSpec.size());
        }
        if (commitTimeout.isNegative() || commitTimeout.isZero() || readTimeout.isNegative() || readTimeout.isZero())
        {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (maxTransactionBytes < 1024)
        {
            throw new IllegalArgumentException("maxTransactionBytes must be at least 1024, was " + maxTransactionBytes);
        }
        if (clientHost == null || clientHost.isBlank())
        {
            throw new IllegalArgumentException("clientHost is empty");
        }
        return this;
    }
}
