package io.stardust.server;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Image;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.cluster.service.Cluster;
import io.aeron.logbuffer.Header;
import io.stardust.protocol.Streams;
import io.stardust.protocol.codecs.BooleanType;
import io.stardust.protocol.codecs.CatalogRequestDecoder;
import io.stardust.protocol.codecs.CatalogResultEncoder;
import io.stardust.protocol.codecs.DigestRequestDecoder;
import io.stardust.protocol.codecs.DigestResultEncoder;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.protocol.codecs.ErrorResponseEncoder;
import io.stardust.protocol.codecs.MemberRole;
import io.stardust.protocol.codecs.MessageHeaderDecoder;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.GroupSizeEncodingEncoder;
import io.stardust.protocol.codecs.ReadBatchDecoder;
import io.stardust.protocol.codecs.ReadHelloDecoder;
import io.stardust.protocol.codecs.ReplyBatchEncoder;
import io.stardust.protocol.codecs.ReadRequestDecoder;
import io.stardust.protocol.codecs.ReadResultEncoder;
import io.stardust.protocol.codecs.ReadStatus;
import io.stardust.protocol.codecs.ScanRequestDecoder;
import io.stardust.protocol.codecs.ScanResultEncoder;
import io.stardust.protocol.codecs.StatusRequestDecoder;
import io.stardust.protocol.codecs.StatusResultEncoder;
import io.stardust.protocol.Versions;
import io.stardust.catalog.Catalog;
import io.stardust.catalog.CatalogCodec;
import io.stardust.sequencer.ReplicaView;
import io.stardust.storage.Row;
import io.stardust.storage.SnapshotTooOldException;
import io.stardust.storage.Storage;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A member's read endpoint: serves point reads, scans, status, digests and the catalog from the member's own
 * storage, outside the log, on its own thread. Reads run at a snapshot epoch (the latest applied one unless the
 * request names one) and so never see part of an epoch. A request may demand a minimum applied epoch; it then waits
 * here (without blocking other requests) for a short bound, then is answered {@code BEHIND} so that the client
 * reads at another member; a member that is catching up answers {@code BEHIND} at once.
 */
public final class ReadEndpoint implements Agent, AutoCloseable
{
    /** Most rows in one scan reply. */
    public static final int MAX_SCAN_ROWS = 10_000;
    /** Scan replies stop adding rows past this many bytes. */
    public static final int MAX_SCAN_BYTES = 256 * 1024;
    /**
     * How long a request may wait for its minimum applied epoch before it is answered {@code BEHIND}: well under a
     * client's read timeout (5 s), so that the client has time to read at another member.
     */
    public static final long WAIT_FOR_EPOCH_NS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Longest wait for a catalog version the replica lacks, before it answers {@code BEHIND}: well under a client's
     * read timeout, so the client has time to read at another member.
     */
    public static final long WAIT_FOR_CATALOG_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final int FRAGMENT_LIMIT = 64;
    /** Requests that may wait for their epoch at once; beyond it they are refused, so memory stays bounded. */
    public static final int MAX_WAITING = 10_000;
    private static final long SEND_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(2);
    /** Replies of one ReadBatch go out together up to this many bytes; a bigger reply goes alone. */
    static final int MAX_REPLY_BATCH_BYTES = 64 * 1024;
    /** ... and up to this many replies. */
    static final int MAX_REPLY_BATCH_ENTRIES = 1024;
    private static final int REPLY_COUNT_OFFSET = MessageHeaderEncoder.ENCODED_LENGTH + ReplyBatchEncoder.BLOCK_LENGTH +
        GroupSizeEncodingEncoder.numInGroupEncodingOffset();

    private final Aeron aeron;
    private final Subscription subscription;
    private final ReplicaView replica;
    private final ErrorHandler errorHandler;
    private final FragmentAssembler assembler = new FragmentAssembler(this::onFragment);
    private final Int2ObjectHashMap<Responder> responders = new Int2ObjectHashMap<>();
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private final java.util.function.Supplier<Cluster.Role> role;
    private volatile java.util.function.BooleanSupplier catchingUp = () -> false;
    private volatile java.util.function.IntSupplier leaderId = () -> -1;
    private long readsServed;
    /** Sessions whose image went, from Aeron's conductor thread to the endpoint's. */
    private final java.util.Queue<Integer> gone = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Null while the member runs without authentication. */
    private volatile io.stardust.server.auth.Credentials credentials;
    /** Each connection's authentication, by image session id. */
    private final java.util.Map<Integer, Authentication> authentications = new java.util.HashMap<>();
    private final io.stardust.protocol.codecs.AuthProofDecoder proofDecoder =
        new io.stardust.protocol.codecs.AuthProofDecoder();

    /** A connection's exchange, then who it authenticated as. */
    private static final class Authentication
    {
        io.stardust.protocol.auth.ScramServer exchange;
        long startedNs;
        io.stardust.protocol.auth.Principal principal;
    }

