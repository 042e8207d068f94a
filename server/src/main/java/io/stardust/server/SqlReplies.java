package io.stardust.server;

import io.aeron.Publication;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.SqlResponseEncoder;
import org.agrona.ExpandableDirectByteBuffer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Encodes a SqlResponse and offers it on a client's response publication, from a gateway thread. */
final class SqlReplies
{
    private static final long SEND_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);
    private static final ThreadLocal<ExpandableDirectByteBuffer> BUFFERS =
        ThreadLocal.withInitial(() -> new ExpandableDirectByteBuffer(64 * 1024));

    private SqlReplies()
    {
    }

    /**
     * @return true when the reply went out; false when the client is gone or the reply is larger than its
     * connection carries.
     */
    static boolean send(final Publication publication, final long correlationId, final byte[] response)
    {
        final ExpandableDirectByteBuffer buffer = BUFFERS.get();
        final SqlResponseEncoder e = new SqlResponseEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId).putResponse(response, 0, response.length);
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        if (length > publication.maxMessageLength())
        {
            return false;
        }
        final long giveUpNs = System.nanoTime() + SEND_TIMEOUT_NS;
        while (true)
        {
            final long result = publication.offer(buffer, 0, length);
            if (result > 0)
            {
                return true;
            }
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED ||
                System.nanoTime() - giveUpNs > 0)
            {
                return false;
            }
            LockSupport.parkNanos(20_000);
        }
    }
}
