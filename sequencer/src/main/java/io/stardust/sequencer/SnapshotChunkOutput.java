package io.stardust.sequencer;

import io.aeron.Publication;
import io.stardust.protocol.codecs.BooleanType;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.SnapshotChunkEncoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.IdleStrategy;

import java.io.OutputStream;
import java.util.zip.CRC32;

/**
 * The service snapshot's byte stream, cut into {@code SnapshotChunk} messages as it is written and offered to the
 * snapshot publication at once, closed by a CRC32 of everything before it.
 * <p>
 * The stream is never held whole in memory: the service used to build it in a byte array, copy it twice (for the
 * checksum and for chunking) and only then publish it, through a synchronized stream, which tripled the time the
 * cluster waits for a snapshot. Not thread safe; the service thread writes it.
 */
final class SnapshotChunkOutput extends OutputStream
{
    private final ChunkPublisher publication;
    private final IdleStrategy idleStrategy;
    private final int memberId;
    private final byte[] chunk;
    private final ExpandableDirectByteBuffer sendBuffer;
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final SnapshotChunkEncoder encoder = new SnapshotChunkEncoder();
    private final CRC32 crc = new CRC32();
    private int fill;
    private int sequence;
    private long bytes;
    private boolean finished;

    /**
     * @param publication  the snapshot publication ({@code ExclusivePublication::offer}).
     * @param idleStrategy used while the publication is back-pressured.
     * @param memberId     for errors.
     * @param chunkBytes   payload bytes per chunk.
     */
    SnapshotChunkOutput(
        final ChunkPublisher publication, final IdleStrategy idleStrategy, final int memberId, final int chunkBytes)
    {
        this.publication = publication;
        this.idleStrategy = idleStrategy;
        this.memberId = memberId;
        this.chunk = new byte[chunkBytes];
        this.sendBuffer = new ExpandableDirectByteBuffer(chunkBytes + 64);
    }

    @Override
    public void write(final int b)
    {
        if (fill == chunk.length)
        {
            publish(false);
        }
        chunk[fill++] = (byte)b;
    }

    @Override
    public void write(final byte[] source, final int offset, final int length)
    {
        int done = 0;
        while (done < length)
        {
            if (fill == chunk.length)
            {
                publish(false);
            }
            final int n = Math.min(length - done, chunk.length - fill);
            System.arraycopy(source, offset + done, chunk, fill, n);
            fill += n;
            done += n;
        }
    }

    /**
     * Append the checksum and publish the last chunk. Call once, after the last write.
     *
     * @return bytes in the stream, checksum included.
     */
    long finish()
    {
        if (finished)
        {
            throw new IllegalStateException("snapshot stream already finished");
        }
        // The checksum covers everything before it; it may start a chunk of its own.
        if (fill + 8 > chunk.length)
        {
            publish(false);
        }
        crc.update(chunk, 0, fill);
        final long value = crc.getValue();
        for (int shift = 56; shift >= 0; shift -= 8)
        {
            chunk[fill++] = (byte)(value >>> shift);
        }
        finished = true;
        publish(true);
        return bytes;
    }

    private void publish(final boolean last)
    {
        if (!last)
        {
            crc.update(chunk, 0, fill);
        }
        encoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .sequence(sequence++)
            .last(last ? BooleanType.TRUE : BooleanType.FALSE)
            .putPayload(chunk, 0, fill);
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        idleStrategy.reset();
        long result;
        while ((result = publication.offer(sendBuffer, 0, length)) < 0)
        {
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
            {
                throw new IllegalStateException("member " + memberId + ": snapshot publication refused (" + result +
                    ") at chunk " + (sequence - 1));
            }
            idleStrategy.idle();
        }
        bytes += fill;
        fill = 0;
    }

    /** Where chunks go: the snapshot publication's {@code offer}. */
    @FunctionalInterface
    interface ChunkPublisher
    {
        /**
         * @return a new position when accepted, or a negative {@link Publication} code.
         */
        long offer(DirectBuffer buffer, int offset, int length);
    }
}
