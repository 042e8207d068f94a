package io.stardust.server;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.cluster.service.Cluster;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.stardust.protocol.Streams;
import io.stardust.protocol.Versions;
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
import io.stardust.catalog.Catalog;
import io.stardust.sequencer.ReplicaView;
import io.stardust.storage.Storage;
import io.stardust.storage.StorageConfig;
import org.agrona.CloseHelper;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member's read endpoint on a real media driver and real storage, driven with raw frames: batches of reads are
 * answered in one reply batch, in order; a broken or nested batch gets a clear error and the endpoint keeps serving.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadEndpointTest
{
    private static final Catalog KV_CATALOG = Catalog.EMPTY.withKeyValueTable("kv");
    @TempDir
    File dir;

    private MediaDriver driver;
    private Storage storage;
    private ReadEndpoint endpoint;
    private Aeron aeron;
    private ExclusivePublication requests;
    private final java.util.concurrent.atomic.AtomicLong idlePark = new java.util.concurrent.atomic.AtomicLong(4_000_000);
    private Subscription replies;
    private final List<String> received = new ArrayList<>();
    private final List<Integer> envelopes = new ArrayList<>();
    private final FragmentAssembler assembler = new FragmentAssembler((buffer, offset, length, header) ->
    {
        final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(buffer, offset);
        envelopes.add(h.templateId());
        if (h.templateId() == ReplyBatchDecoder.TEMPLATE_ID)
        {
            final ReplyBatchDecoder batch = new ReplyBatchDecoder().wrapAndApplyHeader(buffer, offset, h);
            for (final ReplyBatchDecoder.RepliesDecoder reply : batch.replies())
            {
                final UnsafeBuffer record = new UnsafeBuffer(0, 0);
                reply.wrapReply(record);
                received.add(describe(record, 0));
            }
        }
        else
        {
            received.add(describe(buffer, offset));
        }
    });

    @BeforeEach
    void start()
    {
        driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new SleepingMillisIdleStrategy(1))
            .dirDeleteOnShutdown(true));
        storage = new Storage(new StorageConfig().directory(dir));
        storage.createTable(0, "kv");
        storage.beginEpoch(1);
        storage.write(0, b("a"), Versions.pack(1, 0), false, b("apple"));
        storage.write(0, b("b"), Versions.pack(1, 1), false, b("banana"));
        storage.finishEpoch(1);
        final int port = 24_000 + (int)(ProcessHandle.current().pid() % 500);
        endpoint = ReadEndpoint.launch(driver.aeronDirectoryName(), "localhost:" + port, new View(storage),
            () -> Cluster.Role.FOLLOWER, Throwable::printStackTrace, new SleepingMillisIdleStrategy(1),
            new LocalKnobs(null, new QuietSpell(idlePark, 4_000_000, 0), CpuQuota.join(null, 0, (line) -> { })),
            () -> { });
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
        replies = aeron.addSubscription("aeron:udp?endpoint=localhost:0", Streams.READ_RESPONSE_STREAM_ID);
        requests = aeron.addExclusivePublication("aeron:udp?endpoint=localhost:" + port,
            Streams.READ_REQUEST_STREAM_ID);
        String channel;
        while ((channel = replies.tryResolveChannelEndpointPort()) == null || !requests.isConnected())
        {
            Thread.onSpinWait();
        }
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        final ReadHelloEncoder hello = new ReadHelloEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .responseStreamId(Streams.READ_RESPONSE_STREAM_ID).responseChannel(channel);
        send(Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + hello.encodedLength()));
        // The hello has no reply: a read answered proves the endpoint knows where to answer.
        awaitReplies(read(1, "kv", "a"), 1);
        received.clear();
        envelopes.clear();
    }

    @AfterEach
    void stop()
    {
        CloseHelper.closeAll(aeron, endpoint, driver);
        storage.close();
    }

    @Test
    void shouldAnswerEveryRequestOfABatchInOrderInOneReplyBatch()
    {
        awaitReplies(batch(read(10, "kv", "a"), read(11, "kv", "zzz"), read(12, "nope", "a"), read(13, "kv", "b")),
            4);
        assertEquals(List.of(
            "10 FOUND apple",
            "11 NOT_FOUND ",
            "12 UNKNOWN_TABLE unknown table 'nope'",
            "13 FOUND banana"), received);
        assertEquals(List.of(ReplyBatchDecoder.TEMPLATE_ID), envelopes);
    }

    @Test
    void shouldRefuseABatchWithBrokenFramingWholeAndKeepServing()
    {
        final byte[] whole = batch(read(20, "kv", "a"), read(21, "kv", "b"));
        // Announce 5 requests where there are 2.
        final byte[] lying = whole.clone();
        new UnsafeBuffer(lying).putShort(MessageHeaderEncoder.ENCODED_LENGTH + 2, (short)5,
            java.nio.ByteOrder.LITTLE_ENDIAN);
        awaitReplies(lying, 1);
        assertEquals(1, received.size(), "nothing of the broken batch was served: " + received);
        assertTrue(received.get(0).startsWith("-1 MALFORMED_MESSAGE") &&
            received.get(0).contains("read batch announces 5 requests"), received.get(0));

        received.clear();
        // Cut in the middle of the second request.
        awaitReplies(Arrays.copyOf(whole, whole.length - 3), 1);
        assertTrue(received.get(0).startsWith("-1 MALFORMED_MESSAGE") &&
            received.get(0).contains("request 1 of the read batch runs past its frame"), received.get(0));

        received.clear();
        awaitReplies(read(22, "kv", "b"), 1);
        assertEquals(List.of("22 FOUND banana"), received);
    }

    @Test
    void shouldRefuseABatchInsideABatchButServeTheRest()
    {
        awaitReplies(batch(read(30, "kv", "a"), batch(read(31, "kv", "b")), read(32, "kv", "b")), 3);
        assertEquals("30 FOUND apple", received.get(0));
        assertTrue(received.get(1).startsWith("-1 MALFORMED_MESSAGE") &&
            received.get(1).contains("a ReadBatch cannot hold another ReadBatch"), received.get(1));
        assertEquals("32 FOUND banana", received.get(2));
    }

    @Test
    void shouldRefuseLengthsThatRunPastTheFrameWithoutAllocatingThem()
    {
        // Header (8) and the fixed block, then the table name's length, "kv", then the key's length.
        final int tableLength = 8 + io.stardust.protocol.codecs.ReadRequestEncoder.BLOCK_LENGTH;
        final byte[] hugeKey = read(40, "kv", "a");
        new UnsafeBuffer(hugeKey).putInt(tableLength + 4 + 2, Integer.MAX_VALUE, java.nio.ByteOrder.LITTLE_ENDIAN);
        final byte[] negativeTable = read(41, "kv", "a");
        new UnsafeBuffer(negativeTable).putInt(tableLength, -1, java.nio.ByteOrder.LITTLE_ENDIAN);
        awaitReplies(hugeKey, 1);
        awaitReplies(negativeTable, 2);
        assertTrue(received.get(0).startsWith("40 MALFORMED_MESSAGE") &&
            received.get(0).contains("key length 2147483647 runs past the end"), received.get(0));
        assertTrue(received.get(1).startsWith("41 MALFORMED_MESSAGE") &&
            received.get(1).contains("table name length 4294967295 runs past the end"), received.get(1));
        awaitReplies(read(42, "kv", "b"), 3);
        assertEquals("42 FOUND banana", received.get(2));
    }

    private static String describe(final org.agrona.DirectBuffer buffer, final int offset)
    {
        final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(buffer, offset);
        if (h.templateId() == ReadResultDecoder.TEMPLATE_ID)
        {
            final ReadResultDecoder r = new ReadResultDecoder().wrapAndApplyHeader(buffer, offset, h);
            final long correlationId = r.correlationId();
            final ReadStatus status = r.status();
            final byte[] value = new byte[r.valueLength()];
            r.getValue(value, 0, value.length);
            return correlationId + " " + status + " " + new String(value, UTF_8);
        }
        if (h.templateId() == ErrorResponseDecoder.TEMPLATE_ID)
        {
            final ErrorResponseDecoder e = new ErrorResponseDecoder().wrapAndApplyHeader(buffer, offset, h);
            final long correlationId = e.correlationId();
            final ErrorCode code = e.code();
            return correlationId + " " + code + " " + e.message();
        }
        if (h.templateId() == io.stardust.protocol.codecs.KnobAckDecoder.TEMPLATE_ID)
        {
            final io.stardust.protocol.codecs.KnobAckDecoder a =
                new io.stardust.protocol.codecs.KnobAckDecoder().wrapAndApplyHeader(buffer, offset, h);
            return a.correlationId() + " ACK " + a.knob() + "=" + a.value();
        }
        return "template " + h.templateId();
    }

    private static byte[] setKnob(final long correlationId, final short knob, final long value)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        final io.stardust.protocol.codecs.SetKnobEncoder e = new io.stardust.protocol.codecs.SetKnobEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder()).correlationId(correlationId).value(value);
        buffer.putByte(MessageHeaderEncoder.ENCODED_LENGTH + io.stardust.protocol.codecs.SetKnobEncoder.knobEncodingOffset(),
            (byte)knob);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    @Test
    void shouldSetALocalKnobAndRefuseBadValuesNamingWhy()
    {
        awaitReplies(setKnob(1, (short)2, 2_000), 1);
        awaitReplies(setKnob(2, (short)2, 0), 2);
        awaitReplies(setKnob(3, (short)9, 1), 3);
        awaitReplies(setKnob(4, (short)3, 500), 4);
        awaitReplies(setKnob(5, (short)1, 2), 5);
        awaitReplies(batch(setKnob(6, (short)2, 7)), 6);
        assertEquals("1 ACK IDLE_PARK_MICROS=2000", received.get(0));
        assertEquals(2_000_000, idlePark.get(), "the park every agent thread reads");
        assertEquals("2 INVALID_ARGUMENT IDLE_PARK_MICROS: idle park must be 1 to 100000 microseconds, not 0",
            received.get(1));
        assertTrue(received.get(2).startsWith("3 INVALID_ARGUMENT unknown knob 9"), received.get(2));
        assertTrue(received.get(3).startsWith("4 INVALID_ARGUMENT CPU_QUOTA_MILLICORES: no CPU quota knob on this " +
            "member: this member shares its process"), received.get(3));
        assertEquals("5 INVALID_ARGUMENT WORKERS: this member runs no scheduler", received.get(4));
        assertEquals("6 INVALID_ARGUMENT SetKnob is not taken inside a ReadBatch; send it alone", received.get(5));
        assertEquals(2_000_000, idlePark.get(), "a refused value changed nothing");
    }

    private void awaitReplies(final byte[] frame, final int expected)
    {
        send(frame);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (received.size() < expected)
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("got " + received + ", expected " + expected + " replies");
            }
            if (replies.poll(assembler, 10) == 0)
            {
                Thread.onSpinWait();
            }
        }
    }

    private void send(final byte[] frame)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (requests.offer(new UnsafeBuffer(frame)) < 0)
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("cannot send to the read endpoint");
            }
            Thread.onSpinWait();
        }
    }

    private static byte[] read(final long correlationId, final String table, final String key)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        final ReadRequestEncoder e = new ReadRequestEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId).snapshotEpoch(-1).minAppliedEpoch(0).table(table)
            .putKey(b(key), 0, key.length());
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    private static byte[] batch(final byte[]... frames)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        final ReadBatchEncoder e = new ReadBatchEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder());
        final ReadBatchEncoder.RequestsEncoder requests = e.requestsCount(frames.length);
        for (final byte[] frame : frames)
        {
            requests.next().putRequest(frame, 0, frame.length);
        }
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(UTF_8);
    }

    /** A replica of one table "kv" at epoch 1. */
    private record View(Storage storage) implements ReplicaView
    {
        @Override
        public io.stardust.sequencer.TenantCounters tenants()
        {
            return new io.stardust.sequencer.TenantCounters();
        }

        public int memberId()
        {
            return 0;
        }

        public String datacenter()
        {
            return "test";
        }

        public Catalog catalog()
        {
            return KV_CATALOG;
        }

        public Cluster.Role role()
        {
            return Cluster.Role.FOLLOWER;
        }

        public long batchWindowMicros()
        {
            return 2_000;
        }

        public long committedCount()
        {
            return 2;
        }

        public long abortedCount()
        {
            return 0;
        }

        @Override
        public long oneShotCount()
        {
            return 0;
        }

        @Override
        public long conditionFailureCount()
        {
            return 0;
        }

        public long lastDigest()
        {
            return 0;
        }

        public Long digestAt(final long epoch)
        {
            return null;
        }

        public int workers()
        {
            return 1;
        }

        public io.stardust.sequencer.EpochTelemetry telemetry()
        {
            return TELEMETRY;
        }
    }

    private static final io.stardust.sequencer.EpochTelemetry TELEMETRY = new io.stardust.sequencer.EpochTelemetry();
}
