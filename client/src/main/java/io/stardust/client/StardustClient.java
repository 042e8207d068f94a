package io.stardust.client;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.cluster.codecs.EventCode;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.Header;
import io.stardust.protocol.ClusterSpec;
import io.stardust.protocol.Streams;
import io.stardust.protocol.codecs.BooleanType;
import io.stardust.protocol.codecs.CatalogRequestEncoder;
import io.stardust.catalog.Catalog;
import io.stardust.catalog.CatalogCodec;
import io.stardust.catalog.SchemaChange;
import io.stardust.protocol.codecs.CatalogResultDecoder;
import io.stardust.protocol.codecs.SchemaChangeEncoder;
import io.stardust.protocol.codecs.CommitBatchEncoder;
import io.stardust.protocol.codecs.CommitOutcome;
import io.stardust.protocol.codecs.CommitRequestEncoder;
import io.stardust.protocol.codecs.CommitResultDecoder;
import io.stardust.protocol.codecs.CommitResultsDecoder;
import io.stardust.protocol.codecs.ControlAckDecoder;
import io.stardust.protocol.codecs.CreateTableEncoder;
import io.stardust.protocol.codecs.DigestRequestEncoder;
import io.stardust.protocol.codecs.DigestResultDecoder;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.protocol.codecs.ErrorResponseDecoder;
import io.stardust.protocol.codecs.MessageHeaderDecoder;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.ReadBatchEncoder;
import io.stardust.protocol.codecs.ReadHelloEncoder;
import io.stardust.protocol.codecs.ReadRequestEncoder;
import io.stardust.protocol.codecs.ReadResultDecoder;
import io.stardust.protocol.codecs.ReadStatus;
import io.stardust.protocol.codecs.ReplyBatchDecoder;
import io.stardust.protocol.codecs.ScanRequestEncoder;
import io.stardust.protocol.codecs.ScanResultDecoder;
import io.stardust.protocol.codecs.SetBatchWindowEncoder;
import io.stardust.protocol.codecs.SetEpochLimitsEncoder;
import io.stardust.protocol.codecs.StatusRequestEncoder;
import io.stardust.protocol.codecs.StatusResultDecoder;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import io.stardust.protocol.AdaptiveIdleStrategy;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * The Java client of a Stardust cluster.
 * <p>
 * Threading: one conductor thread owns every Aeron object (cluster session, read connections, codecs). Calls from
 * user threads are handed over a queue and answered through {@link CompletableFuture}s, which complete on the
 * conductor thread: callbacks attached to them must be short and must not block. Blocking methods
 * ({@link Transaction#get}, {@link Transaction#commitSync}, {@link #run}) refuse to run on the conductor thread.
 * <p>
 * Leader changes are followed by Aeron Cluster's client; if the session is lost it reconnects, and commits in
 * flight then fail with {@link StardustTimeoutException} (their outcome is unknown).
 */
public final class StardustClient implements AutoCloseable
{
    private static final long KEEPALIVE_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long HELLO_REFRESH_NS = TimeUnit.SECONDS.toNanos(1);
    /** How long a read connection waits for a member's answer to its credentials before it says hello again. */
    private static final long AUTH_RETRY_NS = TimeUnit.SECONDS.toNanos(5);
    /** How often a reading client asks every member for its status, and how long it waits for the answers. */
    private static final long TOPOLOGY_REFRESH_NS = TimeUnit.SECONDS.toNanos(1);
    /** Bytes Aeron Cluster puts in front of each ingress message (its session header). */
    private static final int SESSION_HEADER_BYTES = 32;
    /** Most commits sent in one log message. */
    static final int MAX_BATCH_RECORDS = 64;
    /** Most bytes of commits sent in one log message (one message stays far below the log's limit). */
    static final int MAX_BATCH_BYTES = 60 * 1024;
    /** Most requests sent to one read endpoint in one ReadBatch. */
    static final int MAX_READ_BATCH_RECORDS = 256;
    /** Most bytes of requests in one ReadBatch. */
    static final int MAX_READ_BATCH_BYTES = 32 * 1024;
    private static final ThreadLocal<Boolean> ON_CONDUCTOR = ThreadLocal.withInitial(() -> false);

    private final ClientConfig config;
    private final MediaDriver driver;
    private final Aeron aeron;
    private final Thread conductor;
    private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final AtomicLong correlationIds = new AtomicLong(1);
    private final AtomicLong lastCommittedEpoch = new AtomicLong();
    /**
     * The newest epoch this session has seen: of its commits, its aborts, and the snapshots its reads were served
     * at. A new transaction's reads wait for at least this epoch, wherever they are served, so the session never
     * reads older state than it already saw (monotonic reads, read-your-writes), even after moving to a lagging
     * replica.
     */
    private final AtomicLong sessionEpoch = new AtomicLong();
    private final AtomicLong sessionCatalogVersion = new AtomicLong();
    private final SplittableRandom txnIds = new SplittableRandom(new SecureRandom().nextLong());
    /** What this client's transactions read and commit through. */
    private final Transaction.Backend backend = new Backend();
    private volatile boolean running = true;
    /** Member serving this client's reads; moves to the next member when one stops answering. */
    private final ReadRouting routing;
    /** Set by the first read, scan or SQL request: from then on the conductor refreshes the topology. */
    private volatile boolean routingActive;
    private long nextRefreshNs;
    private boolean refreshInFlight;
    private boolean nudgeDue;
    private long lastRateEpoch;
    private long lastRateNs;
    /** Epochs the cluster closed per batch window between this client's commits (smoothed); -1 before two. */
    private double epochsPerWindow = -1;
    private long nudgeAtNs;
    /** The cluster's batch window as members last reported it; the default until then. */
    private volatile long batchWindowMicros = 2_000;
    private volatile CompletableFuture<Void> refreshed = new CompletableFuture<>();

    // Conductor-thread state.
    private AeronCluster cluster;
    private ClusterConnector connecting;
    private long lastSendNs;
    private final Long2ObjectHashMap<Pending> pending = new Long2ObjectHashMap<>();
    private final ArrayDeque<Pending> byDeadline = new ArrayDeque<>();
    private final ArrayDeque<Pending> rawUncorrelated = new ArrayDeque<>();
    private final ArrayDeque<Pending> unsentReads = new ArrayDeque<>();
    /** Unsent reads by member, while sendUnsentReads groups them; empty between calls. */
    private final List<List<Pending>> readsByMember = new ArrayList<>();
    private final ReadBatchEncoder readBatchEncoder = new ReadBatchEncoder();
    private final ReplyBatchDecoder replyBatchDecoder = new ReplyBatchDecoder();
    private final UnsafeBuffer replyView = new UnsafeBuffer(0, 0);
    private final ExpandableArrayBuffer readBatchBuffer = new ExpandableArrayBuffer(MAX_READ_BATCH_BYTES + 1024);
    private final ArrayDeque<Pending> unsentCluster = new ArrayDeque<>();
    private final CommitBatchEncoder batchEncoder = new CommitBatchEncoder();
    private final ExpandableArrayBuffer batchBuffer = new ExpandableArrayBuffer(64 * 1024);
    private final ReadConnection[] readConnections;
    private final Subscription readResponses;
    private final FragmentAssembler readAssembler = new FragmentAssembler(this::onReadResponse);
    private final UnsafeBuffer sendView = new UnsafeBuffer(0, 0);
    private final ExpandableArrayBuffer encodeBuffer = new ExpandableArrayBuffer(1024);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final CommitResultDecoder commitResultDecoder = new CommitResultDecoder();
    private final CommitResultsDecoder commitResultsDecoder = new CommitResultsDecoder();
    private final io.stardust.protocol.codecs.OneShotResultDecoder oneShotDecoder =
        new io.stardust.protocol.codecs.OneShotResultDecoder();
    private final io.stardust.protocol.codecs.OneShotResultsDecoder oneShotResultsDecoder =
        new io.stardust.protocol.codecs.OneShotResultsDecoder();
    private final ControlAckDecoder controlAckDecoder = new ControlAckDecoder();
    /** Conductor thread: no commit is sent before this (System.nanoTime), after an OVER_BUDGET answer. */
    private long admissionPauseUntilNs = System.nanoTime();
    private volatile long overBudgetRetries;
    private final io.stardust.protocol.codecs.KnobAckDecoder knobAckDecoder =
        new io.stardust.protocol.codecs.KnobAckDecoder();
    private final ErrorResponseDecoder errorDecoder = new ErrorResponseDecoder();
    private final ReadResultDecoder readResultDecoder = new ReadResultDecoder();
    private final ScanResultDecoder scanResultDecoder = new ScanResultDecoder();
    private final StatusResultDecoder statusDecoder = new StatusResultDecoder();
    private final DigestResultDecoder digestDecoder = new DigestResultDecoder();
    private final CatalogResultDecoder catalogDecoder = new CatalogResultDecoder();
    private final io.stardust.protocol.codecs.SqlResponseDecoder sqlResponseDecoder =
        new io.stardust.protocol.codecs.SqlResponseDecoder();

    private enum Kind
    {
        COMMIT, CONTROL, RAW, READ, SCAN, STATUS, DIGEST, CATALOG, KNOB, SQL, TENANTS
    }

    /** A request waiting for its answer. */
    private static final class Pending
    {
        final long correlationId;
        final Kind kind;
        final CompletableFuture<Object> future;
        final long deadlineNs;
        final long txnId;
        /** The member a read goes to; moves on when a member answers that it is behind. */
        int memberId;
        /** Members a read was moved away from. */
        int moves;
        /** Bit i set when member i was tried (members 0..63). */
        long tried;
        /** The epoch a read needs (its snapshot or the session's epoch). */
        long neededEpoch;
        final byte[] frame;

        Pending(final long correlationId, final Kind kind, final long deadlineNs, final long txnId,
            final int memberId, final byte[] frame)
        {
            this.correlationId = correlationId;
            this.kind = kind;
            this.future = new CompletableFuture<>();
            this.deadlineNs = deadlineNs;
            this.txnId = txnId;
            this.memberId = memberId;
            this.frame = frame;
        }
    }

    /** Something served at a snapshot epoch. */
    interface Snapshotted
    {
        long snapshotEpoch();
    }

    /** A point read's answer. */
    record ReadReply(long snapshotEpoch, long versionEpoch, int versionIndex, byte[] value) implements Snapshotted
    {
    }

    /** A scan's answer. */
    record ScanReply(long snapshotEpoch, boolean more, List<KeyValue> rows) implements Snapshotted
    {
    }

    /** A transaction's reads and commits, through this client. */
    private final class Backend implements Transaction.Backend
    {
        @Override
        public String qualify(final String table)
        {
            return Catalog.qualify(config.database(), table);
        }

        @Override
        public CompletableFuture<ReadReply> read(
            final String table, final byte[] key, final long snapshotEpoch, final long minAppliedEpoch)
        {
            return StardustClient.this.read(table, key, snapshotEpoch, minAppliedEpoch);
        }

        @Override
        public CompletableFuture<ScanReply> scan(
            final String table,
            final byte[] start,
            final byte[] end,
            final int limit,
            final long snapshotEpoch,
            final long minAppliedEpoch)
        {
            return StardustClient.this.scan(table, start, end, limit, snapshotEpoch, minAppliedEpoch);
        }

        @Override
        public CompletableFuture<CommitInfo> commit(final byte[] frame, final long correlationId, final long txnId)
        {
            return StardustClient.this.commit(frame, correlationId, txnId);
        }

        @Override
        public void observeEpoch(final long epoch)
        {
            StardustClient.this.observeEpoch(epoch);
        }

        @Override
        public long sessionEpoch()
        {
            return StardustClient.this.sessionEpoch();
        }

        @Override
        public long newTxnId()
        {
            return StardustClient.this.newTxnId();
        }

        @Override
        public long newCorrelationId()
        {
            return StardustClient.this.newCorrelationId();
        }

        @Override
        public int maxTransactionBytes()
        {
            return config.maxTransactionBytes();
        }
    }

    /** One member's read endpoint, as seen from here. */
    private final class ReadConnection
    {
        final int memberId;
        final ExclusivePublication publication;
        boolean helloSent;
        long helloSentNs;
        /** This connection's authentication exchange; null without credentials. */
        final io.stardust.protocol.auth.ScramClient scram = config.scram();
        /** True once the member accepted the credentials (and until it forgets the connection). */
        boolean authenticated;
        /** Why the member refused the credentials; null while it has not. */
        String refused;

        ReadConnection(final int memberId, final String endpoint)
        {
            this.memberId = memberId;
            this.publication = aeron.addExclusivePublication(
                "aeron:udp?endpoint=" + endpoint + "|term-length=4m", Streams.READ_REQUEST_STREAM_ID);
        }

        /** @return true when requests can be sent. */
        boolean ready()
        {
            if (!publication.isConnected())
            {
                helloSent = false;
                authenticated = false;
                return false;
            }
            // A member restarted faster than the publication noticed keeps the session but forgot the hello: say
            // it again at least once a second (the endpoint ignores a repeat with the same channel), so a
            // restarted endpoint learns where to answer within a second of the next request. While an
            // authentication exchange is under way the hello waits for it (a new nonce would void its proof), at
            // most 5 s.
            final long sinceHello = System.nanoTime() - helloSentNs;
            if (helloSent && (scram == null || authenticated ? sinceHello > HELLO_REFRESH_NS :
                sinceHello > AUTH_RETRY_NS))
            {
                helloSent = false;
            }
            if (!helloSent)
            {
                final String channel = readResponses.tryResolveChannelEndpointPort();
                if (channel == null)
                {
                    return false;
                }
                final byte[] credentials = scram == null ? new byte[0] : scram.initialMessage();
                if (scram != null && refused != null && System.nanoTime() - helloSentNs > AUTH_RETRY_NS)
                {
                    refused = null; // try the credentials again
                }
                final ReadHelloEncoder hello = new ReadHelloEncoder()
                    .wrapAndApplyHeader(encodeBuffer, 0, headerEncoder)
                    .responseStreamId(Streams.READ_RESPONSE_STREAM_ID)
                    .responseChannel(channel)
                    .putCredentials(credentials, 0, credentials.length);
                helloSent = publication.offer(encodeBuffer, 0,
                    MessageHeaderEncoder.ENCODED_LENGTH + hello.encodedLength()) > 0;
                helloSentNs = System.nanoTime();
            }
            return helloSent && (scram == null || authenticated);
        }
    }

    private StardustClient(final ClientConfig config)
    {
        this.config = config.validate();
        MediaDriver ownDriver = null;
        String aeronDir = config.aeronDirectoryName();
        if (aeronDir == null)
        {
            final File shm = new File("/dev/shm");
            final File base = shm.isDirectory() ? shm : new File(System.getProperty("java.io.tmpdir"));
            aeronDir = new File(base, "stardust-client-" + UUID.randomUUID()).getAbsolutePath();
            ownDriver = MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(aeronDir)
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(AdaptiveIdleStrategy.withQuietPark(config.idleMaxPark().toNanos()))
                .asyncExecutorIdleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 10_000_000))
                .termBufferSparseFile(true)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true));
        }
        this.driver = ownDriver;
        Aeron connectedAeron = null;
        try
        {
            connectedAeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir));
            this.aeron = connectedAeron;
            this.readResponses = aeron.addSubscription(
                "aeron:udp?endpoint=" + config.clientHost() + ":0", Streams.READ_RESPONSE_STREAM_ID);
            this.readConnections = new ReadConnection[config.clusterSpec().size()];
            this.cluster = config.lazySession() ? null :
                ClusterConnector.connect(this::clusterContext, config.connectTimeout().toNanos(),
                    ClusterConnector.ATTEMPT_NS);
        }
        catch (final io.aeron.security.AuthenticationException ex)
        {
            CloseHelper.quietCloseAll(connectedAeron, ownDriver);
            throw new AuthenticationException(refusedMessage(config));
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(connectedAeron, ownDriver);
            throw new StardustException("cannot connect to cluster " + config.clusterSpec() + ": " + ex.getMessage(),
                ex);
        }
        this.routing = new ReadRouting(config.clusterSpec(), config.datacenter(), config.preferredMember());
        this.conductor = new Thread(this::runConductor, "stardust-client-conductor");
        this.conductor.setDaemon(true);
        this.conductor.start();
    }

    /**
     * Connect to a cluster: waits until a session with the leader is open.
     *
     * @param config settings.
     * @return the connected client.
     */
    public static StardustClient connect(final ClientConfig config)
    {
        return new StardustClient(config);
    }

    private static String refusedMessage(final ClientConfig config)
    {
        return config.user() == null ? "the cluster requires authentication: give the client credentials " +
            "(ClientConfig.credentials) for a database" : "the cluster refused user \"" + config.user() +
            "\" of database \"" + config.database() + "\": the password is wrong, the user does not own the " +
            "database, or the database does not exist";
    }

    private AeronCluster.Context clusterContext(final long messageTimeoutNs)
    {
        final io.stardust.protocol.auth.ScramClient scram = config.scram();
        final io.aeron.security.CredentialsSupplier supplier = scram == null ?
            new io.aeron.security.NullCredentialsSupplier() : new io.aeron.security.CredentialsSupplier()
            {
                @Override
                public byte[] encodedCredentials()
                {
                    return scram.initialMessage();
                }

                @Override
                public byte[] onChallenge(final byte[] challenge)
                {
                    return scram.respond(challenge);
                }
            };
        return new AeronCluster.Context()
            .credentialsSupplier(supplier)
            .aeron(aeron)
            .ownsAeronClient(false)
            .ingressChannel("aeron:udp")
            .ingressEndpoints(config.clusterSpec().ingressEndpoints())
            .egressChannel("aeron:udp?endpoint=" + config.clientHost() + ":0")
            .messageTimeoutNs(messageTimeoutNs)
            .egressListener(new Egress());
    }

    /** @return the settings. */
    public ClientConfig config()
    {
        return config;
    }

    /**
     * @return a new transaction; its reads see at least this client's last commit and every snapshot its earlier
     * transactions read.
     */
    public Transaction begin()
    {
        return new Transaction(backend, sessionEpoch.get());
    }

    /**
     * Run {@code body} in a transaction and commit it, retrying conflicts with backoff.
     *
     * @param body reads and writes through the transaction; may run several times.
     * @param <T>  result type.
     * @return what the body returned in the attempt that committed.
     * @throws ConflictException when every attempt conflicted.
     */
    public <T> T run(final Function<Transaction, T> body)
    {
        checkNotConductor();
        final RetryPolicy policy = config.retryPolicy();
        ConflictException last = null;
        for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++)
        {
            try
            {
                final Transaction tx = begin();
                final T result = body.apply(tx);
                if (!tx.isFinished())
                {
                    tx.commitSync();
                }
                return result;
            }
            catch (final ConflictException ex)
            {
                last = ex;
                if (attempt < policy.maxAttempts())
                {
                    LockSupport.parkNanos(policy.delayNanos(attempt));
                }
            }
        }
        throw last;
    }

    /** @return the member currently serving this client's reads. */
    public int readMember()
    {
        return routing.current();
    }

    /**
     * Ask every member for its status now, and give the answers (or the lack of one within a second) to the
     * routing policy; from then on this is done once a second.
     *
     * @return completes when the answers were taken in.
     */
    public CompletableFuture<Void> refreshTopology()
    {
        final CompletableFuture<Void> next = refreshed;
        routingActive = true;
        submit(() -> nextRefreshNs = System.nanoTime());
        return next;
    }

    /**
     * @return the routing policy of this client's reads, read-only transactions and SQL sessions: what it knows of
     * each member, and the knob that steers reads to another datacenter.
     */
    public ReadRouting routing()
    {
        routingActive = true;
        return routing;
    }

    /** @return the highest epoch this client saw one of its transactions commit in. */
    public long lastCommittedEpoch()
    {
        return lastCommittedEpoch.get();
    }

    /** @return the newest epoch this session has seen (commits, aborts, read snapshots); new reads wait for it. */
    public long sessionEpoch()
    {
        return sessionEpoch.get();
    }

    /**
     * @return the newest catalog version this client has seen (its own schema changes, catalogs it fetched): its
     * reads go to members that have at least this one, so a table it created is never unknown to its next read.
     */
    public long sessionCatalogVersion()
    {
        return sessionCatalogVersion.get();
    }

    /**
     * Advance the session's catalog version: for a client that learned of a schema change another way (a SQL
     * gateway that planned against it).
     *
     * @param version a catalog version.
     */
    public void observeCatalogVersion(final long version)
    {
        sessionCatalogVersion.accumulateAndGet(version, Math::max);
    }

    /** Advance the session epoch to {@code epoch} if it is newer. */
    void observeEpoch(final long epoch)
    {
        if (epoch > sessionEpoch.get())
        {
            sessionEpoch.accumulateAndGet(epoch, Math::max);
        }
    }

    /**
     * Create a table (a DDL record in the log).
     *
     * @param name table name.
     * @return the sequenced change.
     */
    public CompletableFuture<ControlResult> createTable(final String name)
    {
        if (!Catalog.DEFAULT_DATABASE.equals(config.database()))
        {
            return changeSchema(SchemaChange.CreateTable.keyValue(name));
        }
        final long correlationId = newCorrelationId();
        final long requestId = newTxnId();
        final CreateTableEncoder e = new CreateTableEncoder();
        return control(correlationId, (buffer) -> e.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId).requestId(requestId).name(name).encodedLength());
    }

    /**
     * Commit a transaction whose reads were made elsewhere, at a replica's snapshot (a SQL gateway's). It is
     * validated at its log position like any transaction.
     *
     * @param record what it read and writes.
     * @return the commit position; fails with {@link ConflictException} when it aborted (the conflicting key named),
     * or {@link RejectedException} when the cluster refused the record.
     */
    public CompletableFuture<CommitInfo> commit(final CommitRecord record)
    {
        final long txnId = newTxnId();
        final long correlationId = newCorrelationId();
        final byte[] frame;
        try
        {
            frame = record.encode(correlationId, txnId, config.maxTransactionBytes());
        }
        catch (final RejectedException ex)
        {
            return CompletableFuture.failedFuture(ex);
        }
        return commit(frame, correlationId, txnId);
    }

    /**
     * Change the schema (a DDL record in the log): create or drop a table or index, add or drop a column. It is
     * checked whole before it is sequenced, applied between epochs, and a new index is filled from its table's rows.
     *
     * @param change the change.
     * @return the sequenced change; it fails with a {@link RejectedException} naming the problem (a name that
     * exists or is unknown, a bad type, a unique index over rows that clash).
     */
    public CompletableFuture<ControlResult> changeSchema(final SchemaChange change)
    {
        final long correlationId = newCorrelationId();
        final long requestId = newTxnId();
        final byte[] bytes = CatalogCodec.encode(SchemaChange.inDatabase(change, config.database()));
        final SchemaChangeEncoder e = new SchemaChangeEncoder();
        return control(correlationId, (buffer) -> e.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId).requestId(requestId).putChange(bytes, 0, bytes.length).encodedLength());
    }

    /**
     * Create a database (tenant): a log record carrying its owner's credential verifier, never the password.
     *
     * @param name     the database.
     * @param owner    the user that owns it.
     * @param password the owner's password; only a salted verifier of it leaves this process.
     * @param home     the datacenter that serves it; one of the cluster's.
     * @return the sequenced change; fails with {@link IllegalArgumentException} for a datacenter no member is in,
     * or a {@link RejectedException} naming the problem (a name that exists, a bad name).
     */
    public CompletableFuture<ControlResult> createDatabase(final String name, final String owner,
        final char[] password, final String home)
    {
        try
        {
            checkDatacenter(home);
        }
        catch (final IllegalArgumentException ex)
        {
            return CompletableFuture.failedFuture(ex);
        }
        final String verifier = password == null ? "" :
            io.stardust.protocol.auth.Scram.newVerifier(password).encode();
        return changeSchema(new SchemaChange.CreateDatabase(name, owner, verifier, home));
    }

    /**
     * Drop a database with every table in it.
     *
     * @param name the database.
     * @return the sequenced change; fails with a {@link RejectedException} for a database that does not exist.
     */
    public CompletableFuture<ControlResult> dropDatabase(final String name)
    {
        return changeSchema(new SchemaChange.DropDatabase(name, false));
    }

    /**
     * Move a database's serving location: its reads, read-only transactions and SQL sessions go to the members of
     * {@code home} from the next catalog version on (clients bound to it follow within a second). Every replica still
     * applies every write, so nothing is copied and nothing can be lost or applied twice.
     *
     * @param name the database.
     * @param home the datacenter that serves it from now on; one of the cluster's.
     * @return the sequenced change; fails with {@link IllegalArgumentException} for a datacenter no member is in,
     * or a {@link RejectedException} for a database that does not exist.
     */
    public CompletableFuture<ControlResult> moveDatabase(final String name, final String home)
    {
        try
        {
            checkDatacenter(home);
        }
        catch (final IllegalArgumentException ex)
        {
            return CompletableFuture.failedFuture(ex);
        }
        return changeSchema(new SchemaChange.MoveDatabase(name, home));
    }

    /** @throws IllegalArgumentException for an empty label, or one that no member has, naming the cluster's. */
    private void checkDatacenter(final String datacenter)
    {
        if (datacenter == null || datacenter.isBlank())
        {
            throw new IllegalArgumentException("empty datacenter label");
        }
        java.util.Set<String> known = knownDatacenters();
        if (!known.contains(datacenter))
        {
            try
            {
                refreshTopology().get(3, TimeUnit.SECONDS); // labels the members report, if the spec lacked them
            }
            catch (final Exception ex)
            {
                // decide on what is known
            }
            known = knownDatacenters();
        }
        if (!known.contains(datacenter))
        {
            throw new IllegalArgumentException("unknown datacenter '" + datacenter + "'; the cluster's are " +
                new java.util.TreeSet<>(known));
        }
    }

    private java.util.Set<String> knownDatacenters()
    {
        final java.util.Set<String> known = new java.util.HashSet<>(config.clusterSpec().datacenters());
        routing.members().forEach((m) -> known.add(m.datacenter()));
        return known;
    }

    /**
     * Change the batch window; every replica applies it from the same epoch.
     *
     * @param micros new window.
     * @return the sequenced change.
     */
    public CompletableFuture<ControlResult> setBatchWindow(final long micros)
    {
        final long correlationId = newCorrelationId();
        final long requestId = newTxnId();
        final SetBatchWindowEncoder e = new SetBatchWindowEncoder();
        return control(correlationId, (buffer) -> e.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId).batchWindowMicros(micros).requestId(requestId).encodedLength());
    }

    /**
     * Change the size bound that closes an epoch early.
     *
     * @param maxTransactions transactions per epoch.
     * @param maxBytes        bytes of records per epoch.
     * @return the sequenced change.
     */
    public CompletableFuture<ControlResult> setEpochLimits(final int maxTransactions, final int maxBytes)
    {
        final long correlationId = newCorrelationId();
        final long requestId = newTxnId();
        final SetEpochLimitsEncoder e = new SetEpochLimitsEncoder();
        return control(correlationId, (buffer) -> e.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId).maxTransactions(maxTransactions).maxBytes(maxBytes).requestId(requestId)
            .encodedLength());
    }

    /**
     * Change the cluster's admission rate: every replica refuses commits beyond it, by log time, and a refused
     * commit is sent again by the client after the wait the cluster names, until its commit timeout.
     *
     * @param ratePerSecond transactions per second; 0 lifts the limit.
     * @param burst         the bucket's size in transactions (1 to 1,000,000 with a limit).
     * @return the sequenced change.
     */
    public CompletableFuture<ControlResult> setAdmission(final long ratePerSecond, final int burst)
    {
        final long correlationId = newCorrelationId();
        final long requestId = newTxnId();
        final io.stardust.protocol.codecs.SetAdmissionEncoder e = new io.stardust.protocol.codecs.SetAdmissionEncoder();
        return control(correlationId, (buffer) -> e.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId).requestId(requestId).ratePerSecond(ratePerSecond).burst(burst)
            .encodedLength());
    }

    /** @return commits the cluster refused as over its admission rate and this client sent again. */
    public long overBudgetRetries()
    {
        return overBudgetRetries;
    }

    /**
     * @param memberId a member.
     * @return its status.
     */
    public CompletableFuture<MemberStatus> status(final int memberId)
    {
        final long correlationId = newCorrelationId();
        return readRequest(memberId, correlationId, Kind.STATUS, statusFrame(correlationId));
    }

    /**
     * @param memberId a member.
     * @return every database it knows, with its home and the work it drew there.
     */
    public CompletableFuture<TenantInfo> tenants(final int memberId)
    {
        final long correlationId = newCorrelationId();
        final io.stardust.protocol.codecs.TenantsRequestEncoder e = new io.stardust.protocol.codecs.TenantsRequestEncoder();
        return readRequest(memberId, correlationId, Kind.TENANTS,
            encode((buffer) -> e.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
                .correlationId(correlationId).encodedLength()));
    }

    private byte[] statusFrame(final long correlationId)
    {
        final StatusRequestEncoder e = new StatusRequestEncoder();
        final String database = Catalog.DEFAULT_DATABASE.equals(config.database()) ? "" : config.database();
        return encode((buffer) -> e.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId).database(database).encodedLength());
    }

    /**
     * Set one of a member's local knobs (see {@link io.stardust.protocol.codecs.Knob}). Local knobs change what the
     * member spends, never an outcome, so they are set on that member alone, not through the log.
     *
     * @param memberId a member.
     * @param knob     which knob.
     * @param value    its new value, in the knob's unit.
     * @return the value now in force; fails with a {@link RejectedException} (INVALID_ARGUMENT) naming why when the
     * value is out of range or the member cannot turn that knob.
     */
    public CompletableFuture<Long> setKnob(final int memberId, final io.stardust.protocol.codecs.Knob knob,
        final long value)
    {
        final long correlationId = newCorrelationId();
        final io.stardust.protocol.codecs.SetKnobEncoder e = new io.stardust.protocol.codecs.SetKnobEncoder();
        return readRequest(memberId, correlationId, Kind.KNOB,
            encode((buffer) -> e.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
                .correlationId(correlationId).knob(knob).value(value).encodedLength()));
    }

    /**
     * @param memberId a member.
     * @param epoch    an epoch, or -1 for its latest applied.
     * @return the member's digest at the end of the epoch.
     */
    public CompletableFuture<DigestInfo> digest(final int memberId, final long epoch)
    {
        final long correlationId = newCorrelationId();
        final DigestRequestEncoder e = new DigestRequestEncoder();
        return readRequest(memberId, correlationId, Kind.DIGEST,
            encode((buffer) -> e.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
                .correlationId(correlationId).epoch(epoch).encodedLength()));
    }

    /**
     * @param memberId a member.
     * @return the member's catalog, at least the newest version this client has seen (the member waits a short
     * bound for it, then answers BEHIND).
     */
    public CompletableFuture<CatalogInfo> catalog(final int memberId)
    {
        final long correlationId = newCorrelationId();
        final CatalogRequestEncoder e = new CatalogRequestEncoder();
        return readRequest(memberId, correlationId, Kind.CATALOG,
            encode((buffer) -> e.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
                .correlationId(correlationId).minCatalogVersion(sessionCatalogVersion.get()).encodedLength()));
    }

    /**
     * Send a request to a member's SQL gateway (the JDBC driver's transport).
     *
     * @param memberId the member whose gateway holds the SQL session.
     * @param request  the request's bytes.
     * @param timeout  how long to wait for the answer.
     * @return the answer's bytes; fails with {@link StardustTimeoutException} when none comes in time, or
     * {@link RejectedException} when the member runs no gateway.
     */
    public CompletableFuture<byte[]> sql(final int memberId, final byte[] request, final java.time.Duration timeout)
    {
        final long correlationId = newCorrelationId();
        final io.stardust.protocol.codecs.SqlRequestEncoder e = new io.stardust.protocol.codecs.SqlRequestEncoder();
        routingActive = true;
        return readRequest(memberId, correlationId, Kind.SQL,
            encode((buffer) -> e.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
                .correlationId(correlationId).putRequest(request, 0, request.length).encodedLength()),
            timeout.toNanos());
    }

    /**
     * Test hook: offer bytes to the cluster as they are.
     *
     * @param frame         the bytes.
     * @param correlationId the id the reply will carry; -1 for frames the server cannot read.
     * @return the reply.
     */
    public CompletableFuture<RawReply> sendRawIngress(final byte[] frame, final long correlationId)
    {
        final Pending p = new Pending(correlationId, Kind.RAW, deadline(config.commitTimeout().toNanos()), 0, -1,
            frame.clone());
        submit(() -> sendToCluster(p));
        return cast(p.future);
    }

    /**
     * Test hook for fuzzing: offer bytes as they are, once, without waiting for or matching an answer.
     *
     * @param memberId a member whose read endpoint gets the bytes, or -1 for the cluster's ingress.
     * @param frame    the bytes.
     * @return completes with true when offered, false when the connection was not ready or was back-pressured.
     */
    public CompletableFuture<Boolean> offerRaw(final int memberId, final byte[] frame)
    {
        if (memberId >= readConnections.length)
        {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                "no member " + memberId + " in a cluster of " + readConnections.length));
        }
        final CompletableFuture<Boolean> offered = new CompletableFuture<>();
        final byte[] copy = frame.clone();
        submit(() ->
        {
            if (memberId < 0)
            {
                // Through the cluster session, as commits go: the service sees exactly these bytes.
                sendView.wrap(copy);
                offered.complete(cluster != null && offer(copy.length));
            }
            else
            {
                final ReadConnection c = readConnection(memberId);
                offered.complete(c.ready() && offer(c.publication, copy) > 0);
            }
        });
        return offered;
    }

    long newCorrelationId()
    {
        return correlationIds.getAndIncrement();
    }

    long newTxnId()
    {
        synchronized (txnIds)
        {
            long id;
            do
            {
                id = txnIds.nextLong();
            }
            while (id == 0);
            return id;
        }
    }

    /**
     * @return a new one-shot transaction: ops that run at its log position on every replica, never aborted by a
     * conflict.
     */
    public OneShot oneShot()
    {
        return new OneShot(this);
    }

    /**
     * Call a registered procedure at the log position over keys of one key-value table: it never aborts on a
     * conflict, only when it says so, throws, or passes its step budget ({@link OneShotResult#abortReason()}). For keys
     * in several tables, use {@code oneShot().call(...)} with {@link OneShot#key}.
     *
     * @param procedure its registered name.
     * @param version   its registered version.
     * @param table     the keys' table.
     * @param keys      the keys it may read and write, in the order it addresses them.
     * @param args      its arguments: {@code long}, {@code String} or {@code byte[]} values, of the types it takes.
     * @return completes with what it did, the value it left at each key included; fails with
     * {@link RejectedException} when the cluster refused the call (an unknown procedure or version, arguments of
     * the wrong number or type).
     */
    public CompletableFuture<OneShotResult> call(final String procedure, final int version, final String table,
        final List<byte[]> keys, final Object... args)
    {
        final OneShot call;
        try
        {
            call = oneShot().call(procedure, version, args);
            for (final byte[] key : keys)
            {
                call.key(table, key);
            }
        }
        catch (final IllegalArgumentException ex)
        {
            return CompletableFuture.failedFuture(new RejectedException(ErrorCode.INVALID_ARGUMENT,
                ex.getMessage()));
        }
        return call.commit();
    }

    /** @return {@link #call}'s result, waited for. */
    public OneShotResult callSync(final String procedure, final int version, final String table,
        final List<byte[]> keys, final Object... args)
    {
        return await(call(procedure, version, table, keys, args));
    }

    /**
     * Register a procedure version, cluster-wide (an administrator's request). Deploy its class on every member
     * first: a member that lacks it, or holds other bytes, stops when it applies the registration.
     *
     * @param procedure  the name calls use.
     * @param version    the version (1 or more); a registered version never changes.
     * @param className  the class on every member's class path.
     * @param sha256     SHA-256 of its class file, 64 lowercase hex digits.
     * @param stepBudget steps one call may take.
     * @return completes with the acknowledgement.
     */
    public CompletableFuture<ControlResult> registerProcedure(final String procedure, final int version,
        final String className, final String sha256, final long stepBudget)
    {
        return changeSchema(new SchemaChange.RegisterProcedure(procedure, version, className,
            sha256, stepBudget));
    }

    /**
     * Add {@code delta} to a counter at the log position (one-shot: never a conflict, whatever the contention).
     *
     * @return completes with the counter's new value.
     */
    public CompletableFuture<Long> increment(final String table, final byte[] key, final long delta)
    {
        return oneShot().add(table, key, delta).commit().thenApply((r) -> r.counter(0));
    }

    /** @return {@link #increment}'s new value, waited for. */
    public long incrementSync(final String table, final byte[] key, final long delta)
    {
        return await(increment(table, key, delta));
    }

    /**
     * Set {@code key} to {@code value} if it holds {@code expected} at the log position (one-shot).
     *
     * @param expected the value it must hold, or null for "absent".
     * @param value    the new value, or null to delete it.
     * @return completes with true when it was set, false when the key held something else.
     */
    public CompletableFuture<Boolean> compareAndSet(final String table, final byte[] key, final byte[] expected,
        final byte[] value)
    {
        final OneShot op = oneShot();
        if (expected == null)
        {
            op.checkAbsent(table, key);
        }
        else
        {
            op.checkEquals(table, key, expected);
        }
        if (value == null)
        {
            op.delete(table, key);
        }
        else
        {
            op.put(table, key, value);
        }
        return op.commit().thenApply(OneShotResult::committed);
    }

    /** @return {@link #compareAndSet}'s answer, waited for. */
    public boolean compareAndSetSync(final String table, final byte[] key, final byte[] expected, final byte[] value)
    {
        return await(compareAndSet(table, key, expected, value));
    }

    /**
     * Move {@code amount} from one counter to another if the first holds at least that much at the log position
     * (one-shot).
     *
     * @return completes with true when moved, false when {@code from} held less.
     */
    public CompletableFuture<Boolean> transfer(final String table, final byte[] from, final byte[] to,
        final long amount)
    {
        if (amount < 0)
        {
            return CompletableFuture.failedFuture(new IllegalArgumentException("amount must not be negative, was " +
                amount));
        }
        return oneShot().add(table, from, -amount, 0, Long.MAX_VALUE).add(table, to, amount).commit()
            .thenApply(OneShotResult::committed);
    }

    /** @return {@link #transfer}'s answer, waited for. */
    public boolean transferSync(final String table, final byte[] from, final byte[] to, final long amount)
    {
        return await(transfer(table, from, to, amount));
    }

    CompletableFuture<OneShotResult> commitOneShot(final byte[] frame, final long correlationId, final long txnId)
    {
        return sendCommit(frame, correlationId, txnId);
    }

    CompletableFuture<CommitInfo> commit(final byte[] frame, final long correlationId, final long txnId)
    {
        return sendCommit(frame, correlationId, txnId);
    }

    /** A commit record through the log; its answer (a CommitResult or a OneShotResult) completes the future. */
    private <T> CompletableFuture<T> sendCommit(final byte[] frame, final long correlationId, final long txnId)
    {
        final Pending p = new Pending(correlationId, Kind.COMMIT, deadline(config.commitTimeout().toNanos()), txnId,
            -1, frame);
        submit(() -> sendToCluster(p));
        return cast(p.future);
    }

    CompletableFuture<ReadReply> read(
        final String table, final byte[] key, final long snapshotEpoch, final long minAppliedEpoch)
    {
        final long correlationId = newCorrelationId();
        final ReadRequestEncoder e = new ReadRequestEncoder();
        routingActive = true;
        return readRequest(routing.pick(minAppliedEpoch), correlationId, Kind.READ,
            Math.max(snapshotEpoch, minAppliedEpoch), encode((buffer) -> e.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
                .correlationId(correlationId)
                .snapshotEpoch(snapshotEpoch)
                .minAppliedEpoch(minAppliedEpoch)
                .minCatalogVersion(sessionCatalogVersion.get())
                .table(table)
                .putKey(key, 0, key.length)
                .encodedLength()));
    }

    CompletableFuture<ScanReply> scan(
        final String table,
        final byte[] start,
        final byte[] end,
        final int limit,
        final long snapshotEpoch,
        final long minAppliedEpoch)
    {
        final long correlationId = newCorrelationId();
        final ScanRequestEncoder e = new ScanRequestEncoder();
        routingActive = true;
        return readRequest(routing.pick(minAppliedEpoch), correlationId, Kind.SCAN,
            Math.max(snapshotEpoch, minAppliedEpoch), encode((buffer) -> e.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
                .correlationId(correlationId)
                .snapshotEpoch(snapshotEpoch)
                .minAppliedEpoch(minAppliedEpoch)
                .maxRows(limit)
                .minCatalogVersion(sessionCatalogVersion.get())
                .table(table)
                .putStartKey(start, 0, start.length)
                .putEndKey(end, 0, end.length)
                .encodedLength()));
    }

    private CompletableFuture<ControlResult> control(
        final long correlationId, final java.util.function.ToIntFunction<ExpandableArrayBuffer> encoder)
    {
        final Pending p = new Pending(correlationId, Kind.CONTROL, deadline(config.commitTimeout().toNanos()), 0, -1,
            encode(encoder));
        submit(() -> sendToCluster(p));
        return cast(p.future);
    }

    private <T> CompletableFuture<T> readRequest(
        final int memberId, final long correlationId, final Kind kind, final byte[] frame)
    {
        return readRequest(memberId, correlationId, kind, frame, config.readTimeout().toNanos());
    }

    private <T> CompletableFuture<T> readRequest(
        final int memberId, final long correlationId, final Kind kind, final long neededEpoch, final byte[] frame)
    {
        return readRequest(memberId, correlationId, kind, frame, config.readTimeout().toNanos(), neededEpoch);
    }

    private <T> CompletableFuture<T> readRequest(
        final int memberId, final long correlationId, final Kind kind, final byte[] frame, final long timeoutNs)
    {
        return readRequest(memberId, correlationId, kind, frame, timeoutNs, 0);
    }

    private <T> CompletableFuture<T> readRequest(final int memberId, final long correlationId, final Kind kind,
        final byte[] frame, final long timeoutNs, final long neededEpoch)
    {
        if (memberId < 0 || memberId >= readConnections.length)
        {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                "no member " + memberId + " in a cluster of " + readConnections.length));
        }
        final Pending p = new Pending(correlationId, kind, deadline(timeoutNs), 0, memberId, frame);
        p.neededEpoch = neededEpoch;
        submit(() ->
        {
            track(p);
            unsentReads.addLast(p);
        });
        return cast(p.future);
    }

    private static byte[] encode(final java.util.function.ToIntFunction<ExpandableArrayBuffer> encoder)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        final int bodyLength = encoder.applyAsInt(buffer);
        return java.util.Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + bodyLength);
    }

    @SuppressWarnings("unchecked")
    private static <T> CompletableFuture<T> cast(final CompletableFuture<Object> future)
    {
        return (CompletableFuture<T>)(CompletableFuture<?>)future;
    }

    private static long deadline(final long timeoutNs)
    {
        return System.nanoTime() + timeoutNs;
    }

    private void submit(final Runnable command)
    {
        if (!running)
        {
            throw new IllegalStateException("client is closed");
        }
        commands.add(command);
    }

    // ----- conductor thread -----

    private void track(final Pending p)
    {
        if (p.kind == Kind.RAW && p.correlationId == -1)
        {
            rawUncorrelated.addLast(p);
        }
        else
        {
            pending.put(p.correlationId, p);
        }
        byDeadline.addLast(p);
    }

    private void sendToCluster(final Pending p)
    {
        track(p);
        unsentCluster.addLast(p);
    }

    private void runConductor()
    {
        ON_CONDUCTOR.set(true);
        final IdleStrategy idle = AdaptiveIdleStrategy.withQuietPark(config.idleMaxPark().toNanos());
        while (running)
        {
            int work = 0;
            try
            {
                Runnable command;
                while ((command = commands.poll()) != null)
                {
                    command.run();
                    work++;
                }
                work += pollCluster();
                work += sendUnsent();
                work += readResponses.poll(readAssembler, 64);
                work += expire();
                work += refreshTopologyIfDue();
                work += nudgeIfDue();
            }
            catch (final RuntimeException ex)
            {
                // Keep the conductor alive; a failing request is failed by its own deadline.
                System.err.println("stardust client conductor: " + ex);
            }
            idle.idle(work);
        }
    }

    /**
     * Once a second, once this client reads: ask every member for its status, and tell the routing policy what they
     * said (and which did not answer within a second).
     */
    private int refreshTopologyIfDue()
    {
        if (!routingActive || refreshInFlight || System.nanoTime() - nextRefreshNs < 0)
        {
            return 0;
        }
        refreshInFlight = true;
        final int n = readConnections.length;
        final MemberStatus[] statuses = new MemberStatus[n];
        final long[] roundTrips = new long[n];
        final CompletableFuture<?>[] asked = new CompletableFuture<?>[n];
        for (int id = 0; id < n; id++)
        {
            final int member = id;
            final long sentNs = System.nanoTime();
            final long correlationId = newCorrelationId();
            final CompletableFuture<MemberStatus> status = readRequest(member, correlationId, Kind.STATUS,
                statusFrame(correlationId), TOPOLOGY_REFRESH_NS);
            asked[id] = status.handle((s, failure) ->
            {
                if (s != null)
                {
                    statuses[member] = s;
                    roundTrips[member] = System.nanoTime() - sentNs;
                }
                return null;
            });
        }
        CompletableFuture.allOf(asked).whenComplete((ignored, failure) ->
        {
            routing.onRefresh(statuses, roundTrips);
            String home = null;
            long homeCatalog = -1;
            for (final MemberStatus s : statuses)
            {
                if (s != null && s.batchWindowMicros() > 0)
                {
                    batchWindowMicros = s.batchWindowMicros();
                }
                if (s != null && s.databaseHome() != null && !s.databaseHome().isEmpty() &&
                    s.catalogVersion() > homeCatalog)
                {
                    home = s.databaseHome(); // the newest catalog's word on where the database is served
                    homeCatalog = s.catalogVersion();
                }
            }
            if (home != null && !home.equals(routing.servingDatacenter()))
            {
                try
                {
                    routing.steer(home);
                }
                catch (final IllegalArgumentException ex)
                {
                    // a home no member of this client's spec is in: serve from the client's own datacenter
                }
            }
            nextRefreshNs = System.nanoTime() + TOPOLOGY_REFRESH_NS;
            refreshInFlight = false;
            final CompletableFuture<Void> done = refreshed;
            refreshed = new CompletableFuture<>();
            done.complete(null);
        });
        return 1;
    }

    private int pollCluster()
    {
        if (cluster != null)
        {
            if (cluster.isClosed())
            {
                cluster = null;
                failInFlightRaw("the cluster session was lost; the outcome of this request is unknown");
                connecting = new ClusterConnector(this::clusterContext, Long.MAX_VALUE, ClusterConnector.ATTEMPT_NS);
                return 1;
            }
            final int work = cluster.pollEgress();
            final long now = System.nanoTime();
            if (now - lastSendNs > KEEPALIVE_INTERVAL_NS)
            {
                cluster.sendKeepAlive();
                lastSendNs = now;
            }
            return work;
        }
        if (connecting != null)
        {
            try
            {
                final AeronCluster connected = connecting.poll();
                if (connected != null)
                {
                    cluster = connected;
                    connecting = null;
                    resendInFlight();
                    return 1;
                }
            }
            catch (final io.aeron.security.AuthenticationException ex)
            {
                // Trying again with the same credentials would be refused again: fail what waits, and try again
                // only when something new is sent.
                CloseHelper.quietClose(connecting);
                connecting = null;
                final AuthenticationException refused = new AuthenticationException(refusedMessage(config));
                for (final Pending p : unsentCluster)
                {
                    pending.remove(p.correlationId);
                    p.future.completeExceptionally(refused);
                }
                unsentCluster.clear();
            }
            catch (final RuntimeException ex)
            {
                CloseHelper.quietClose(connecting);
                connecting = new ClusterConnector(this::clusterContext, Long.MAX_VALUE, ClusterConnector.ATTEMPT_NS);
            }
        }
        else if (!unsentCluster.isEmpty())
        {
            // A lazy session's first request: open it now.
            connecting = new ClusterConnector(this::clusterContext, Long.MAX_VALUE, ClusterConnector.ATTEMPT_NS);
            return 1;
        }
        return 0;
    }

    /**
     * Raw frames in flight when the session was lost have an unknown outcome: fail them. Commits and control requests
     * are kept: they are sent again (see {@link #resendInFlight()}), and the cluster answers a copy of one it
     * already applied with its original answer (by transaction id, or by request id).
     */
    private void failInFlightRaw(final String message)
    {
        final List<Pending> lost = new ArrayList<>();
        for (final Pending p : pending.values())
        {
            if (p.kind == Kind.RAW && !unsentCluster.contains(p))
            {
                lost.add(p);
            }
        }
        for (final Pending p : lost)
        {
            pending.remove(p.correlationId);
            p.future.completeExceptionally(new StardustTimeoutException(message));
        }
    }

    /**
     * After a leader change, commits sent to the old leader may never have reached the log. Send them again, in
     * their original order and ahead of newer requests: the cluster remembers transaction ids, so a commit that did
     * make it is answered with its original outcome and never applied twice.
     */
    private void resendInFlight()
    {
        final org.agrona.collections.LongHashSet queued = new org.agrona.collections.LongHashSet();
        for (final Pending p : unsentCluster)
        {
            queued.add(p.correlationId);
        }
        final List<Pending> inFlight = new ArrayList<>();
        for (final Pending p : pending.values())
        {
            if ((p.kind == Kind.COMMIT || p.kind == Kind.CONTROL) && !p.future.isDone() &&
                !queued.contains(p.correlationId))
            {
                inFlight.add(p);
            }
        }
        inFlight.sort(java.util.Comparator.comparingLong((Pending p) -> p.correlationId));
        for (int i = inFlight.size() - 1; i >= 0; i--)
        {
            if (inFlight.get(i).kind == Kind.COMMIT)
            {
                markResend(inFlight.get(i).frame);
            }
            unsentCluster.addFirst(inFlight.get(i));
        }
    }

    /**
     * Flag a commit frame as sent again: the cluster then looks its transaction id up among recent decisions (it
     * skips that lookup for first attempts) and answers a transaction that did reach the log with its outcome.
     */
    static void markResend(final byte[] frame)
    {
        frame[MessageHeaderEncoder.ENCODED_LENGTH + CommitRequestEncoder.resendEncodingOffset()] =
            (byte)BooleanType.TRUE.value();
    }

    private int sendUnsent()
    {
        return sendUnsentReads() + sendToCluster();
    }

    /**
     * Send waiting reads, grouped by member: several go as one {@code ReadBatch}, which the member answers with
     * {@code ReplyBatch} messages, so a loaded client sends and receives a few messages per duty cycle rather than
     * two per read.
     */
    private int sendUnsentReads()
    {
        if (unsentReads.isEmpty())
        {
            return 0;
        }
        while (readsByMember.size() < readConnections.length)
        {
            readsByMember.add(new ArrayList<>());
        }
        for (int i = unsentReads.size(); i > 0; i--)
        {
            final Pending p = unsentReads.pollFirst();
            if (!p.future.isDone())
            {
                readsByMember.get(p.memberId).add(p);
            }
        }
        int sent = 0;
        for (int memberId = 0; memberId < readsByMember.size(); memberId++)
        {
            final List<Pending> reads = readsByMember.get(memberId);
            if (reads.isEmpty())
            {
                continue;
            }
            final ReadConnection connection = readConnection(memberId);
            if (connection.refused != null)
            {
                // Refused credentials fail at once, not at the read timeout; the hello is tried again in 5 s.
                final AuthenticationException refused = new AuthenticationException(connection.refused);
                for (final Pending p : reads)
                {
                    pending.remove(p.correlationId);
                    p.future.completeExceptionally(refused);
                }
                reads.clear();
                connection.ready();
                continue;
            }
            int from = 0;
            while (from < reads.size() && connection.ready())
            {
                int to = from;
                int bytes = 0;
                // A knob or a SQL request goes alone: the read endpoint refuses one inside a batch (batches are for
                // reads).
                while (to < reads.size() && to - from < MAX_READ_BATCH_RECORDS &&
                    (to == from || bytes + reads.get(to).frame.length + 4 <= MAX_READ_BATCH_BYTES) &&
                    (to == from || (batchable(reads.get(to).kind) && batchable(reads.get(from).kind))))
                {
                    bytes += reads.get(to).frame.length + 4;
                    to++;
                }
                final boolean offered;
                if (to - from == 1)
                {
                    offered = offer(connection.publication, reads.get(from).frame) > 0;
                }
                else
                {
                    readBatchEncoder.wrapAndApplyHeader(readBatchBuffer, 0, headerEncoder);
                    final ReadBatchEncoder.RequestsEncoder requests = readBatchEncoder.requestsCount(to - from);
                    for (int i = from; i < to; i++)
                    {
                        final byte[] frame = reads.get(i).frame;
                        requests.next().putRequest(frame, 0, frame.length);
                    }
                    offered = connection.publication.offer(readBatchBuffer, 0,
                        MessageHeaderEncoder.ENCODED_LENGTH + readBatchEncoder.encodedLength()) > 0;
                }
                if (!offered)
                {
                    break;
                }
                sent += to - from;
                from = to;
            }
            for (int i = from; i < reads.size(); i++)
            {
                unsentReads.addLast(reads.get(i));
            }
            reads.clear();
        }
        return sent;
    }

    /** @return false for requests the read endpoint takes only alone (knobs, SQL), never in a ReadBatch. */
    private static boolean batchable(final Kind kind)
    {
        return kind != Kind.KNOB && kind != Kind.SQL;
    }

    /**
     * Send what waits for the cluster in order. Consecutive commits go as one {@code CommitBatch} log message:
     * the cluster then sequences several transactions per message, in the same order.
     */
    private int sendToCluster()
    {
        int sent = 0;
        while (cluster != null && !unsentCluster.isEmpty())
        {
            final Pending first = unsentCluster.peekFirst();
            if (first.future.isDone())
            {
                unsentCluster.pollFirst();
                continue;
            }
            if (first.kind == Kind.COMMIT && admissionPauseUntilNs - System.nanoTime() > 0)
            {
                // The cluster said it admits nothing before then (OVER_BUDGET).
                break;
            }
            final int largest = cluster.ingressPublication().maxMessageLength() - SESSION_HEADER_BYTES;
            if (first.frame.length > largest)
            {
                // Offering it would throw on every attempt and hold up everything queued behind it.
                unsentCluster.pollFirst();
                if (pending.get(first.correlationId) == first)
                {
                    pending.remove(first.correlationId);
                }
                rawUncorrelated.remove(first);
                first.future.completeExceptionally(new RejectedException(ErrorCode.TXN_TOO_LARGE,
                    "request of " + first.frame.length + " bytes exceeds the largest message the cluster's ingress " +
                    "takes (" + largest + " bytes); nothing was sent"));
                continue;
            }
            int run = 0;
            int bytes = 0;
            for (final Pending p : unsentCluster)
            {
                if (p.kind != Kind.COMMIT || run == MAX_BATCH_RECORDS || bytes + p.frame.length > MAX_BATCH_BYTES)
                {
                    break;
                }
                run++;
                bytes += p.frame.length + 4;
            }
            final boolean offered;
            if (run < 2)
            {
                offered = offerToCluster(first.frame, first.frame.length);
                run = 1;
            }
            else
            {
                batchEncoder.wrapAndApplyHeader(batchBuffer, 0, headerEncoder);
                final CommitBatchEncoder.RecordsEncoder records = batchEncoder.recordsCount(run);
                final java.util.Iterator<Pending> it = unsentCluster.iterator();
                for (int i = 0; i < run; i++)
                {
                    final byte[] frame = it.next().frame;
                    records.next().putRecord(frame, 0, frame.length);
                }
                final int length = MessageHeaderEncoder.ENCODED_LENGTH + batchEncoder.encodedLength();
                sendView.wrap(batchBuffer, 0, length);
                offered = offer(length);
            }
            if (!offered)
            {
                break;
            }
            if (first.kind == Kind.COMMIT && config.epochNudges())
            {
                nudgeAtNs = System.nanoTime() + nudgeDelayNs();
                nudgeDue = true;
            }
            for (int i = 0; i < run; i++)
            {
                unsentCluster.pollFirst();
            }
            sent += run;
        }
        return sent;
    }

    /**
     * Commits went out and nothing followed for a batch window and a half: send an {@code EpochNudge}, whose log
     * time closes the epoch they joined. It travels through consensus right behind them, where the epoch's own timer
     * would start only once they are committed, a round later. Not while the cluster's epochs close at least every
     * other window (other traffic closes them; a nudge would only add a log message).
     */
    private int nudgeIfDue()
    {
        if (!nudgeDue || cluster == null || !unsentCluster.isEmpty() || System.nanoTime() - nudgeAtNs < 0)
        {
            return 0;
        }
        if (!quietCluster())
        {
            nudgeDue = false; // other traffic closes the epoch
            return 0;
        }
        final io.stardust.protocol.codecs.EpochNudgeEncoder nudge = new io.stardust.protocol.codecs.EpochNudgeEncoder()
            .wrapAndApplyHeader(encodeBuffer, 0, headerEncoder).correlationId(0);
        sendView.wrap(encodeBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + nudge.encodedLength());
        if (offer(MessageHeaderEncoder.ENCODED_LENGTH + nudge.encodedLength()))
        {
            nudgeDue = false;
            return 1;
        }
        return 0;
    }

    /**
     * Epoch numbers are the cluster's: how fast they advance between this client's commits tells whether other
     * traffic closes epochs anyway (then nudges would only add log messages) or the cluster is quiet.
     */
    private void observeEpochRate(final long epoch)
    {
        final long now = System.nanoTime();
        if (lastRateEpoch > 0 && epoch > lastRateEpoch && now - lastRateNs > 0)
        {
            final double windows = (double)(now - lastRateNs) / TimeUnit.MICROSECONDS.toNanos(batchWindowMicros);
            final double perWindow = (epoch - lastRateEpoch) / Math.max(1.0, windows);
            epochsPerWindow = epochsPerWindow < 0 ? perWindow : 0.8 * epochsPerWindow + 0.2 * perWindow;
        }
        if (epoch > lastRateEpoch)
        {
            lastRateEpoch = epoch;
            lastRateNs = now;
        }
    }

    /** @return true while epochs close less often than every other batch window: the cluster is quiet. */
    private boolean quietCluster()
    {
        return epochsPerWindow < 0.5;
    }

    private long nudgeDelayNs()
    {
        final long windowNs = TimeUnit.MICROSECONDS.toNanos(batchWindowMicros);
        return windowNs + Math.max(TimeUnit.MILLISECONDS.toNanos(1), windowNs / 2);
    }

    private boolean offerToCluster(final byte[] frame, final int length)
    {
        sendView.wrap(frame);
        return offer(length);
    }

    private boolean offer(final int length)
    {
        final long result = cluster.offer(sendView, 0, length);
        if (result > 0)
        {
            lastSendNs = System.nanoTime();
            return true;
        }
        return false;
    }

    private long offer(final Publication publication, final byte[] frame)
    {
        sendView.wrap(frame);
        return publication.offer(sendView, 0, frame.length);
    }

    private ReadConnection readConnection(final int memberId)
    {
        ReadConnection c = readConnections[memberId];
        if (c == null)
        {
            c = new ReadConnection(memberId, config.clusterSpec().member(memberId).readEndpoint());
            readConnections[memberId] = c;
        }
        return c;
    }

    private int expire()
    {
        final long now = System.nanoTime();
        int expired = 0;
        while (!byDeadline.isEmpty())
        {
            final Pending p = byDeadline.peekFirst();
            if (p.future.isDone())
            {
                byDeadline.pollFirst();
                continue;
            }
            // Deadlines grow in submission order within a kind; a short read timeout queued behind a longer
            // commit timeout fires late, never early.
            if (now - p.deadlineNs < 0)
            {
                break;
            }
            byDeadline.pollFirst();
            pending.remove(p.correlationId);
            rawUncorrelated.remove(p);
            final String what = switch (p.kind)
            {
                case COMMIT -> "commit of transaction " + p.txnId + " got no answer in " + config.commitTimeout() +
                    "; its outcome is unknown";
                case CONTROL, RAW -> "control request got no answer in " + config.commitTimeout();
                default -> "request to member " + p.memberId + " got no answer in " + config.readTimeout();
            };
            if (p.kind == Kind.READ || p.kind == Kind.SCAN || p.kind == Kind.STATUS)
            {
                // The member may be down: later transactions read elsewhere until it answers a status again (their
                // snapshot is pinned by their first read there, and reads of later epochs wait for catch-up).
                routing.onTimeout(p.memberId);
            }
            p.future.completeExceptionally(new StardustTimeoutException(what));
            expired++;
        }
        return expired;
    }

    /**
     * A commit the cluster refused as over its admission rate was never sequenced: send it again once the cluster
     * admits again, if that is before its deadline. Every commit of this client waits as long, so that one refusal
     * throttles the client instead of drawing one refusal per transaction.
     *
     * @return true when it will be sent again; false when its deadline comes first.
     */
    private boolean retryLater(final Pending p, final long retryAfterMicros)
    {
        final long resumeNs = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(Math.max(1, retryAfterMicros));
        if (resumeNs - p.deadlineNs >= 0)
        {
            return false;
        }
        admissionPauseUntilNs = Math.max(admissionPauseUntilNs, resumeNs);
        overBudgetRetries++;
        pending.put(p.correlationId, p);
        unsentCluster.addLast(p);
        return true;
    }

    private Pending take(final long correlationId, final int templateId)
    {
        if (correlationId == -1 && templateId == ErrorResponseDecoder.TEMPLATE_ID)
        {
            return rawUncorrelated.pollFirst();
        }
        return pending.remove(correlationId);
    }

    /** Replies on the cluster egress. */
    private final class Egress implements EgressListener
    {
        @Override
        public void onMessage(
            final long clusterSessionId,
            final long timestamp,
            final DirectBuffer buffer,
            final int offset,
            final int length,
            final Header header)
        {
            if (length < MessageHeaderDecoder.ENCODED_LENGTH + 8)
            {
                return;
            }
            headerDecoder.wrap(buffer, offset);
            final int templateId = headerDecoder.templateId();
            if (templateId == CommitResultsDecoder.TEMPLATE_ID)
            {
                onCommitResults(buffer, offset);
                return;
            }
            if (templateId == io.stardust.protocol.codecs.OneShotResultsDecoder.TEMPLATE_ID)
            {
                // Each entry is a whole OneShotResult: take it as if it had come alone.
                oneShotResultsDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                for (final io.stardust.protocol.codecs.OneShotResultsDecoder.ResultsDecoder r :
                    oneShotResultsDecoder.results())
                {
                    final org.agrona.concurrent.UnsafeBuffer one = new org.agrona.concurrent.UnsafeBuffer(0, 0);
                    r.wrapReply(one);
                    onMessage(clusterSessionId, timestamp, one, 0, one.capacity(), header);
                }
                return;
            }
            final long correlationId = buffer.getLong(offset + MessageHeaderDecoder.ENCODED_LENGTH,
                java.nio.ByteOrder.LITTLE_ENDIAN);
            final Pending p = take(correlationId, templateId);
            if (p == null)
            {
                return;
            }
            switch (templateId)
            {
                case CommitResultDecoder.TEMPLATE_ID -> onCommitResult(p, buffer, offset);
                case io.stardust.protocol.codecs.OneShotResultDecoder.TEMPLATE_ID -> onOneShotResult(p, buffer, offset);
                case ControlAckDecoder.TEMPLATE_ID ->
                {
                    controlAckDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                    final ControlResult result = new ControlResult(controlAckDecoder.effectiveEpoch(),
                        controlAckDecoder.catalogVersion(), controlAckDecoder.batchWindowMicros(),
                        controlAckDecoder.detail());
                    observeCatalogVersion(result.catalogVersion());
                    p.future.complete(p.kind == Kind.RAW ? new RawReply(templateId, null, result.detail()) : result);
                }
                case ErrorResponseDecoder.TEMPLATE_ID ->
                {
                    errorDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                    final ErrorCode code = errorDecoder.code();
                    final long retryAfterMicros = errorDecoder.actingVersion() >= 4 ? errorDecoder.retryAfterMicros() : 0;
                    final String message = errorDecoder.message();
                    if (code == ErrorCode.OVER_BUDGET && p.kind == Kind.COMMIT && retryLater(p, retryAfterMicros))
                    {
                        return;
                    }
                    if (p.kind == Kind.RAW)
                    {
                        p.future.complete(new RawReply(templateId, code, message));
                    }
                    else
                    {
                        p.future.completeExceptionally(new RejectedException(code, message));
                    }
                }
                default -> p.future.completeExceptionally(
                    new StardustException("unexpected reply template " + templateId));
            }
        }

        @Override
        public void onSessionEvent(
            final long correlationId,
            final long clusterSessionId,
            final long leadershipTermId,
            final int leaderMemberId,
            final EventCode code,
            final String detail)
        {
        }

        @Override
        public void onNewLeader(
            final long clusterSessionId,
            final long leadershipTermId,
            final int leaderMemberId,
            final String ingressEndpoints)
        {
            resendInFlight();
        }
    }

    private void onCommitResult(final Pending p, final DirectBuffer buffer, final int offset)
    {
        commitResultDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long txnId = commitResultDecoder.txnId();
        final CommitOutcome outcome = commitResultDecoder.outcome();
        final io.stardust.protocol.codecs.AbortReason reason = commitResultDecoder.reason();
        final long epoch = commitResultDecoder.epoch();
        final int index = commitResultDecoder.index();
        if (outcome == CommitOutcome.COMMITTED)
        {
            completeCommit(p, txnId, outcome, reason, epoch, index, null, null);
            return;
        }
        final String table = commitResultDecoder.conflictTable();
        final byte[] key = new byte[commitResultDecoder.conflictKeyLength()];
        commitResultDecoder.getConflictKey(key, 0, key.length);
        completeCommit(p, txnId, outcome, reason, epoch, index, table, key);
    }

    private void onOneShotResult(final Pending p, final DirectBuffer buffer, final int offset)
    {
        final io.stardust.protocol.codecs.OneShotResultDecoder d = oneShotDecoder.wrapAndApplyHeader(buffer, offset,
            headerDecoder);
        final long txnId = d.txnId();
        final boolean committed = d.outcome() == CommitOutcome.COMMITTED;
        final long epoch = d.epoch();
        final int index = d.index();
        final int failedOp = d.failedOp();
        final boolean known = d.resultsKnown() != io.stardust.protocol.codecs.BooleanType.FALSE;
        final List<byte[]> values = new ArrayList<>();
        for (final io.stardust.protocol.codecs.OneShotResultDecoder.ResultsDecoder r : d.results())
        {
            final boolean present = r.present() == io.stardust.protocol.codecs.BooleanType.TRUE;
            final byte[] value = new byte[r.valueLength()];
            r.getValue(value, 0, value.length);
            values.add(present ? value : null);
        }
        d.skipConflictTable();
        d.skipConflictKey();
        final String message = d.message();
        final String reason = committed ? "" : d.reason() == io.stardust.protocol.codecs.AbortReason.NULL_VAL ?
            "UNKNOWN" : d.reason().name();
        if (p.kind == Kind.RAW)
        {
            p.future.complete(new RawReply(io.stardust.protocol.codecs.OneShotResultDecoder.TEMPLATE_ID, null,
                d.outcome() + " " + d.reason()));
            return;
        }
        observeEpochRate(epoch);
        observeEpoch(epoch);
        if (committed && epoch > lastCommittedEpoch.get())
        {
            lastCommittedEpoch.accumulateAndGet(epoch, Math::max);
        }
        p.future.complete(new OneShotResult(txnId, committed, epoch, index, failedOp,
            java.util.Collections.unmodifiableList(values), known, reason, message));
    }

    /** Several outcomes of this session's commits, from one epoch. */
    private void onCommitResults(final DirectBuffer buffer, final int offset)
    {
        commitResultsDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        for (final CommitResultsDecoder.ResultsDecoder r : commitResultsDecoder.results())
        {
            final long correlationId = r.correlationId();
            final long txnId = r.txnId();
            final CommitOutcome outcome = r.outcome();
            final io.stardust.protocol.codecs.AbortReason reason = r.reason();
            final long epoch = r.epoch();
            final int index = r.index();
            final Pending p = pending.remove(correlationId);
            if (p == null || outcome == CommitOutcome.COMMITTED)
            {
                r.skipConflictTable();
                r.skipConflictKey();
            }
            if (p == null)
            {
                continue;
            }
            if (outcome == CommitOutcome.COMMITTED)
            {
                completeCommit(p, txnId, outcome, reason, epoch, index, null, null);
            }
            else
            {
                final String table = r.conflictTable();
                final byte[] key = new byte[r.conflictKeyLength()];
                r.getConflictKey(key, 0, key.length);
                completeCommit(p, txnId, outcome, reason, epoch, index, table, key);
            }
        }
    }

    private void completeCommit(
        final Pending p,
        final long txnId,
        final CommitOutcome outcome,
        final io.stardust.protocol.codecs.AbortReason reason,
        final long epoch,
        final int index,
        final String table,
        final byte[] key)
    {
        if (p.kind == Kind.RAW)
        {
            p.future.complete(new RawReply(CommitResultDecoder.TEMPLATE_ID, null, outcome + " " + reason));
            return;
        }
        observeEpochRate(epoch);
        if (outcome == CommitOutcome.COMMITTED)
        {
            if (epoch > lastCommittedEpoch.get())
            {
                lastCommittedEpoch.accumulateAndGet(epoch, Math::max);
            }
            observeEpoch(epoch);
            p.future.complete(new CommitInfo(txnId, epoch, index, false));
        }
        else
        {
            // A retry reads at least the epoch that decided the abort, so it does not read the same stale state.
            observeEpoch(epoch);
            p.future.completeExceptionally(ConflictException.of(txnId, reason, table, key, epoch, index));
        }
    }

    private void onAuthChallenge(final DirectBuffer buffer, final int offset)
    {
        final io.stardust.protocol.codecs.AuthChallengeDecoder d =
            new io.stardust.protocol.codecs.AuthChallengeDecoder().wrapAndApplyHeader(buffer, offset, headerDecoder);
        final int memberId = d.memberId();
        final byte[] challenge = new byte[d.challengeLength()];
        d.getChallenge(challenge, 0, challenge.length);
        final ReadConnection c = memberId >= 0 && memberId < readConnections.length ? readConnections[memberId] : null;
        if (c == null || c.scram == null)
        {
            return;
        }
        c.authenticated = false;
        final byte[] proof;
        try
        {
            proof = c.scram.respond(challenge);
        }
        catch (final RuntimeException ex)
        {
            refuseReads(c, "member " + memberId + " sent a malformed challenge: " + ex.getMessage());
            return;
        }
        final io.stardust.protocol.codecs.AuthProofEncoder e = new io.stardust.protocol.codecs.AuthProofEncoder()
            .wrapAndApplyHeader(encodeBuffer, 0, headerEncoder).putProof(proof, 0, proof.length);
        c.publication.offer(encodeBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    private void onAuthResult(final DirectBuffer buffer, final int offset)
    {
        final io.stardust.protocol.codecs.AuthResultDecoder d =
            new io.stardust.protocol.codecs.AuthResultDecoder().wrapAndApplyHeader(buffer, offset, headerDecoder);
        final int memberId = d.memberId();
        final boolean ok = d.ok() == io.stardust.protocol.codecs.BooleanType.TRUE;
        final String message = d.message();
        final ReadConnection c = memberId >= 0 && memberId < readConnections.length ? readConnections[memberId] : null;
        if (c == null)
        {
            return;
        }
        if (ok)
        {
            c.authenticated = true;
            c.refused = null;
        }
        else
        {
            refuseReads(c, "member " + memberId + " refused the credentials: " + message);
        }
    }

    /** The member refused this connection's credentials: what waits for it fails now, with why. */
    private void refuseReads(final ReadConnection c, final String why)
    {
        c.authenticated = false;
        c.refused = why;
        final AuthenticationException refused = new AuthenticationException(why);
        for (final java.util.Iterator<Pending> it = unsentReads.iterator(); it.hasNext(); )
        {
            final Pending p = it.next();
            if (p.memberId == c.memberId)
            {
                it.remove();
                pending.remove(p.correlationId);
                p.future.completeExceptionally(refused);
            }
        }
    }

    /** Replies to a ReadBatch: each is handled as if it came alone (a nested batch is ignored). */
    private void onReplyBatch(final DirectBuffer buffer, final int offset, final Header header)
    {
        replyBatchDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        for (final ReplyBatchDecoder.RepliesDecoder reply : replyBatchDecoder.replies())
        {
            reply.wrapReply(replyView);
            if (replyView.capacity() >= MessageHeaderDecoder.ENCODED_LENGTH &&
                headerDecoder.wrap(replyView, 0).templateId() != ReplyBatchDecoder.TEMPLATE_ID)
            {
                onReadResponse(replyView, 0, replyView.capacity(), header);
            }
        }
    }

    private void onReadResponse(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH + 8)
        {
            return;
        }
        headerDecoder.wrap(buffer, offset);
        final int templateId = headerDecoder.templateId();
        if (templateId == ReplyBatchDecoder.TEMPLATE_ID)
        {
            onReplyBatch(buffer, offset, header);
            return;
        }
        if (templateId == io.stardust.protocol.codecs.AuthChallengeDecoder.TEMPLATE_ID)
        {
            onAuthChallenge(buffer, offset);
            return;
        }
        if (templateId == io.stardust.protocol.codecs.AuthResultDecoder.TEMPLATE_ID)
        {
            onAuthResult(buffer, offset);
            return;
        }
        final long correlationId = buffer.getLong(offset + MessageHeaderDecoder.ENCODED_LENGTH,
            java.nio.ByteOrder.LITTLE_ENDIAN);
        final Pending p = pending.remove(correlationId);
        if (p == null)
        {
            return;
        }
        switch (templateId)
        {
            case ReadResultDecoder.TEMPLATE_ID ->
            {
                final ReadResultDecoder d = readResultDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                final boolean found = d.status() == ReadStatus.FOUND;
                final long snapshot = d.snapshotEpoch();
                final long versionEpoch = d.versionEpoch();
                final int versionIndex = d.versionIndex();
                final byte[] value = new byte[d.valueLength()];
                d.getValue(value, 0, value.length);
                routing.onServed(p.memberId, d.appliedEpoch());
                p.future.complete(new ReadReply(snapshot, versionEpoch, versionIndex, found ? value : null));
            }
            case ScanResultDecoder.TEMPLATE_ID ->
            {
                final ScanResultDecoder d = scanResultDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                final long snapshot = d.snapshotEpoch();
                final boolean more = d.more() == io.stardust.protocol.codecs.BooleanType.TRUE;
                routing.onServed(p.memberId, d.appliedEpoch());
                final List<KeyValue> rows = new ArrayList<>();
                for (final ScanResultDecoder.RowsDecoder row : d.rows())
                {
                    final long versionEpoch = row.versionEpoch();
                    final int versionIndex = row.versionIndex();
                    final byte[] key = new byte[row.keyLength()];
                    row.getKey(key, 0, key.length);
                    final byte[] value = new byte[row.valueLength()];
                    row.getValue(value, 0, value.length);
                    rows.add(new KeyValue(key, value, versionEpoch, versionIndex));
                }
                p.future.complete(new ScanReply(snapshot, more, rows));
            }
            case StatusResultDecoder.TEMPLATE_ID ->
            {
                final StatusResultDecoder d = statusDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                final int memberId = d.memberId();
                final String role = d.role().name();
                final long applied = d.appliedEpoch();
                final long catalogVersion = d.catalogVersion();
                final long window = d.batchWindowMicros();
                final long committed = d.committed();
                final long aborted = d.aborted();
                final long digest = d.lastDigest();
                final int workers = d.workers();
                final MemberStatus.Telemetry telemetry = d.actingVersion() < 4 ? null : new MemberStatus.Telemetry(
                    d.cpuNanos(), d.sampledAtNanos(), d.epochs(), d.lastEpochTxns(), d.applyNanos(), d.queueDepth(),
                    d.epochLatencyP50Micros(), d.epochLatencyP99Micros(), d.idleParkMicros(), d.cpuQuotaMillicores(),
                    d.admissionRatePerSecond(), d.overBudgetRefusals());
                final String datacenter = d.datacenter();
                final String databaseHome = d.actingVersion() >= 6 ? d.databaseHome() : "";
                final boolean v6 = d.actingVersion() >= 6;
                final boolean catchingUp = v6 && d.catchingUp() == io.stardust.protocol.codecs.BooleanType.TRUE;
                final int leader = v6 ? d.leaderMemberId() : -1;
                final long readsServed = v6 ? d.readsServed() : -1;
                final boolean v7 = d.actingVersion() >= 7;
                final long oneShots = v7 ? d.oneShots() : -1;
                final long conditionFailures = v7 ? d.conditionFailures() : -1;
                p.future.complete(new MemberStatus(memberId, role, datacenter, applied, catalogVersion, window,
                    committed, aborted, digest, workers, telemetry, catchingUp, leader, readsServed, databaseHome,
                    oneShots, conditionFailures));
            }
            case io.stardust.protocol.codecs.KnobAckDecoder.TEMPLATE_ID ->
            {
                knobAckDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                p.future.complete(knobAckDecoder.value());
            }
            case DigestResultDecoder.TEMPLATE_ID ->
            {
                final DigestResultDecoder d = digestDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                p.future.complete(new DigestInfo(p.memberId, d.epoch(),
                    d.found() == io.stardust.protocol.codecs.BooleanType.TRUE, d.digest(), d.appliedEpoch()));
            }
            case io.stardust.protocol.codecs.SqlResponseDecoder.TEMPLATE_ID ->
            {
                final io.stardust.protocol.codecs.SqlResponseDecoder d = sqlResponseDecoder.wrapAndApplyHeader(
                    buffer, offset, headerDecoder);
                final byte[] response = new byte[d.responseLength()];
                d.getResponse(response, 0, response.length);
                routing.onServed(p.memberId, -1);
                p.future.complete(response);
            }
            case io.stardust.protocol.codecs.TenantsResultDecoder.TEMPLATE_ID ->
            {
                final io.stardust.protocol.codecs.TenantsResultDecoder d =
                    new io.stardust.protocol.codecs.TenantsResultDecoder().wrapAndApplyHeader(buffer, offset,
                        headerDecoder);
                final int member = d.memberId();
                final long version = d.catalogVersion();
                final long sampled = d.sampledAtNanos();
                final List<TenantInfo.Database> databases = new ArrayList<>();
                for (final io.stardust.protocol.codecs.TenantsResultDecoder.DatabasesDecoder db : d.databases())
                {
                    final long commits = db.commits();
                    final long reads = db.reads();
                    final int tables = db.tables();
                    final long moved = db.movedAtVersion();
                    final String name = db.name();
                    final String owner = db.owner();
                    final String home = db.home();
                    databases.add(new TenantInfo.Database(name, owner, home, tables, commits, reads, moved));
                }
                p.future.complete(new TenantInfo(member, version, sampled, List.copyOf(databases)));
            }
            case CatalogResultDecoder.TEMPLATE_ID ->
            {
                final CatalogResultDecoder d = catalogDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                final long version = d.catalogVersion();
                final List<CatalogInfo.Table> tables = new ArrayList<>();
                for (final CatalogResultDecoder.TablesDecoder t : d.tables())
                {
                    tables.add(new CatalogInfo.Table(t.tableId(), t.name(), t.createdAtVersion()));
                }
                Catalog definition = null;
                if (d.actingVersion() >= 5 && d.definitionLength() > 0)
                {
                    final byte[] bytes = new byte[d.definitionLength()];
                    d.getDefinition(bytes, 0, bytes.length);
                    definition = CatalogCodec.decodeCatalog(bytes, 0, bytes.length);
                }
                observeCatalogVersion(version);
                p.future.complete(new CatalogInfo(version, tables, definition));
            }
            case ErrorResponseDecoder.TEMPLATE_ID ->
            {
                errorDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                final ErrorCode code = errorDecoder.code();
                final String message = errorDecoder.message();
                if ((code == ErrorCode.BEHIND || code == ErrorCode.NOT_CAUGHT_UP) && moveRead(p))
                {
                    return;
                }
                p.future.completeExceptionally(switch (code)
                {
                    case SNAPSHOT_TOO_OLD -> new SnapshotTooOldException(message);
                    case NOT_CAUGHT_UP -> new StardustTimeoutException(message);
                    default -> new RejectedException(code, message);
                });
            }
            default -> p.future.completeExceptionally(new StardustException("unexpected reply template " + templateId));
        }
    }

    /**
     * A member that lacks the catalog version a read needs says so at once: send the read to the next member, and
     * later reads there too, while members remain that it has not tried.
     *
     * @return true when the read was sent on.
     */
    private boolean moveRead(final Pending p)
    {
        if ((p.kind != Kind.READ && p.kind != Kind.SCAN) || p.moves >= readConnections.length - 1)
        {
            return false;
        }
        routing.onBehind(p.memberId, p.neededEpoch);
        if (p.memberId < 64)
        {
            p.tried |= 1L << p.memberId;
        }
        final int next = routing.next(p.memberId, p.tried, p.neededEpoch);
        if (next < 0)
        {
            return false;
        }
        p.memberId = next;
        p.moves++;
        pending.put(p.correlationId, p);
        unsentReads.addLast(p);
        return true;
    }

    // ----- blocking helpers -----

    static <T> T await(final CompletableFuture<T> future)
    {
        if (ON_CONDUCTOR.get())
        {
            throw new IllegalStateException("blocking call on the client's conductor thread; use the async API in " +
                "callbacks");
        }
        try
        {
            return future.get();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new StardustException("interrupted", ex);
        }
        catch (final ExecutionException ex)
        {
            final Throwable cause = Transaction.unwrap(ex);
            if (cause instanceof RuntimeException runtime)
            {
                // Re-throw the typed exception; keep where it was waited for in the trace.
                runtime.addSuppressed(new StardustException("waited for here"));
                throw runtime;
            }
            throw new StardustException(cause.toString(), cause);
        }
    }

    private void checkNotConductor()
    {
        if (ON_CONDUCTOR.get())
        {
            throw new IllegalStateException("blocking call on the client's conductor thread; use the async API in " +
                "callbacks");
        }
    }

    @Override
    public void close()
    {
        if (!running)
        {
            return;
        }
        running = false;
        try
        {
            conductor.join(TimeUnit.SECONDS.toMillis(10));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        for (final Pending p : pending.values())
        {
            p.future.completeExceptionally(new StardustException("client closed"));
        }
        CloseHelper.quietClose(cluster);
        CloseHelper.quietClose(connecting);
        CloseHelper.quietCloseAll(aeron, driver);
    }
}
