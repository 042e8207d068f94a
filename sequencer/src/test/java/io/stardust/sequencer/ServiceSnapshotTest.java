package io.stardust.sequencer;

import io.stardust.protocol.codecs.BooleanType;
import io.stardust.protocol.codecs.MessageHeaderDecoder;
import io.stardust.protocol.codecs.SnapshotChunkDecoder;
import io.stardust.storage.Storage;
import io.stardust.storage.StorageConfig;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The snapshot stream as the service writes it (chunked, checksummed) and reads it back; the checksum catches a
 * flipped byte and a missing tail.
 */
class ServiceSnapshotTest
{
    @TempDir
    File dir;

    private Storage storage;
    private Storage otherStorage;

    @BeforeEach
    void open()
    {
        storage = new Storage(new StorageConfig().directory(new File(dir, "a")));
        otherStorage = new Storage(new StorageConfig().directory(new File(dir, "b")));
    }

    @AfterEach
    void close()
    {
        storage.close();
        otherStorage.close();
    }

    @Test
    void shouldCutTheStreamIntoChunksThatReassembleToWhatWasWritten() throws Exception
    {
        final List<byte[]> payloads = new ArrayList<>();
        final List<Boolean> lastFlags = new ArrayList<>();
        final SnapshotChunkOutput out = new SnapshotChunkOutput(collect(payloads, lastFlags),
            NoOpIdleStrategy.INSTANCE, 0, 10);
        final byte[] content = new byte[95];
        for (int i = 0; i < content.length; i++)
        {
            content[i] = (byte)(i * 7);
        }
        out.write(content, 0, 40);
        out.write(content[40]);
        out.write(content, 41, 54);
        final long total = out.finish();

        assertEquals(95 + 8, total);
        assertEquals(11, payloads.size(), "95 bytes and an 8-byte checksum in chunks of 10");
        for (int i = 0; i < lastFlags.size(); i++)
        {
            assertEquals(i == lastFlags.size() - 1, lastFlags.get(i), "last flag of chunk " + i);
        }
        final byte[] stream = concat(payloads);
        assertArrayEquals(content, Arrays.copyOf(stream, 95));
        final java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(content);
        assertEquals(crc.getValue(), java.nio.ByteBuffer.wrap(stream, 95, 8).getLong());
    }

    @Test
    void shouldReadBackWhatTheServiceWrote() throws Exception
    {
        final StardustService service = new StardustService(0, "dc1", new SequencerConfig(), storage, 1);
        final byte[] stream = snapshotOf(service);
        final StardustService restored = new StardustService(1, "dc1", new SequencerConfig(), otherStorage, 1);
        ServiceSnapshot.decode(stream, restored);
        assertEquals(service.lastDigest(), restored.lastDigest());
        assertEquals(service.batchWindowMicros(), restored.batchWindowMicros());
    }

    @Test
    void shouldRefuseASnapshotWithAFlippedByte() throws Exception
    {
        final byte[] stream = snapshotOf(new StardustService(0, "dc1", new SequencerConfig(), storage, 1));
        stream[stream.length / 2] ^= 0x10;
        final StardustService restored = new StardustService(1, "dc1", new SequencerConfig(), otherStorage, 1);
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> ServiceSnapshot.decode(stream, restored));
        assertTrue(ex.getMessage().contains("checksum mismatch"), ex.getMessage());
    }

    @Test
    void shouldRefuseATruncatedSnapshot() throws Exception
    {
        final byte[] stream = snapshotOf(new StardustService(0, "dc1", new SequencerConfig(), storage, 1));
        final StardustService restored = new StardustService(1, "dc1", new SequencerConfig(), otherStorage, 1);
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> ServiceSnapshot.decode(Arrays.copyOf(stream, stream.length - 5), restored));
        assertTrue(ex.getMessage().contains("checksum mismatch"), ex.getMessage());
    }

    private static byte[] snapshotOf(final StardustService service) throws Exception
    {
        final List<byte[]> payloads = new ArrayList<>();
        final SnapshotChunkOutput out = new SnapshotChunkOutput(collect(payloads, new ArrayList<>()),
            NoOpIdleStrategy.INSTANCE, 0, 64);
        final DataOutputStream data = new DataOutputStream(out);
        ServiceSnapshot.write(data, service);
        data.flush();
        out.finish();
        return concat(payloads);
    }

    private static SnapshotChunkOutput.ChunkPublisher collect(final List<byte[]> payloads, final List<Boolean> last)
    {
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final SnapshotChunkDecoder chunk = new SnapshotChunkDecoder();
        return (buffer, offset, length) ->
        {
            header.wrap(buffer, offset);
            chunk.wrapAndApplyHeader(buffer, offset, header);
            assertEquals(payloads.size(), chunk.sequence(), "chunks in sequence");
            last.add(chunk.last() == BooleanType.TRUE);
            final byte[] payload = new byte[chunk.payloadLength()];
            chunk.getPayload(payload, 0, payload.length);
            payloads.add(payload);
            return 1;
        };
    }

    private static byte[] concat(final List<byte[]> parts)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        parts.forEach(bytes::writeBytes);
        return bytes.toByteArray();
    }
}
