package io.stardust.conformance;

import io.stardust.client.CommitInfo;
import io.stardust.client.ConflictException;
import io.stardust.client.DigestInfo;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.server.StardustMember;
import io.stardust.test.LogRecorder;
import io.stardust.test.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replicas are a pure function of the log: equal digests on every member whatever its worker count, and the same
 * outcomes and digests when a recorded log is replayed through 1, 2 and 4 workers.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DeterminismIT
{
    private static final int CLIENTS = 4;
    private static final int TXNS_PER_CLIENT = 2_500;
    private static final int KEYS = 300;

    @TempDir
    File replayDir;

    @Test
    void shouldKeepDigestsEqualOnAllReplicasAfterTenThousandRandomTransactions() throws Exception
    {
        final LogRecorder recorder = new LogRecorder();
        try (TestCluster cluster = TestCluster.builder()
            .members(3)
            .configure((config) -> config.workers(new int[] {1, 2, 4}[config.memberId()]))
            .start())
        {
            cluster.member(0).service().addListener(recorder);
            cluster.awaitLeader();
            final StardustClient admin = cluster.newClient();
            admin.createTable("t").join();
            admin.createTable("u").join();

            final AtomicLong committed = new AtomicLong();
            final AtomicLong aborted = new AtomicLong();
            final List<Thread> threads = new ArrayList<>();
            final List<Throwable> failures = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++)
            {
                final StardustClient client = cluster.newClient((config) -> config.preferredMember(-1));
                final long seed = 1000 + c;
                final Thread t = new Thread(() ->
                {
                    try
                    {
                        runRandomTransactions(client, seed, committed, aborted);
                    }
                    catch (final Throwable ex)
                    {
                        synchronized (failures)
                        {
                            failures.add(ex);
                        }
                    }
                }, "client-" + c);
                threads.add(t);
                t.start();
            }
            for (final Thread t : threads)
            {
                t.join();
            }
            assertTrue(failures.isEmpty(), () -> "client failures: " + failures);
            assertEquals(CLIENTS * TXNS_PER_CLIENT, committed.get() + aborted.get());
            assertTrue(committed.get() > 0 && aborted.get() > 0,
                "a meaningful run has both outcomes: committed=" + committed + " aborted=" + aborted);

            final long last = cluster.embedded().maxAppliedEpoch();
            cluster.awaitApplied(last);
            final StardustMember reference = cluster.member(0);
            for (final StardustMember m : cluster.members())
            {
                for (long epoch = Math.max(1, last - 1000); epoch <= last; epoch++)
                {
                    assertEquals(reference.service().digestAt(epoch), m.service().digestAt(epoch),
                        "digest of epoch " + epoch + " on member " + m.memberId() + " (" + m.config().workers() +
                        " workers)");
                }
                assertEquals(reference.storage().checksum(), m.storage().checksum(),
                    "storage checksum of member " + m.memberId());
                // The same comparison over the wire, as an operator would do it.
                final DigestInfo remote = admin.digest(m.memberId(), last).get(10, TimeUnit.SECONDS);
                assertTrue(remote.found());
                assertEquals((long)reference.service().digestAt(last), remote.digest());
            }

            // Replay the recorded log through fresh schedulers with 1, 2 and 4 workers.
            recorder.awaitEpoch(last);
            final List<LogRecorder.Event> log = recorder.events();
            final List<LogRecorder.Trace> recorded = LogRecorder.traces(log);
            assertEquals(last, recorded.get(recorded.size() - 1).epoch());
            for (final int workers : new int[] {1, 2, 4})
            {
                final List<LogRecorder.Trace> replayed = LogRecorder.replay(log, new File(replayDir, "w" + workers),
                    workers);
                assertNull(LogRecorder.firstDivergence(recorded, replayed), "replay with " + workers + " workers");
            }
        }
    }

    /**
     * Pipelined random transactions: read one to three keys, write some of them and maybe a blind write, with up
     * to 32 in flight, so many share an epoch and conflict.
     */
    private static void runRandomTransactions(
        final StardustClient client, final long seed, final AtomicLong committed, final AtomicLong aborted)
        throws InterruptedException
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final Semaphore inFlight = new Semaphore(32);
        final List<CompletableFuture<?>> all = new ArrayList<>();
        for (int i = 0; i < TXNS_PER_CLIENT; i++)
        {
            inFlight.acquire();
            final Transaction tx = client.begin();
            final int reads = 1 + random.nextInt(3);
            final String table = random.nextInt(4) == 0 ? "u" : "t";
            for (int r = 0; r < reads; r++)
            {
                final byte[] key = ("k" + random.nextInt(KEYS)).getBytes(UTF_8);
                final byte[] value = tx.get(table, key);
                if (random.nextBoolean())
                {
                    final int next = value == null ? 1 : Integer.parseInt(new String(value, UTF_8)) + 1;
                    tx.put(table, key, Integer.toString(next).getBytes(UTF_8));
                }
                else if (random.nextInt(10) == 0)
                {
                    tx.delete(table, key);
                }
            }
            if (random.nextInt(5) == 0)
            {
                tx.put("u", ("blind" + random.nextInt(KEYS)).getBytes(UTF_8), ("v" + i).getBytes(UTF_8));
            }
            tx.put("t", ("log-" + seed + "-" + i).getBytes(UTF_8), new byte[] {1});
            final CompletableFuture<CommitInfo> commit = tx.commit();
            all.add(commit.handle((info, error) ->
            {
                inFlight.release();
                if (error == null)
                {
                    committed.incrementAndGet();
                    return null;
                }
                final Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                if (cause instanceof ConflictException)
                {
                    aborted.incrementAndGet();
                    return null;
                }
                throw new CompletionException(cause);
            }));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).join();
    }
}