    /** An exchange not answered within this long may be started again by a new hello. */
    private static final long EXCHANGE_NS = TimeUnit.SECONDS.toNanos(5);
    private final io.stardust.protocol.codecs.TenantsRequestDecoder tenantsDecoder =
        new io.stardust.protocol.codecs.TenantsRequestDecoder();
    private final io.stardust.protocol.codecs.TenantsResultEncoder tenantsEncoder =
        new io.stardust.protocol.codecs.TenantsResultEncoder();
    private AgentRunner runner;
    /** Told after each poll that took in requests. */
    private final Runnable onRequests;

    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final ReadHelloDecoder helloDecoder = new ReadHelloDecoder();
    private final ReadRequestDecoder readDecoder = new ReadRequestDecoder();
    private final ScanRequestDecoder scanDecoder = new ScanRequestDecoder();
    private final StatusRequestDecoder statusDecoder = new StatusRequestDecoder();
    private final DigestRequestDecoder digestDecoder = new DigestRequestDecoder();
    private final CatalogRequestDecoder catalogDecoder = new CatalogRequestDecoder();
    private final ReadResultEncoder readEncoder = new ReadResultEncoder();
    private final ScanResultEncoder scanEncoder = new ScanResultEncoder();
    private final StatusResultEncoder statusEncoder = new StatusResultEncoder();
    private final io.stardust.protocol.codecs.SetKnobDecoder setKnobDecoder =
        new io.stardust.protocol.codecs.SetKnobDecoder();
    private final io.stardust.protocol.codecs.KnobAckEncoder knobAckEncoder =
        new io.stardust.protocol.codecs.KnobAckEncoder();
    private final MemberKnobs knobs;
    private final io.stardust.protocol.codecs.SqlRequestDecoder sqlDecoder =
        new io.stardust.protocol.codecs.SqlRequestDecoder();
    private volatile SqlHandler sqlHandler;
    private final DigestResultEncoder digestEncoder = new DigestResultEncoder();
    private final CatalogResultEncoder catalogEncoder = new CatalogResultEncoder();
    private final ErrorResponseEncoder errorEncoder = new ErrorResponseEncoder();
    private final ExpandableDirectByteBuffer sendBuffer = new ExpandableDirectByteBuffer(64 * 1024);
    private final UnsafeBuffer batchView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer recordView = new UnsafeBuffer(0, 0);
    private final ReadBatchDecoder batchDecoder = new ReadBatchDecoder();
    private final ReplyBatchEncoder replyBatchEncoder = new ReplyBatchEncoder();
    private final ExpandableDirectByteBuffer replyBuffer = new ExpandableDirectByteBuffer(MAX_REPLY_BATCH_BYTES + 1024);
    private ReplyBatchEncoder.RepliesEncoder replies;
    private boolean batching;
    private int replyCount;

    /** Where replies to one client publication go, and when that was set up. */
    /**
     * Where one client session's replies go. Replies made before its publication connects wait in {@code early}
     * (bounded) instead of holding up the endpoint: a client that named an unreachable channel must not stall the
     * others.
     */
    private record Responder(Publication publication, long createdNs, java.util.ArrayDeque<byte[]> early)
    {
        Responder(final Publication publication, final long createdNs)
        {
            this(publication, createdNs, new java.util.ArrayDeque<>());
        }
    }

    /** Most replies kept for one session while its response publication connects. */
    private static final int MAX_EARLY_REPLIES = 1_024;

    /**
     * A request parked until the replica applies {@code minEpoch} and reaches catalog {@code minCatalog}; its bytes
     * are copied.
     */
    private record Waiting(int sessionId, long minEpoch, long deadlineNs, long minCatalog, long catalogDeadlineNs,
        long correlationId, byte[] frame)
    {
    }

