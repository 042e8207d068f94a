package io.stardust.conformance;

import io.stardust.client.StardustClient;
import io.stardust.protocol.codecs.BooleanType;
import io.stardust.protocol.codecs.CatalogRequestEncoder;
import io.stardust.protocol.codecs.CommitBatchEncoder;
import io.stardust.protocol.codecs.CommitRequestEncoder;
import io.stardust.protocol.codecs.CreateTableEncoder;
import io.stardust.protocol.codecs.DigestRequestEncoder;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.ReadBatchEncoder;
import io.stardust.protocol.codecs.ReadHelloEncoder;
import io.stardust.protocol.codecs.ReadRequestEncoder;
import io.stardust.protocol.codecs.ScanRequestEncoder;
import io.stardust.protocol.codecs.SetBatchWindowEncoder;
import io.stardust.protocol.codecs.SetEpochLimitsEncoder;
import io.stardust.protocol.codecs.StatusRequestEncoder;
import io.stardust.protocol.codecs.WriteOp;
import org.agrona.ExpandableArrayBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends malformed, truncated and mutated frames to the cluster's ingress and to every member's read endpoint. Frames
 * start from well-formed requests that could change nothing (commits to a table that does not exist, reads,
 * status and digest requests) and are then cut, bit-flipped, overwritten, given extreme header fields or lengths,
 * extended or replaced by noise. Well-formed control requests that change state (create table, batch window, epoch
 * limits) are never produced: a valid one would rightly be applied.
 */
final class Fuzzer
{
    static final String MISSING_TABLE = "fuzz_missing_table";
    /**
     * Correlation ids of the seed frames: far from the small positive ids the fuzzing client gives its own requests
     * (replies are matched by id alone, so a fuzzed frame carrying one of those would answer that request), and
     * far enough that flipping a few bits or overwriting a few bytes cannot reach them.
     */
    private static final long FUZZ_IDS = 0xA5A5_A5A5_5A5A_0000L;
    private static final int WINDOW = 256;
    private static final int[] STATE_CHANGING = {
        CreateTableEncoder.TEMPLATE_ID, SetBatchWindowEncoder.TEMPLATE_ID, SetEpochLimitsEncoder.TEMPLATE_ID,
        io.stardust.protocol.codecs.ClusterSettingsEncoder.TEMPLATE_ID,
        io.stardust.protocol.codecs.SetAdmissionEncoder.TEMPLATE_ID,
        // A read endpoint's local knobs: a fuzzed CPU quota or idle park would slow the members for the rest of the
        // run (they are checked by ReadEndpointTest and the knob tests instead).
        io.stardust.protocol.codecs.SetKnobEncoder.TEMPLATE_ID};

    private final SplittableRandom random;
    private final List<byte[]> ingressSeeds = new ArrayList<>();
    private final List<byte[]> readSeeds = new ArrayList<>();
    long sentIngress;
    long sentRead;

    Fuzzer(final long seed)
    {
        random = new SplittableRandom(seed);
        for (int i = 0; i < 8; i++)
        {
            ingressSeeds.add(commit(i));
        }
        ingressSeeds.add(batch(commit(100), commit(101)));
        readSeeds.add(encode((b, h) -> new ReadRequestEncoder().wrapAndApplyHeader(b, 0, h).correlationId(FUZZ_IDS + 7)
            .snapshotEpoch(-1).minAppliedEpoch(0).table("la").putKey(bytes("k1"), 0, 2).encodedLength()));
        readSeeds.add(encode((b, h) -> new ScanRequestEncoder().wrapAndApplyHeader(b, 0, h).correlationId(FUZZ_IDS + 8)
            .snapshotEpoch(-1).minAppliedEpoch(0).maxRows(100).table("la").putStartKey(bytes("a"), 0, 1)
            .putEndKey(bytes("z"), 0, 1).encodedLength()));
        readSeeds.add(encode((b, h) -> new StatusRequestEncoder().wrapAndApplyHeader(b, 0, h).correlationId(FUZZ_IDS + 9)
            .encodedLength()));
        readSeeds.add(encode((b, h) -> new DigestRequestEncoder().wrapAndApplyHeader(b, 0, h).correlationId(FUZZ_IDS + 10)
            .epoch(-1).encodedLength()));
        readSeeds.add(encode((b, h) -> new CatalogRequestEncoder().wrapAndApplyHeader(b, 0, h).correlationId(FUZZ_IDS + 11)
            .encodedLength()));
        readSeeds.add(encode((b, h) -> new ReadHelloEncoder().wrapAndApplyHeader(b, 0, h).responseStreamId(5)
            .responseChannel("aeron:udp?endpoint=localhost:1").encodedLength()));
        final byte[] inner = readSeeds.get(0);
        readSeeds.add(encode((b, h) ->
        {
            final ReadBatchEncoder e = new ReadBatchEncoder().wrapAndApplyHeader(b, 0, h);
            e.requestsCount(2).next().putRequest(inner, 0, inner.length).next().putRequest(inner, 0, inner.length);
            return e.encodedLength();
        }));
        // Commits sent to a read endpoint are unknown templates there; reads sent to ingress likewise.
        readSeeds.add(ingressSeeds.get(0));
        ingressSeeds.add(readSeeds.get(0));
    }

