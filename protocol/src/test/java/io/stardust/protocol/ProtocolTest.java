package io.stardust.protocol;

import io.stardust.protocol.codecs.CommitRequestDecoder;
import io.stardust.protocol.codecs.CommitRequestEncoder;
import io.stardust.protocol.codecs.MessageHeaderDecoder;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.WriteOp;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtocolTest
{
    @Test
    void shouldParseMembersWithDatacenterLabelsAndDefaultLabel()
    {
        final ClusterSpec spec = ClusterSpec.parse("0=a:20000@east, 1=b:20010, 2=c:20020@west");
        assertEquals(3, spec.size());
        assertEquals("east", spec.member(0).datacenter());
        assertEquals(ClusterSpec.DEFAULT_DATACENTER, spec.member(1).datacenter());
        assertEquals("c:20025", spec.member(2).readEndpoint());
        assertEquals("0=a:20001,1=b:20011,2=c:20021", spec.ingressEndpoints());
        assertEquals("0,a:20001,a:20002,a:20003,a:20004,a:20000|1,b:20011,b:20012,b:20013,b:20014,b:20010|" +
            "2,c:20021,c:20022,c:20023,c:20024,c:20020", spec.aeronClusterMembers());
        assertEquals(spec.toString(), ClusterSpec.parse(spec.toString()).toString());
    }

    @Test
    void shouldNameTheBadPartOfAClusterSpec()
    {
        assertTrue(message("").contains("empty"));
        assertTrue(message("0=localhost").contains("'0=localhost'"));
        assertTrue(message("0=h:x").contains("must be numbers"));
        assertTrue(message("1=h:20000").contains("0..n-1 in order"));
        assertTrue(message("0=h:70000").contains("bad base port 70000"));
        assertTrue(message("0=h:20000@").contains("empty datacenter"));
        assertThrows(IllegalArgumentException.class, () -> ClusterSpec.local("h", 20000, 3).member(3));
    }

    private static String message(final String spec)
    {
        return assertThrows(IllegalArgumentException.class, () -> ClusterSpec.parse(spec)).getMessage();
    }

    @Test
    void shouldPackVersionsInPositionOrder()
    {
        final long v = Versions.pack(123_456_789L, 54_321);
        assertEquals(123_456_789L, Versions.epoch(v));
        assertEquals(54_321, Versions.index(v));
        assertTrue(Versions.pack(5, Versions.MAX_EPOCH_TRANSACTIONS - 1) < Versions.pack(6, 0));
        assertTrue(Versions.pack(5, 1) < Versions.pack(5, 2));
        assertThrows(IllegalArgumentException.class, () -> Versions.pack(1, Versions.MAX_EPOCH_TRANSACTIONS));
        assertThrows(IllegalArgumentException.class, () -> Versions.pack(-1, 0));
        assertEquals("(5,2)", Versions.toString(Versions.pack(5, 2)));
    }

    @Test
    void shouldRoundTripCommitRequestAndKeepTheWireLayoutTheServerChecks()
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        final CommitRequestEncoder encoder = new CommitRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(9).txnId(77).catalogVersion(3).snapshotEpoch(12);
        encoder.readsCount(0);
        encoder.rangesCount(0);
        encoder.writesCount(2)
            .next().op(WriteOp.PUT).table("t").putKey(b("k1"), 0, 2).putValue(b("v1"), 0, 2)
            .next().op(WriteOp.DELETE).table("t").putKey(b("k2"), 0, 2).putValue(new byte[0], 0, 0);
        // The writes group's count, right after two empty groups: BadInputIT corrupts exactly this field.
        final int writesCountOffset = MessageHeaderEncoder.ENCODED_LENGTH + CommitRequestEncoder.BLOCK_LENGTH + 4 + 4 + 2;
        assertEquals(2, buffer.getShort(writesCountOffset));

        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        assertEquals(CommitRequestDecoder.TEMPLATE_ID, header.templateId());
        final CommitRequestDecoder decoder = new CommitRequestDecoder().wrapAndApplyHeader(buffer, 0, header);
        assertEquals(77, decoder.txnId());
        assertEquals(12, decoder.snapshotEpoch());
        assertEquals(0, decoder.reads().count());
        assertEquals(0, decoder.ranges().count());
        final CommitRequestDecoder.WritesDecoder writes = decoder.writes();
        assertEquals(2, writes.count());
        writes.next();
        assertEquals(WriteOp.PUT, writes.op());
        assertEquals("t", writes.table());
        final byte[] key = new byte[writes.keyLength()];
        writes.getKey(key, 0, key.length);
        assertArrayEquals(b("k1"), key);
    }

    @Test
    void shouldRejectAdaptiveIdleSettingsThatMakeNoSense()
    {
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveIdleStrategy(0, 10, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveIdleStrategy(10, 5, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveIdleStrategy(10, 20, 10, 0));
    }

    @Test
    void shouldTurnQuietAfterAWindowWithoutWorkAndBusyAfterAWindowWithWork()
    {
        // 1 ns windows: every idle call past spins and yields closes a window.
        final AdaptiveIdleStrategy idle = new AdaptiveIdleStrategy(1_000, 2_000, 1, 2);
        for (int i = 0; i < 20; i++)
        {
            idle.idle(0);
        }
        assertTrue(idle.isQuiet());
        idle.idle(1);
        idle.idle(1);
        for (int i = 0; i < 16; i++)
        {
            idle.idle(0);
        }
        assertTrue(!idle.isQuiet(), "two duty cycles with work in the window make it busy");
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(UTF_8);
    }
}
