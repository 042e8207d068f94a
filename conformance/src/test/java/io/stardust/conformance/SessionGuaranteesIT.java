package io.stardust.conformance;

import io.stardust.client.RejectedException;
import io.stardust.client.StardustClient;
import io.stardust.client.StardustTimeoutException;
import io.stardust.client.Transaction;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.test.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A session never reads older state than it already read, even when its reads move to a replica that lags: the
 * conformance suite found a read-only transaction served at an older snapshot than the same session's previous one
 * (G-single-process, seed 29643276537405), after its reads moved off a paused member.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SessionGuaranteesIT
{
    private static final byte[] KEY = "k".getBytes(UTF_8);
    private static final byte[] NEW = "new".getBytes(UTF_8);

    @Test
    void shouldNotReadOlderStateAfterMovingToALaggingReplica() throws Exception
    {
        try (ProcessCluster cluster = new ProcessCluster(3))
        {
            cluster.startAll(true);
            try (StardustClient writer = cluster.connect((config) -> config))
            {
                writer.createTable("kv").get(60, TimeUnit.SECONDS);
                final int leader = cluster.leaderOf(writer);
                final int reader = (leader + 1) % 3;
                final int lagging = (reader + 1) % 3;
                try (StardustClient session = cluster.connect((config) -> config
                    .preferredMember(reader)
                    .readTimeout(Duration.ofSeconds(3))))
                {
                    cluster.pause(lagging);
                    // The leader and the reader are a quorum: the lagging member misses this write.
                    final Transaction write = writer.begin();
                    write.put("kv", KEY, NEW);
                    final long written = write.commitSync().epoch();

                    awaitReadOf(session, written);
                    final long seen = session.sessionEpoch();
                    assertTrue(seen >= written, "the session saw epoch " + seen + ", the write was at " + written);

                    // The reader stops answering: a read times out and the session moves its reads off it. The
                    // routing policy would pick the leader; pin them to the lagging member, which is still paused.
                    cluster.pause(reader);
                    assertThrows(StardustTimeoutException.class, () -> session.begin().get("kv", KEY));
                    assertNotEquals(reader, session.readMember(), "reads must move off the member that timed out");
                    session.routing().pin(lagging);
                    assertEquals(lagging, session.readMember(), "reads must go to the pinned member");
                    // This read waits in the lagging member's socket, which on resume answers it before or while it
                    // catches up on the log. Without a session epoch it would answer at its old state.
                    // If the lagging member goes into catch-up from the leader instead, it answers BEHIND and the
                    // read moves on: either way it must not answer at its old state.
                    final long servedBefore = session.routing().served()[lagging];
                    final java.util.concurrent.CompletableFuture<byte[]> read = session.begin().getAsync("kv", KEY);
                    cluster.resume(lagging);
                    final byte[] value = read.get(30, TimeUnit.SECONDS);
                    assertArrayEquals(NEW, value, "the session read older state than it had already seen (served " +
                        "by the lagging member: " + (session.routing().served()[lagging] > servedBefore) + ")");
                    assertTrue(session.sessionEpoch() >= seen);
                }
                finally
                {
                    cluster.resume(reader);
                    cluster.resume(lagging);
                }
            }
        }
    }

    /**
     * The reader applies the write a little after the leader acknowledges it: read until it is there. The session
     * is another client than the one that created the table, so until the reader applies the table's creation its
     * reads are refused with UNKNOWN_TABLE: that counts as not there yet.
     */
    private static void awaitReadOf(final StardustClient session, final long epoch)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true)
        {
            byte[] value = null;
            try
            {
                final Transaction tx = session.begin();
                value = tx.get("kv", KEY);
                tx.commitSync();
            }
            catch (final RejectedException ex)
            {
                if (ex.code() != ErrorCode.UNKNOWN_TABLE)
                {
                    throw ex;
                }
            }
            if (value != null)
            {
                assertArrayEquals(NEW, value);
                return;
            }
            assertTrue(System.nanoTime() < deadline, "the reader did not apply epoch " + epoch + " in 30 s");
        }
    }
}
