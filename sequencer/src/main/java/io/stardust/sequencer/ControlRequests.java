package io.stardust.sequencer;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answers to recent control requests, by request id, so that a request sent again after a leader change (the
 * client cannot know whether the old leader appended it) gets its original answer and is not applied twice. Replicated
 * state: entries are added and evicted in log order alone, so every replica remembers the same ones. A request sent
 * again after {@link #REMEMBERED} newer control requests is treated as new.
 */
final class ControlRequests
{
    /** Control requests remembered at most. */
    static final int REMEMBERED = 4096;

    /** What a control request was answered. */
    record Ack(long effectiveEpoch, long catalogVersion, long batchWindowMicros, String detail)
    {
    }

    private final LinkedHashMap<Long, Ack> acks = new LinkedHashMap<>();

    /**
     * @param requestId the request's id; 0 is never remembered.
     * @return its original answer, or null.
     */
    Ack get(final long requestId)
    {
        return requestId == 0 ? null : acks.get(requestId);
    }

    void put(final long requestId, final Ack ack)
    {
        if (requestId == 0)
        {
            return;
        }
        acks.put(requestId, ack);
        if (acks.size() > REMEMBERED)
        {
            final Iterator<Map.Entry<Long, Ack>> oldest = acks.entrySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    int size()
    {
        return acks.size();
    }

    void clear()
    {
        acks.clear();
    }

    void write(final DataOutputStream out) throws IOException
    {
        out.writeInt(acks.size());
        for (final Map.Entry<Long, Ack> e : acks.entrySet())
        {
            out.writeLong(e.getKey());
            out.writeLong(e.getValue().effectiveEpoch());
            out.writeLong(e.getValue().catalogVersion());
            out.writeLong(e.getValue().batchWindowMicros());
            out.writeUTF(e.getValue().detail());
        }
    }

    void read(final DataInputStream in) throws IOException
    {
        clear();
        final int count = in.readInt();
        if (count < 0 || count > REMEMBERED)
        {
            throw new IOException("snapshot remembers " + count + " control requests; at most " + REMEMBERED);
        }
        for (int i = 0; i < count; i++)
        {
            final long requestId = in.readLong();
            acks.put(requestId, new Ack(in.readLong(), in.readLong(), in.readLong(), in.readUTF()));
        }
    }
}