    private ReadEndpoint(
        final String aeronDir,
        final String endpoint,
        final ReplicaView replica,
        final java.util.function.Supplier<Cluster.Role> role,
        final ErrorHandler errorHandler,
        final MemberKnobs knobs,
        final Runnable onRequests)
    {
        this.knobs = knobs;
        this.onRequests = onRequests;
        this.replica = replica;
        this.role = role;
        this.errorHandler = errorHandler;
        this.aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir).errorHandler(errorHandler));
        this.subscription = aeron.addSubscription(
            "aeron:udp?endpoint=" + endpoint, Streams.READ_REQUEST_STREAM_ID, null, this::onImageGone);
    }

    /**
     * Start serving on {@code endpoint}.
     *
     * @param aeronDir     the member's media driver directory.
     * @param endpoint     host:port to listen on.
     * @param replica      what to serve.
     * @param role         the member's role as its consensus module has it (the service's own view lags).
     * @param errorHandler where unexpected faults go.
     * @param idleStrategy  how the endpoint's thread waits when there is nothing to do.
     * @param knobs        the member's local knobs, set by {@code SetKnob}.
     * @param onRequests   run on the endpoint's thread after a poll that took in requests (the member's quiet-spell
     *                     watch).
     * @return the running endpoint.
     */
    public static ReadEndpoint launch(
        final String aeronDir,
        final String endpoint,
        final ReplicaView replica,
        final java.util.function.Supplier<Cluster.Role> role,
        final ErrorHandler errorHandler,
        final org.agrona.concurrent.IdleStrategy idleStrategy,
        final MemberKnobs knobs,
        final Runnable onRequests)
    {
        final ReadEndpoint endpointAgent = new ReadEndpoint(aeronDir, endpoint, replica, role, errorHandler, knobs,
            onRequests);
        endpointAgent.runner = new AgentRunner(idleStrategy, errorHandler, null, endpointAgent);
        AgentRunner.startOnThread(endpointAgent.runner);
        return endpointAgent;
    }

    /**
     * Require every connection to authenticate (a challenge-response on its hello) and authorize each request by
     * who it is. Without this the endpoint serves anyone, as a member without authentication does.
     *
     * @param credentials where verifiers come from.
     */
    public void credentials(final io.stardust.server.auth.Credentials credentials)
    {
        this.credentials = credentials;
    }

    /**
     * @param catchingUp true while the member is starting, replaying its log or catching up from the leader: a
     *                   request for an epoch or catalog version it lacks is then answered {@code BEHIND} at once.
     * @param leaderId   the leader's member id as the consensus module knows it, -1 for none.
     */
    public void membership(final java.util.function.BooleanSupplier catchingUp,
        final java.util.function.IntSupplier leaderId)
    {
        this.catchingUp = catchingUp;
        this.leaderId = leaderId;
    }

    @Override
    public String roleName()
    {
        return "stardust-read-endpoint-" + replica.memberId();
    }

    @Override
    public int doWork()
    {
        Integer goneSession;
        while ((goneSession = gone.poll()) != null)
        {
            forget(goneSession);
        }
        int work = subscription.poll(assembler, FRAGMENT_LIMIT);
        if (work > 0)
        {
            onRequests.run();
        }
        if (earlyReplies > 0)
        {
            work += flushEarly();
        }
        if (!waiting.isEmpty())
        {
            work += serveWaiting();
        }
        return work;
    }

    private int serveWaiting()
    {
        final long applied = replica.storage().appliedEpoch();
        final long catalogVersion = replica.catalog().version();
        final long now = System.nanoTime();
        int served = 0;
        for (int i = waiting.size(); i > 0; i--)
        {
            final Waiting w = waiting.pollFirst();
            if (applied >= w.minEpoch() && catalogVersion >= w.minCatalog())
            {
                final UnsafeBuffer frame = new UnsafeBuffer(w.frame());
                handle(w.sessionId(), frame, 0, frame.capacity(), false);
                served++;
            }
            else if (catalogVersion < w.minCatalog() && now - w.catalogDeadlineNs() > 0)
            {
                sendError(w.sessionId(), w.correlationId(), ErrorCode.BEHIND, behind(w.minCatalog(), catalogVersion));
                served++;
            }
            else if (now - w.deadlineNs() > 0 || catchingUp.getAsBoolean())
            {
                sendError(w.sessionId(), w.correlationId(), ErrorCode.BEHIND, behindEpoch(w.minEpoch(), applied));
                served++;
            }
            else
            {
                waiting.addLast(w);
            }
        }
        return served;
    }

    private String behindEpoch(final long needed, final long applied)
    {
        return "member " + replica.memberId() + (catchingUp.getAsBoolean() ? " is catching up" :
            " did not reach the epoch in " + TimeUnit.NANOSECONDS.toMillis(WAIT_FOR_EPOCH_NS) + " ms") +
            ": the request needs epoch " + needed + " and this member applied " + applied + "; read at another member";
    }

    private String behind(final long needed, final long has)
    {
        return "member " + replica.memberId() + " is behind: the request needs catalog version " + needed +
            " and this member has " + has + "; read at another member";
    }

    /**
     * Aeron calls this on its client conductor's thread, not the endpoint's: hand the session to the endpoint's thread,
     * which alone touches its state (the waiting requests, the responders and the authentications).
     */
    private void onImageGone(final Image image)
    {
        gone.add(image.sessionId());
    }

    private void forget(final int sessionId)
    {
        final Responder responder = responders.remove(sessionId);
        if (responder != null)
        {
            earlyReplies -= responder.early().size();
            CloseHelper.quietClose(responder.publication());
        }
        waiting.removeIf((w) -> w.sessionId() == sessionId);
        authentications.remove(sessionId);
    }

    private void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        handle(header.sessionId(), buffer, offset, length, true);
    }

    private void handle(
        final int sessionId, final DirectBuffer buffer, final int offset, final int length, final boolean mayWait)
    {
        view.wrap(buffer, offset, length);
        long correlationId = -1;
        try
        {
            if (length < MessageHeaderDecoder.ENCODED_LENGTH)
            {
                sendError(sessionId, -1, ErrorCode.MALFORMED_MESSAGE, "frame of " + length +
                    " bytes is shorter than the message header");
                return;
            }
            headerDecoder.wrap(view, 0);
            if (headerDecoder.schemaId() != MessageHeaderDecoder.SCHEMA_ID)
            {
                sendError(sessionId, -1, ErrorCode.UNSUPPORTED_SCHEMA, "schema id " + headerDecoder.schemaId() +
                    " is not Stardust's");
                return;
            }
            final int templateId = headerDecoder.templateId();
            if (templateId == ReadHelloDecoder.TEMPLATE_ID)
            {
                onHello(sessionId);
                return;
            }
            if (templateId == io.stardust.protocol.codecs.AuthProofDecoder.TEMPLATE_ID)
            {
                onProof(sessionId);
                return;
            }
            if (length >= MessageHeaderDecoder.ENCODED_LENGTH + 8 && templateId != ReadBatchDecoder.TEMPLATE_ID)
            {
                correlationId = view.getLong(MessageHeaderDecoder.ENCODED_LENGTH, java.nio.ByteOrder.LITTLE_ENDIAN);
            }
            final int block = headerDecoder.blockLength();
            final int version = headerDecoder.version();
            final int body = MessageHeaderDecoder.ENCODED_LENGTH;
            if (credentials != null && templateId != ReadBatchDecoder.TEMPLATE_ID && principal(sessionId) == null)
            {
                sendError(sessionId, correlationId, ErrorCode.NOT_AUTHENTICATED, "member " + replica.memberId() +
                    " requires authentication: connect with a database, a user and a password");
                return;
            }
            switch (templateId)
            {
                case ReadBatchDecoder.TEMPLATE_ID -> onBatch(sessionId, block, version);
                case ReadRequestDecoder.TEMPLATE_ID ->
                {
                    readDecoder.wrap(view, body, block, version);
                    fits(readDecoder.tableLength(), "table name");
                    if (mayWait && mustWait(sessionId, readDecoder.correlationId(),
                        Math.max(readDecoder.minAppliedEpoch(), readDecoder.snapshotEpoch()),
                        readDecoder.minCatalogVersion()))
                    {
                        return;
                    }
                    readsServed++;
                    onRead(sessionId);
                }
                case ScanRequestDecoder.TEMPLATE_ID ->
                {
                    scanDecoder.wrap(view, body, block, version);
                    fits(scanDecoder.tableLength(), "table name");
                    if (mayWait && mustWait(sessionId, scanDecoder.correlationId(),
                        Math.max(scanDecoder.minAppliedEpoch(), scanDecoder.snapshotEpoch()),
                        scanDecoder.minCatalogVersion()))
                    {
                        return;
                    }
                    readsServed++;
                    onScan(sessionId);
                }
                case StatusRequestDecoder.TEMPLATE_ID ->
                {
                    statusDecoder.wrap(view, body, block, version);
                    final long statusId = statusDecoder.correlationId();
                    String database = "";
                    if (version >= 6 && statusDecoder.limit() + 4 <= view.capacity())
                    {
                        fits(statusDecoder.databaseLength(), "database name");
                        database = statusDecoder.database();
                    }
                    onStatus(sessionId, statusId, database);
                }
                case DigestRequestDecoder.TEMPLATE_ID ->
                {
                    digestDecoder.wrap(view, body, block, version);
                    onDigest(sessionId, digestDecoder.correlationId(), digestDecoder.epoch());
                }
                case CatalogRequestDecoder.TEMPLATE_ID ->
                {
                    catalogDecoder.wrap(view, body, block, version);
                    if (mayWait && mustWait(sessionId, catalogDecoder.correlationId(), 0,
                        catalogDecoder.minCatalogVersion()))
                    {
                        return;
                    }
                    onCatalog(sessionId, catalogDecoder.correlationId());
                }
                case io.stardust.protocol.codecs.SqlRequestDecoder.TEMPLATE_ID ->
                {
                    sqlDecoder.wrap(view, body, block, version);
                    readsServed++;
                    onSql(sessionId, sqlDecoder.correlationId());
                }
                case io.stardust.protocol.codecs.TenantsRequestDecoder.TEMPLATE_ID ->
                {
                    tenantsDecoder.wrap(view, body, block, version);
                    if (admin(sessionId, tenantsDecoder.correlationId(), "list the databases"))
                    {
                        onTenants(sessionId, tenantsDecoder.correlationId());
                    }
                }
                case io.stardust.protocol.codecs.SetKnobDecoder.TEMPLATE_ID ->
                {
                    setKnobDecoder.wrap(view, body, block, version);
                    if (batching)
                    {
                        // Batches are for reads; a knob is an operator's action, sent alone and answered alone.
                        sendError(sessionId, setKnobDecoder.correlationId(), ErrorCode.INVALID_ARGUMENT,
                            "SetKnob is not taken inside a ReadBatch; send it alone");
                    }
                    else if (admin(sessionId, setKnobDecoder.correlationId(), "turn a member's knobs"))
                    {
                        onSetKnob(sessionId, setKnobDecoder.correlationId(), setKnobDecoder.knobRaw(),
                            setKnobDecoder.value());
                    }
                }
                default -> sendError(sessionId, correlationId, ErrorCode.UNKNOWN_TEMPLATE, "template id " +
                    templateId + " is not a request the read endpoint serves");
            }
        }
        catch (final SnapshotTooOldException ex)
        {
            sendError(sessionId, correlationId, ErrorCode.SNAPSHOT_TOO_OLD, ex.getMessage());
        }
        catch (final io.stardust.storage.ReplicaFailedException ex)
        {
            // This replica stopped part way through an epoch and is going down: it serves nothing, and the client
            // reads elsewhere.
            sendError(sessionId, correlationId, ErrorCode.NOT_CAUGHT_UP, "this replica stopped and serves no " +
                "reads: " + ex.reason());
        }
        catch (final IndexOutOfBoundsException | IllegalArgumentException ex)
        {
            sendError(sessionId, correlationId, ErrorCode.MALFORMED_MESSAGE,
                "malformed message of " + length + " bytes: " + ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            errorHandler.onError(ex);
            sendError(sessionId, correlationId, ErrorCode.INTERNAL, "read failed: " + ex);
        }
    }

    /**
     * Serve each request of a batch as if it came alone, gathering the replies into ReplyBatch messages. The framing
     * is checked first, so a broken batch is refused whole.
     */
    private void onBatch(final int sessionId, final int block, final int version)
    {
        if (batching)
        {
            throw new IllegalArgumentException("a ReadBatch cannot hold another ReadBatch");
        }
        final int length = view.capacity();
        batchView.wrap(view, 0, length);
        batchDecoder.wrap(batchView, MessageHeaderDecoder.ENCODED_LENGTH, block, version);
        final ReadBatchDecoder.RequestsDecoder check = batchDecoder.requests();
        final int count = check.count();
        for (int i = 0; i < count; i++)
        {
            check.next();
            final int start = batchDecoder.limit();
            if (start + 4 > length)
            {
                throw new IllegalArgumentException("read batch announces " + count + " requests but its frame of " +
                    length + " bytes ends after " + i);
            }
            check.skipRequest();
            final int end = batchDecoder.limit();
            if (end < start + 4 || end > length)
            {
                throw new IllegalArgumentException("request " + i + " of the read batch runs past its frame of " +
                    length + " bytes");
            }
        }
        batchDecoder.wrap(batchView, MessageHeaderDecoder.ENCODED_LENGTH, block, version);
        final ReadBatchDecoder.RequestsDecoder requests = batchDecoder.requests();
        batching = true;
        replyCount = 0;
        try
        {
            while (requests.hasNext())
            {
                requests.next();
                requests.wrapRequest(recordView);
                handle(sessionId, recordView, 0, recordView.capacity(), true);
            }
        }
        finally
        {
            batching = false;
            flushReplies(sessionId);
        }
    }

    private void flushReplies(final int sessionId)
    {
        if (replyCount > 0)
        {
            replyBuffer.putShort(REPLY_COUNT_OFFSET, (short)replyCount, java.nio.ByteOrder.LITTLE_ENDIAN);
            offer(sessionId, replyBuffer, MessageHeaderEncoder.ENCODED_LENGTH + replyBatchEncoder.encodedLength());
            replyCount = 0;
        }
    }

    /**
     * @param minCatalog the catalog version the request needs; 0 or less (or absent, before version 5) for none.
     */
    private boolean mustWait(final int sessionId, final long correlationId, final long minEpoch, final long minCatalog)
    {
        if (minEpoch <= replica.storage().appliedEpoch() && minCatalog <= replica.catalog().version())
        {
            return false;
        }
        if (catchingUp.getAsBoolean())
        {
            // A member replaying its log or catching up from the leader may be minutes behind: say so at once, so
            // that the client reads at another member instead of waiting here.
            final long applied = replica.storage().appliedEpoch();
            sendError(sessionId, correlationId, ErrorCode.BEHIND, minEpoch > applied ?
                behindEpoch(minEpoch, applied) : behind(minCatalog, replica.catalog().version()));
            return true;
        }
        if (waiting.size() >= MAX_WAITING)
        {
            sendError(sessionId, correlationId, ErrorCode.NOT_CAUGHT_UP, "member " + replica.memberId() + " has " +
                MAX_WAITING + " requests waiting for epochs it has not applied; epoch " + minEpoch + " refused");
            return true;
        }
        final byte[] frame = new byte[view.capacity()];
        view.getBytes(0, frame);
        final long now = System.nanoTime();
        waiting.addLast(new Waiting(sessionId, minEpoch, now + WAIT_FOR_EPOCH_NS, minCatalog,
            now + WAIT_FOR_CATALOG_NS, correlationId, frame));
        return true;
    }

    private void onHello(final int sessionId)
    {
        helloDecoder.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        final int streamId = helloDecoder.responseStreamId();
        fits(helloDecoder.responseChannelLength(), "response channel");
        final String named = helloDecoder.responseChannel();
        if (!named.startsWith("aeron:"))
        {
            throw new IllegalArgumentException("response channel '" + named + "' is not an Aeron channel");
        }
        // The media driver gets addresses only: a name resolved there could stall the whole member.
        final String channel = ResponseChannels.literal(named);
        byte[] offered = new byte[0];
        if (headerDecoder.version() >= 6 && helloDecoder.limit() + 4 <= view.capacity())
        {
            offered = new byte[fits(helloDecoder.credentialsLength(), "credentials")];
            helloDecoder.getCredentials(offered, 0, offered.length);
        }
        final Responder previous = responders.get(sessionId);
        if (previous != null)
        {
            if (previous.publication().channel().equals(channel) && previous.publication().streamId() == streamId)
            {
                // Clients repeat their hello now and then, in case this endpoint restarted: nothing changed.
                authenticate(sessionId, offered);
                return;
            }
            responders.remove(sessionId);
            earlyReplies -= previous.early().size();
            CloseHelper.quietClose(previous.publication());
        }
        final io.aeron.Publication publication;
        try
        {
            publication = aeron.addPublication(channel, streamId);
        }
        catch (final io.aeron.exceptions.AeronException ex)
        {
            throw new IllegalArgumentException("response channel '" + channel + "' refused: " + ex.getMessage());
        }
        responders.put(sessionId, new Responder(publication, System.nanoTime()));
        authenticate(sessionId, offered);
    }

    /** A hello's credentials: challenge them, unless the connection is authenticated or its exchange is under way. */
    private void authenticate(final int sessionId, final byte[] offered)
    {
        final io.stardust.server.auth.Credentials known = credentials;
        if (known == null)
        {
            return;
        }
        final Authentication a = authentications.computeIfAbsent(sessionId, (id) -> new Authentication());
        if (a.principal != null || (a.exchange != null && System.nanoTime() - a.startedNs < EXCHANGE_NS))
        {
            return;
        }
        try
        {
            a.exchange = io.stardust.protocol.auth.ScramServer.start(offered, known);
            a.startedNs = System.nanoTime();
        }
        catch (final IllegalArgumentException ex)
        {
            a.exchange = null;
            sendAuthResult(sessionId, false, ex.getMessage());
            return;
        }
        final byte[] challenge = a.exchange.challenge();
        final io.stardust.protocol.codecs.AuthChallengeEncoder e = new io.stardust.protocol.codecs.AuthChallengeEncoder()
            .wrapAndApplyHeader(sendBuffer, 0, headerEncoder).memberId(replica.memberId())
            .putChallenge(challenge, 0, challenge.length);
        send(sessionId, e.encodedLength());
    }

    private void onProof(final int sessionId)
    {
        proofDecoder.wrap(view, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        final byte[] proof = new byte[fits(proofDecoder.proofLength(), "proof")];
        proofDecoder.getProof(proof, 0, proof.length);
        final io.stardust.server.auth.Credentials known = credentials;
        final Authentication a = authentications.get(sessionId);
        if (known == null || a == null || a.exchange == null)
        {
            sendAuthResult(sessionId, false, known == null ? "member " + replica.memberId() + " requires no " +
                "authentication" : "no challenge to answer: send a hello with credentials first");
            return;
        }
        final io.stardust.protocol.auth.ScramServer exchange = a.exchange;
        a.exchange = null;
        a.principal = exchange.finish(proof);
        if (a.principal == null)
        {
            sendAuthResult(sessionId, false, known.refusal(exchange));
        }
        else
        {
            sendAuthResult(sessionId, true, "authenticated as " + a.principal.user() + " (" +
                a.principal.role().name().toLowerCase(java.util.Locale.ROOT) + ") of database " +
                a.principal.database());
        }
    }

    private void sendAuthResult(final int sessionId, final boolean ok, final String message)
    {
        final io.stardust.protocol.codecs.AuthResultEncoder e = new io.stardust.protocol.codecs.AuthResultEncoder()
            .wrapAndApplyHeader(sendBuffer, 0, headerEncoder).memberId(replica.memberId())
            .ok(ok ? io.stardust.protocol.codecs.BooleanType.TRUE : io.stardust.protocol.codecs.BooleanType.FALSE)
            .message(message);
        send(sessionId, e.encodedLength());
    }

    /** @return who the connection authenticated as; null when it has not (or the member requires nobody to). */
    private io.stardust.protocol.auth.Principal principal(final int sessionId)
    {
        final Authentication a = authentications.get(sessionId);
        return a == null ? null : a.principal;
    }

    /** @return true when the connection may read the relation; else it was answered NOT_AUTHORIZED. */
    private boolean mayUse(final int sessionId, final long correlationId, final String relation)
    {
        final io.stardust.protocol.auth.Principal p = credentials == null ? null : principal(sessionId);
        if (p == null || p.mayUse(Catalog.databaseOf(relation)))
        {
            return true;
        }
        sendError(sessionId, correlationId, ErrorCode.NOT_AUTHORIZED, "user " + p.user() + " of database " +
            p.database() + " may not read " + relation + ", a table of database " + Catalog.databaseOf(relation));
        return false;
    }

    /** @return true when the connection may do an administrator's request; else it was answered NOT_AUTHORIZED. */
    private boolean admin(final int sessionId, final long correlationId, final String what)
    {
        final io.stardust.protocol.auth.Principal p = credentials == null ? null : principal(sessionId);
        if (p == null || p.isAdmin())
        {
            return true;
        }
        sendError(sessionId, correlationId, ErrorCode.NOT_AUTHORIZED, "only the cluster administrator may " + what +
            "; user " + p.user() + " owns database " + p.database());
        return false;
    }

    /**
     * A var-data length read from the frame, checked against the frame before anything is allocated for it: a
     * lying length must get an error, not a huge allocation.
     */
    private int fits(final int length, final String what)
    {
        final String overrun = io.stardust.protocol.FrameBounds.overrun(length, view.capacity(), what);
        if (overrun != null)
        {
            throw new IllegalArgumentException(overrun);
        }
        return length;
    }

    private Catalog.Relation table(final String name)
    {
        final Catalog.Relation table = replica.catalog().relation(name);
        if (table == null || !replica.storage().hasTable(table.id()))
        {
            throw new UnknownTable(name);
        }
        return table;
    }

    private static final class UnknownTable extends RuntimeException
    {
        UnknownTable(final String name)
        {
            super("unknown table '" + name + "'", null, false, false);
        }
    }

    private long snapshot(final long requested)
    {
        return requested < 0 ? replica.storage().appliedEpoch() : requested;
    }

    private void onRead(final int sessionId)
    {
        final long correlationId = readDecoder.correlationId();
        final long snapshotEpoch = snapshot(readDecoder.snapshotEpoch());
        final String tableName = readDecoder.table(); // length checked by the caller
        if (!mayUse(sessionId, readDecoder.correlationId(), tableName))
        {
            return;
        }
        replica.tenants().readOf(tableName);
        final byte[] key = new byte[fits(readDecoder.keyLength(), "key")];
        readDecoder.getKey(key, 0, key.length);
        final Storage storage = replica.storage();
        final Row row;
        try
        {
            row = storage.read(table(tableName).id(), key, snapshotEpoch);
        }
        catch (final UnknownTable ex)
        {
            sendError(sessionId, correlationId, ErrorCode.UNKNOWN_TABLE, ex.getMessage());
            return;
        }
        readEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .status(row.isLive() ? ReadStatus.FOUND : ReadStatus.NOT_FOUND)
            .snapshotEpoch(snapshotEpoch)
            .appliedEpoch(storage.appliedEpoch())
            .versionEpoch(Versions.epoch(row.version()))
            .versionIndex(Versions.index(row.version()))
            .putValue(row.value(), 0, row.isLive() ? row.value().length : 0);
        send(sessionId, readEncoder.encodedLength());
    }

    private void onScan(final int sessionId)
    {
        final long correlationId = scanDecoder.correlationId();
        final long snapshotEpoch = snapshot(scanDecoder.snapshotEpoch());
        final int maxRows = Math.max(1, Math.min(scanDecoder.maxRows(), MAX_SCAN_ROWS));
        final String tableName = scanDecoder.table(); // length checked by the caller
        if (!mayUse(sessionId, scanDecoder.correlationId(), tableName))
        {
            return;
        }
        replica.tenants().readOf(tableName);
        final byte[] start = new byte[fits(scanDecoder.startKeyLength(), "start key")];
        scanDecoder.getStartKey(start, 0, start.length);
        final byte[] end = new byte[fits(scanDecoder.endKeyLength(), "end key")];
        scanDecoder.getEndKey(end, 0, end.length);
        final Storage storage = replica.storage();
        final List<byte[]> keys = new ArrayList<>();
        final List<Row> rows = new ArrayList<>();
        final boolean more;
        try
        {
            // The storage says whether rows remain past maxRows; the byte budget may cut the reply shorter.
            final boolean pastLimit = storage.scan(table(tableName).id(), start, end, snapshotEpoch, maxRows,
                (k, r) ->
                {
                    keys.add(k);
                    rows.add(r);
                });
            int keep = rows.size();
            int budget = 0;
            for (int i = 0; i < rows.size(); i++)
            {
                budget += keys.get(i).length + rows.get(i).value().length + 24;
                if (budget > MAX_SCAN_BYTES && i > 0)
                {
                    keep = i;
                    break;
                }
            }
            more = pastLimit || keep < rows.size();
            scanEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
                .correlationId(correlationId)
                .snapshotEpoch(snapshotEpoch)
                .appliedEpoch(storage.appliedEpoch())
                .more(more ? BooleanType.TRUE : BooleanType.FALSE);
            final ScanResultEncoder.RowsEncoder rowsEncoder = scanEncoder.rowsCount(keep);
            for (int i = 0; i < keep; i++)
            {
                final Row row = rows.get(i);
                rowsEncoder.next()
                    .versionEpoch(Versions.epoch(row.version()))
                    .versionIndex(Versions.index(row.version()))
                    .putKey(keys.get(i), 0, keys.get(i).length)
                    .putValue(row.value(), 0, row.value().length);
            }
        }
        catch (final UnknownTable ex)
        {
            sendError(sessionId, correlationId, ErrorCode.UNKNOWN_TABLE, ex.getMessage());
            return;
        }
        send(sessionId, scanEncoder.encodedLength());
    }

    private void onStatus(final int sessionId, final long correlationId, final String database)
    {
        final io.stardust.catalog.DatabaseDef db = database.isEmpty() ? null : replica.catalog().database(database);
        final Cluster.Role role = this.role.get();
        statusEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .memberId(replica.memberId())
            .role(role == Cluster.Role.LEADER ? MemberRole.LEADER :
                role == Cluster.Role.CANDIDATE ? MemberRole.CANDIDATE : MemberRole.FOLLOWER)
            .appliedEpoch(replica.storage().appliedEpoch())
            .catalogVersion(replica.catalog().version())
            .batchWindowMicros(replica.batchWindowMicros())
            .committed(replica.committedCount())
            .aborted(replica.abortedCount())
            .lastDigest(replica.lastDigest())
            .workers(replica.workers())
            .cpuNanos(MetricsEndpoint.processCpuNanos())
            .sampledAtNanos(System.nanoTime())
            .epochs(replica.telemetry().epochs())
            .lastEpochTxns(replica.telemetry().lastEpochTxns())
            .applyNanos(replica.telemetry().applyNanos())
            .queueDepth(replica.telemetry().queueDepth())
            .epochLatencyP50Micros(replica.telemetry().latencyMicros(50))
            .epochLatencyP99Micros(replica.telemetry().latencyMicros(99))
            .idleParkMicros(knobs == null ? -1 : knobs.get(io.stardust.protocol.codecs.Knob.IDLE_PARK_MICROS))
            .cpuQuotaMillicores(knobs == null ? -1 : knobs.get(io.stardust.protocol.codecs.Knob.CPU_QUOTA_MILLICORES))
            .admissionRatePerSecond(replica.admissionRatePerSecond())
            .overBudgetRefusals(replica.overBudgetRefusals())
            .catchingUp(catchingUp.getAsBoolean() ? io.stardust.protocol.codecs.BooleanType.TRUE :
                io.stardust.protocol.codecs.BooleanType.FALSE)
            .leaderMemberId(leaderId.getAsInt())
            .readsServed(readsServed)
            .oneShots(replica.oneShotCount())
            .conditionFailures(replica.conditionFailureCount())
            .datacenter(replica.datacenter())
            .databaseHome(db == null ? "" : db.home());
        send(sessionId, statusEncoder.encodedLength());
    }

    /** Set a local knob; a value out of range or a knob this member cannot turn is refused, naming why. */
    private void onSetKnob(final int sessionId, final long correlationId, final short knobCode, final long value)
    {
        final io.stardust.protocol.codecs.Knob knob = knobCode >= 1 && knobCode <= 3 ?
            io.stardust.protocol.codecs.Knob.get(knobCode) : io.stardust.protocol.codecs.Knob.NULL_VAL;
        if (knob == io.stardust.protocol.codecs.Knob.NULL_VAL || knobs == null)
        {
            sendError(sessionId, correlationId, ErrorCode.INVALID_ARGUMENT, knobs == null ?
                "this member has no local knobs" : "unknown knob " + knobCode + " (known: WORKERS, " +
                "IDLE_PARK_MICROS, CPU_QUOTA_MILLICORES)");
            return;
        }
        final long inForce;
        try
        {
            inForce = knobs.set(knob, value);
        }
        catch (final IllegalArgumentException | UnsupportedOperationException ex)
        {
            sendError(sessionId, correlationId, ErrorCode.INVALID_ARGUMENT, knob + ": " + ex.getMessage());
            return;
        }
        knobAckEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .knob(knob)
            .value(inForce);
        send(sessionId, knobAckEncoder.encodedLength());
    }

    private void onDigest(final int sessionId, final long correlationId, final long requested)
    {
        final long applied = replica.storage().appliedEpoch();
        final long epoch = requested < 0 ? applied : requested;
        final Long digest = replica.digestAt(epoch);
        digestEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .epoch(epoch)
            .found(digest == null ? BooleanType.FALSE : BooleanType.TRUE)
            .digest(digest == null ? 0 : digest)
            .appliedEpoch(applied);
        send(sessionId, digestEncoder.encodedLength());
    }

    /**
     * @param handler the member's SQL gateway, which SqlRequests go to; null refuses them.
     */
    public void sqlHandler(final SqlHandler handler)
    {
        this.sqlHandler = handler;
    }

    private void onSql(final int sessionId, final long correlationId)
    {
        final SqlHandler handler = sqlHandler;
        if (batching)
        {
            sendError(sessionId, correlationId, ErrorCode.INVALID_ARGUMENT, "SqlRequest is not taken inside a " +
                "ReadBatch; send it alone");
            return;
        }
        if (handler == null)
        {
            sendError(sessionId, correlationId, ErrorCode.UNKNOWN_TEMPLATE, "member " + replica.memberId() +
                " runs no SQL gateway");
            return;
        }
        final Responder responder = responders.get(sessionId);
        if (responder == null)
        {
            return; // no ReadHello yet: nowhere to answer; the client says hello again and times out
        }
        final byte[] request = new byte[fits(sqlDecoder.requestLength(), "sql request")];
        sqlDecoder.getRequest(request, 0, request.length);
        final Publication publication = responder.publication();
        handler.submit(sessionId, principal(sessionId), request,
            (response) -> SqlReplies.send(publication, correlationId, response));
    }

    /** Every database with its home, and the work each drew here: what {@code stardust ops tenants} shows. */
    private void onTenants(final int sessionId, final long correlationId)
    {
        final Catalog catalog = replica.catalog();
        final java.util.Map<String, io.stardust.sequencer.TenantCounters.Counts> counts = replica.tenants().snapshot();
        final java.util.Map<String, Integer> tables = new java.util.HashMap<>();
        for (final io.stardust.catalog.TableDef t : catalog.tables())
        {
            tables.merge(Catalog.databaseOf(t.name()), 1, Integer::sum);
        }
        final java.util.List<io.stardust.catalog.DatabaseDef> databases = new java.util.ArrayList<>();
        databases.add(new io.stardust.catalog.DatabaseDef(Catalog.DEFAULT_DATABASE, "", "", "", 0, 0));
        databases.addAll(catalog.databases());
        final io.stardust.protocol.codecs.TenantsResultEncoder e = tenantsEncoder
            .wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .memberId(replica.memberId())
            .catalogVersion(catalog.version())
            .sampledAtNanos(System.nanoTime());
        final io.stardust.protocol.codecs.TenantsResultEncoder.DatabasesEncoder group =
            e.databasesCount(databases.size());
        for (final io.stardust.catalog.DatabaseDef d : databases)
        {
            final io.stardust.sequencer.TenantCounters.Counts c = counts.getOrDefault(d.name(),
                new io.stardust.sequencer.TenantCounters.Counts(0, 0));
            group.next().commits(c.commits()).reads(c.reads()).tables(tables.getOrDefault(d.name(), 0))
                .movedAtVersion(d.movedAtVersion()).name(d.name()).owner(d.owner()).home(d.home());
        }
        send(sessionId, e.encodedLength());
    }

    private void onCatalog(final int sessionId, final long correlationId)
    {
        final Catalog catalog = replica.catalog();
        catalogEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .catalogVersion(catalog.version());
        final List<Catalog.Relation> relations = catalog.relations();
        final CatalogResultEncoder.TablesEncoder tables = catalogEncoder.tablesCount(relations.size());
        for (final Catalog.Relation table : relations)
        {
            tables.next().tableId(table.id()).createdAtVersion(table.createdAtVersion()).name(table.name());
        }
        final byte[] definition = CatalogCodec.encode(catalog);
        catalogEncoder.putDefinition(definition, 0, definition.length);
        send(sessionId, catalogEncoder.encodedLength());
    }

    private void sendError(final int sessionId, final long correlationId, final ErrorCode code, final String message)
    {
        errorEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .code(code)
            .retryAfterMicros(0)
            .message(message);
        send(sessionId, errorEncoder.encodedLength());
    }

    /** Send the reply encoded in {@code sendBuffer}, or add it to the batch being answered. */
    private void send(final int sessionId, final int bodyLength)
    {
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + bodyLength;
        if (batching && length <= MAX_REPLY_BATCH_BYTES)
        {
            if (replyCount == MAX_REPLY_BATCH_ENTRIES ||
                (replyCount > 0 && replyBatchEncoder.encodedLength() + length + 4 > MAX_REPLY_BATCH_BYTES))
            {
                flushReplies(sessionId);
            }
            if (replyCount == 0)
            {
                replyBatchEncoder.wrapAndApplyHeader(replyBuffer, 0, headerEncoder);
                // The count is set to the real number when the batch is sent.
                replies = replyBatchEncoder.repliesCount(MAX_REPLY_BATCH_ENTRIES);
            }
            replies.next().putReply(sendBuffer, 0, length);
            replyCount++;
            return;
        }
        if (batching)
        {
            flushReplies(sessionId);
        }
        offer(sessionId, sendBuffer, length);
    }

    /** Replies held in {@link Responder#early} queues, all sessions together. */
    private int earlyReplies;

    /** Send replies held for publications that connected since; drop those of publications that never did. */
    private int flushEarly()
    {
        int sent = 0;
        final long now = System.nanoTime();
        for (final Responder r : responders.values())
        {
            while (!r.early().isEmpty())
            {
                if (!r.publication().isConnected())
                {
                    if (now - r.createdNs() > SEND_TIMEOUT_NS)
                    {
                        earlyReplies -= r.early().size();
                        r.early().clear();
                    }
                    break;
                }
                final byte[] reply = r.early().peekFirst();
                if (r.publication().offer(new org.agrona.concurrent.UnsafeBuffer(reply)) < 0)
                {
                    break;
                }
                r.early().pollFirst();
                earlyReplies--;
                sent++;
            }
        }
        return sent;
    }

    private void offer(final int sessionId, final DirectBuffer buffer, final int length)
    {
        final Responder responder = responders.get(sessionId);
        if (responder == null)
        {
            // No ReadHello yet: nowhere to answer. The client re-sends its hello when it connects.
            return;
        }
        final Publication publication = responder.publication();
        if (!responder.early().isEmpty() ||
            (!publication.isConnected() && System.nanoTime() - responder.createdNs() <= SEND_TIMEOUT_NS))
        {
            // Not connected yet (or earlier replies still wait): keep the reply, in order, and carry on serving.
            if (responder.early().size() < MAX_EARLY_REPLIES)
            {
                final byte[] copy = new byte[length];
                buffer.getBytes(0, copy);
                responder.early().addLast(copy);
                earlyReplies++;
            }
            return;
        }
        final long giveUpNs = System.nanoTime() + SEND_TIMEOUT_NS;
        while (true)
        {
            final long result = publication.offer(buffer, 0, length);
            if (result > 0 || result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
            {
                return;
            }
            // Back-pressure from a slow client: wait a little. A publication that is not connected belongs to a
            // client that went away; drop the reply, the client times out.
            if (System.nanoTime() - giveUpNs > 0 || result == Publication.NOT_CONNECTED)
            {
                return;
            }
            LockSupport.parkNanos(20_000);
        }
    }

    @Override
    public void onClose()
    {
        responders.values().forEach((r) -> CloseHelper.quietClose(r.publication()));
        responders.clear();
        earlyReplies = 0;
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(runner, aeron);
    }
}