    /**
     * Send {@code frames} fuzzed frames, split between the ingress and the read endpoints of {@code members}.
     *
     * @return frames sent.
     */
    long run(final StardustClient client, final int members, final long frames)
    {
        final List<CompletableFuture<Boolean>> window = new ArrayList<>(WINDOW);
        final List<byte[]> windowFrames = new ArrayList<>(WINDOW);
        final List<Integer> windowTargets = new ArrayList<>(WINDOW);
        long sent = 0;
        long refusedInARow = 0;
        while (sent < frames)
        {
            window.clear();
            windowFrames.clear();
            windowTargets.clear();
            for (int i = 0; i < WINDOW && sent + i < frames; i++)
            {
                final int target = random.nextInt(2) == 0 ? -1 : random.nextInt(members);
                final byte[] frame = target < 0 ? mutateForIngress() : mutateForRead();
                windowFrames.add(frame);
                windowTargets.add(target);
                window.add(client.offerRaw(target, frame));
            }
            int offered = 0;
            for (int i = 0; i < window.size(); i++)
            {
                boolean ok = window.get(i).orTimeout(30, TimeUnit.SECONDS).join();
                // Back-pressure: offer again until taken (the endpoint must keep reading).
                for (int attempt = 0; !ok && attempt < 2_000; attempt++)
                {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    ok = client.offerRaw(windowTargets.get(i), windowFrames.get(i)).orTimeout(30, TimeUnit.SECONDS)
                        .join();
                }
                if (ok)
                {
                    offered++;
                    if (windowTargets.get(i) < 0)
                    {
                        sentIngress++;
                    }
                    else
                    {
                        sentRead++;
                    }
                }
            }
            sent += offered;
            refusedInARow = offered == 0 ? refusedInARow + 1 : 0;
            if (refusedInARow > 5)
            {
                throw new IllegalStateException("the cluster stopped taking frames after " + sent + " were sent");
            }
        }
        return sent;
    }

    private byte[] pick(final List<byte[]> seeds)
    {
        return seeds.get(random.nextInt(seeds.size()));
    }

    private byte[] mutateForIngress()
    {
        return mutateAvoidingStateChanges(ingressSeeds);
    }

    private byte[] mutateForRead()
    {
        return mutateAvoidingStateChanges(readSeeds);
    }

    /**
     * A mutated frame that is not a state-changing request (a table, a setting or a knob that a mutation made
     * valid would change the cluster under the rest of the run). A batch is not looked into: its requests would
     * have to survive intact, which one or two mutations of a seed with none make unlikely.
     */
    private byte[] mutateAvoidingStateChanges(final List<byte[]> seeds)
    {
        for (;;)
        {
            final byte[] frame = mutate(pick(seeds));
            if (frame.length < 4 || Arrays.stream(STATE_CHANGING).noneMatch((t) -> t == templateId(frame)))
            {
                return frame;
            }
        }
    }

    private static int templateId(final byte[] frame)
    {
        return (frame[2] & 0xFF) | (frame[3] & 0xFF) << 8;
    }

