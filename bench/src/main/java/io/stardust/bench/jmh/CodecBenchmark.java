package io.stardust.bench.jmh;

import io.stardust.protocol.codecs.CommitRequestDecoder;
import io.stardust.protocol.codecs.CommitRequestEncoder;
import io.stardust.protocol.codecs.MessageHeaderDecoder;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.WriteOp;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * SBE encode and decode of a commit record: {@code keys} reads and {@code keys} writes of 14-byte keys and 100-byte
 * values (a YCSB-F record has one of each).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.MISC, JvmFlags.LANG, JvmFlags.REFLECT, JvmFlags.NIO_CH, JvmFlags.JAVAC,
    JvmFlags.REF, JvmFlags.IO, JvmFlags.NIO, JvmFlags.NIO_CH_OPEN, JvmFlags.UTIL, JvmFlags.ANALYTICS,
    JvmFlags.DISK_MONITOR, JvmFlags.ANNOUNCER})
@State(Scope.Thread)
public class CodecBenchmark
{
    @Param({"1", "16"})
    int keys;

    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final CommitRequestEncoder encoder = new CommitRequestEncoder();
    private final CommitRequestDecoder decoder = new CommitRequestDecoder();
    private final byte[] scratch = new byte[256];
    private byte[][] keyBytes;
    private byte[] value;

    @Setup
    public void setUp()
    {
        keyBytes = new byte[keys][];
        for (int i = 0; i < keys; i++)
        {
            keyBytes[i] = String.format("user%010d", i * 7919L).getBytes(StandardCharsets.UTF_8);
        }
        value = new byte[100];
        encode();
    }

    @Benchmark
    public int encode()
    {
        encoder.wrapAndApplyHeader(buffer, 0, headerEncoder).correlationId(1).txnId(42).catalogVersion(1)
            .snapshotEpoch(1000);
        final CommitRequestEncoder.ReadsEncoder reads = encoder.readsCount(keys);
        for (final byte[] key : keyBytes)
        {
            reads.next().versionEpoch(999).versionIndex(3).table("usertable").putKey(key, 0, key.length);
        }
        encoder.rangesCount(0);
        final CommitRequestEncoder.WritesEncoder writes = encoder.writesCount(keys);
        for (final byte[] key : keyBytes)
        {
            writes.next().op(WriteOp.PUT).table("usertable").putKey(key, 0, key.length).putValue(value, 0,
                value.length);
        }
        return encoder.encodedLength();
    }

    @Benchmark
    public long decode()
    {
        headerDecoder.wrap(buffer, 0);
        decoder.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        long sum = decoder.txnId() + decoder.snapshotEpoch();
        for (final CommitRequestDecoder.ReadsDecoder r : decoder.reads())
        {
            sum += r.versionEpoch() + r.versionIndex();
            sum += r.getTable(scratch, 0, scratch.length);
            sum += r.getKey(scratch, 0, scratch.length);
        }
        for (final CommitRequestDecoder.RangesDecoder r : decoder.ranges())
        {
            sum += r.skipTable();
        }
        for (final CommitRequestDecoder.WritesDecoder w : decoder.writes())
        {
            sum += w.op().value();
            sum += w.getTable(scratch, 0, scratch.length);
            sum += w.getKey(scratch, 0, scratch.length);
            sum += w.getValue(scratch, 0, scratch.length);
        }
        return sum;
    }
}
