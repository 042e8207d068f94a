package io.stardust.conformance;

import io.stardust.client.CommitInfo;
import io.stardust.client.RawReply;
import io.stardust.client.RejectedException;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.protocol.codecs.CommitBatchEncoder;
import io.stardust.protocol.codecs.CommitRequestEncoder;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.protocol.codecs.ErrorResponseDecoder;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.WriteOp;
import io.stardust.server.StardustMember;
import io.stardust.test.TestCluster;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input gets a clear error naming the problem; nothing is applied; the cluster keeps serving.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BadInputIT
{
    private static final int SERVER_MAX_TXN_BYTES = 64 * 1024;

    private static TestCluster cluster;
    private static StardustClient client;
    private long checksumBefore;
    private long committedBefore;

    @BeforeAll
    static void start()
    {
        cluster = TestCluster.builder()
            .members(3)
            .configure((config) -> config.sequencer().maxTransactionBytes(SERVER_MAX_TXN_BYTES))
            .start();
        cluster.awaitLeader();
        // The client's own limit is higher, so that oversized transactions reach the server.
        client = cluster.newClient((config) -> config.maxTransactionBytes(4 * 1024 * 1024));
        client.createTable("kv").join();
    }

    @AfterAll
    static void stop()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @BeforeEach
    void recordState()
    {
        final Transaction tx = client.begin();
        tx.put("kv", b("before"), b("1"));
        cluster.awaitApplied(tx.commitSync().epoch());
        checksumBefore = cluster.member(0).storage().checksum();
        committedBefore = cluster.member(0).service().committedCount();
    }

    @AfterEach
    void shouldHaveAppliedNothingAndKeepServing()
    {
        for (final StardustMember m : cluster.members())
        {
            assertEquals(checksumBefore, m.storage().checksum(), "state of member " + m.memberId() + " changed");
            assertEquals(committedBefore, m.service().committedCount());
        }
        final Transaction tx = client.begin();
        tx.put("kv", b("after"), b("still serving"));
        final CommitInfo info = tx.commitSync();
        cluster.awaitApplied(info.epoch());
        assertArrayEquals(b("still serving"), client.begin().get("kv", b("after")));
    }

    static byte[] b(final String s)
    {
        return s.getBytes(UTF_8);
    }

    private static RawReply send(final byte[] frame, final long correlationId) throws Exception
    {
        return client.sendRawIngress(frame, correlationId).get(30, TimeUnit.SECONDS);
    }

    @Test
    void shouldRejectFrameShorterThanHeader() throws Exception
    {
        final RawReply reply = send(new byte[] {1, 2, 3}, -1);
        assertEquals(ErrorResponseDecoder.TEMPLATE_ID, reply.templateId());
        assertEquals(ErrorCode.MALFORMED_MESSAGE, reply.errorCode());
        assertTrue(reply.message().contains("shorter than the 8-byte message header"), reply.message());
    }

    @Test
    void shouldRejectUnknownTemplateId() throws Exception
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        new MessageHeaderEncoder().wrap(buffer, 0).blockLength(8).templateId(999)
            .schemaId(MessageHeaderEncoder.SCHEMA_ID).version(MessageHeaderEncoder.SCHEMA_VERSION);
        buffer.putLong(8, 4242);
        final RawReply reply = send(Arrays.copyOf(buffer.byteArray(), 16), 4242);
        assertEquals(ErrorCode.UNKNOWN_TEMPLATE, reply.errorCode());
        assertTrue(reply.message().contains("template id 999"), reply.message());
    }

    @Test
    void shouldRejectCommitWhoseGroupCountRunsPastTheFrame() throws Exception
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        final CommitRequestEncoder encoder = new CommitRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(777).txnId(1).catalogVersion(0).snapshotEpoch(0);
        encoder.readsCount(0);
        encoder.rangesCount(0);
        final CommitRequestEncoder.WritesEncoder writes = encoder.writesCount(1);
        writes.next().op(WriteOp.PUT).table("kv").putKey(b("lying"), 0, 5).putValue(b("v"), 0, 1);
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        final byte[] frame = Arrays.copyOf(buffer.byteArray(), length);
        // Claim 500 writes where there is one.
        final int writesGroupOffset = MessageHeaderEncoder.ENCODED_LENGTH + CommitRequestEncoder.BLOCK_LENGTH + 4 + 4;
        frame[writesGroupOffset + 2] = (byte)0xF4;
        frame[writesGroupOffset + 3] = 0x01;
        final RawReply reply = send(frame, 777);
        assertEquals(ErrorCode.MALFORMED_MESSAGE, reply.errorCode());
        assertTrue(reply.message().startsWith("malformed message of " + length + " bytes"), reply.message());
    }

    private static byte[] commitFrame(final long correlationId, final String table, final String key)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        final CommitRequestEncoder encoder = new CommitRequestEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .correlationId(correlationId).txnId(correlationId).catalogVersion(0).snapshotEpoch(0);
        encoder.readsCount(0);
        encoder.rangesCount(0);
        encoder.writesCount(1).next().op(WriteOp.PUT).table(table).putKey(b(key), 0, key.length())
            .putValue(b("v"), 0, 1);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }

    private static byte[] batchFrame(final byte[]... records)
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        final CommitBatchEncoder encoder = new CommitBatchEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder());
        final CommitBatchEncoder.RecordsEncoder group = encoder.recordsCount(records.length);
        for (final byte[] record : records)
        {
            group.next().putRecord(record, 0, record.length);
        }
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }

    @Test
    void shouldRefuseBatchWithBrokenFramingWholeEvenItsValidRecords() throws Exception
    {
        final byte[] frame = batchFrame(commitFrame(901, "kv", "batch-valid"), commitFrame(902, "kv", "batch-2"));
        // Make the last record claim more bytes than the frame holds.
        final int lastLengthOffset = frame.length - commitFrame(902, "kv", "batch-2").length - 4;
        frame[lastLengthOffset + 1] = 0x7F;
        final RawReply reply = send(frame, -1);
        assertEquals(ErrorCode.MALFORMED_MESSAGE, reply.errorCode());
        assertTrue(reply.message().contains("record 1 of a batch of 2 runs past the end"), reply.message());
    }

    @Test
    void shouldRefuseEachBadRecordOfABatchOnItsOwn() throws Exception
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer();
        final io.stardust.protocol.codecs.CreateTableEncoder create = new io.stardust.protocol.codecs
            .CreateTableEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder()).correlationId(912)
            .name("smuggled");
        final byte[] control = Arrays.copyOf(buffer.byteArray(),
            MessageHeaderEncoder.ENCODED_LENGTH + create.encodedLength());
        final byte[] frame = batchFrame(control, commitFrame(911, "no_such_table", "k"));
        final RawReply reply = send(frame, 911);
        assertEquals(ErrorCode.UNKNOWN_TABLE, reply.errorCode());
        assertTrue(reply.message().contains("'no_such_table'"), reply.message());
        assertEquals(null, cluster.member(0).service().catalog().table("smuggled"),
            "a control record inside a batch must be refused");
    }

    @Test
    void shouldRejectTransactionOverTheSizeLimit()
    {
        final Transaction tx = client.begin();
        tx.put("kv", b("big"), new byte[SERVER_MAX_TXN_BYTES + 1]);
        final RejectedException ex = assertThrows(RejectedException.class, tx::commitSync);
        assertEquals(ErrorCode.TXN_TOO_LARGE, ex.code());
        assertTrue(ex.getMessage().contains("exceeds the limit of " + SERVER_MAX_TXN_BYTES + " bytes"),
            ex.getMessage());
    }

    @Test
    void shouldRejectTransactionOnUnknownTable()
    {
        final Transaction tx = client.begin();
        tx.put("kv", b("half"), b("must not be applied"));
        tx.put("no_such_table", b("k"), b("v"));
        final RejectedException ex = assertThrows(RejectedException.class, tx::commitSync);
        assertEquals(ErrorCode.UNKNOWN_TABLE, ex.code());
        assertTrue(ex.getMessage().contains("unknown table 'no_such_table'"), ex.getMessage());
    }

    @Test
    void shouldRejectReadOfUnknownTable()
    {
        final Transaction tx = client.begin();
        final RejectedException ex = assertThrows(RejectedException.class, () -> tx.get("missing_table", b("k")));
        assertEquals(ErrorCode.UNKNOWN_TABLE, ex.code());
        assertTrue(ex.getMessage().contains("missing_table"), ex.getMessage());
    }

    @Test
    void shouldRejectDuplicateAndInvalidTableNames()
    {
        final RejectedException exists = assertThrows(RejectedException.class, () -> join(client.createTable("kv")));
        assertEquals(ErrorCode.TABLE_EXISTS, exists.code());
        final RejectedException invalid = assertThrows(RejectedException.class,
            () -> join(client.createTable("bad-name")));
        assertEquals(ErrorCode.INVALID_ARGUMENT, invalid.code());
        assertTrue(invalid.getMessage().contains("table name: invalid name 'bad-name'"), invalid.getMessage());
    }

    private static <T> T join(final java.util.concurrent.CompletableFuture<T> future)
    {
        try
        {
            return future.get(30, TimeUnit.SECONDS);
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            throw (RuntimeException)ex.getCause();
        }
        catch (final Exception ex)
        {
            throw new AssertionError(ex);
        }
    }
}