    /** One random mutation (sometimes two) of a seed frame. */
    byte[] mutate(final byte[] seed)
    {
        byte[] f = seed.clone();
        final int rounds = random.nextInt(4) == 0 ? 2 : 1;
        for (int r = 0; r < rounds; r++)
        {
            switch (random.nextInt(8))
            {
                case 0 -> f = Arrays.copyOf(f, random.nextInt(Math.max(1, f.length)));
                case 1 ->
                {
                    for (int k = random.nextInt(1, 9); k > 0 && f.length > 0; k--)
                    {
                        f[random.nextInt(f.length)] ^= (byte)(1 << random.nextInt(8));
                    }
                }
                case 2 ->
                {
                    if (f.length > 0)
                    {
                        final int at = random.nextInt(f.length);
                        for (int i = at; i < Math.min(f.length, at + random.nextInt(1, 16)); i++)
                        {
                            f[i] = (byte)random.nextInt(256);
                        }
                    }
                }
                case 3 ->
                {
                    // A header field (block length, template, schema or version) set to an extreme or random value.
                    if (f.length >= 8)
                    {
                        putShort(f, 2 * random.nextInt(4), extremeShort());
                    }
                }
                case 4 ->
                {
                    // A length or count somewhere set to an extreme: 2 or 4 bytes.
                    if (f.length >= 4)
                    {
                        final int at = random.nextInt(f.length - 3);
                        if (random.nextBoolean())
                        {
                            putShort(f, at, extremeShort());
                        }
                        else
                        {
                            final int v = new int[] {-1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 30, 65_536}
                                [random.nextInt(5)];
                            putShort(f, at, v & 0xFFFF);
                            putShort(f, at + 2, v >>> 16);
                        }
                    }
                }
                case 5 ->
                {
                    final int extra = random.nextInt(1, 64);
                    final int old = f.length;
                    f = Arrays.copyOf(f, old + extra);
                    for (int i = old; i < f.length; i++)
                    {
                        f[i] = (byte)random.nextInt(256);
                    }
                }
                case 6 ->
                {
                    f = new byte[random.nextInt(0, 512)];
                    for (int i = 0; i < f.length; i++)
                    {
                        f[i] = (byte)random.nextInt(256);
                    }
                }
                default ->
                {
                    // Splice: repeat a slice of the frame in place.
                    if (f.length > 2)
                    {
                        final int from = random.nextInt(f.length - 1);
                        final int len = random.nextInt(1, f.length - from);
                        final byte[] longer = new byte[f.length + len];
                        System.arraycopy(f, 0, longer, 0, from + len);
                        System.arraycopy(f, from, longer, from + len, f.length - from);
                        f = longer;
                    }
                }
            }
        }
        // Empty frames cannot be offered; a one-byte one says the same.
        return f.length == 0 ? new byte[] {0} : f;
    }

    private int extremeShort()
    {
        return new int[] {0, 1, 0xFFFF, 0x7FFF, 0x8000, random.nextInt(65_536)}[random.nextInt(6)];
    }

    private static void putShort(final byte[] f, final int at, final int v)
    {
        f[at] = (byte)v;
        f[at + 1] = (byte)(v >>> 8);
    }

    private interface Encoding
    {
        int encode(ExpandableArrayBuffer buffer, MessageHeaderEncoder header);
    }

    private static byte[] encode(final Encoding encoding)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final int length = encoding.encode(buffer, new MessageHeaderEncoder());
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + length);
    }

    private static byte[] commit(final int i)
    {
        return encode((b, h) ->
        {
            final CommitRequestEncoder e = new CommitRequestEncoder().wrapAndApplyHeader(b, 0, h)
                .correlationId(FUZZ_IDS + 1_000 + i).txnId(77_000 + i).catalogVersion(0).snapshotEpoch(0)
                .resend(i % 2 == 0 ? BooleanType.FALSE : BooleanType.TRUE);
            e.readsCount(1).next().versionEpoch(1).versionIndex(0).table(MISSING_TABLE).putKey(bytes("r" + i), 0, 2);
            e.rangesCount(1).next().table(MISSING_TABLE).putStartKey(bytes("a"), 0, 1).putEndKey(bytes("b"), 0, 1);
            e.writesCount(2).next().op(WriteOp.PUT).table(MISSING_TABLE).putKey(bytes("w" + i), 0, 2)
                .putValue(bytes("value"), 0, 5).next().op(WriteOp.DELETE).table(MISSING_TABLE)
                .putKey(bytes("d" + i), 0, 2).putValue(new byte[0], 0, 0);
            return e.encodedLength();
        });
    }

    private static byte[] batch(final byte[] first, final byte[] second)
    {
        return encode((b, h) ->
        {
            final CommitBatchEncoder e = new CommitBatchEncoder().wrapAndApplyHeader(b, 0, h);
            e.recordsCount(2).next().putRecord(first, 0, first.length).next().putRecord(second, 0, second.length);
            return e.encodedLength();
        });
    }

    private static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
