package io.stardust.conformance;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.stardust.client.DigestInfo;
import io.stardust.client.MemberStatus;
import io.stardust.client.OneShot;
import io.stardust.client.OneShotResult;
import io.stardust.client.RejectedException;
import io.stardust.client.StardustClient;
import io.stardust.procedure.examples.Transfer;
import io.stardust.scheduler.Procedures;
import io.stardust.test.Await;
import io.stardust.test.ProcessCluster;
import io.stardust.test.procedures.Faulty;
import org.agrona.CloseHelper;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One-shot transactions on real member processes: 64 clients increment one hot key, and every acknowledged
 * increment is in the counter exactly once with no abort; a transfer fails its condition and only itself; bad
 * one-shots get clear errors; and the members' digests agree.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class OneShotIT
{
    private static final int CLIENTS = 64;
    private static final int INCREMENTS_EACH = 25;
    private static final int TRANSFERS_EACH = 10;

    @Test
    void shouldApplyEveryAcknowledgedHotKeyIncrementOnceWithoutAnAbort() throws Exception
    {
        final String driverDir = new File(System.getProperty("java.io.tmpdir"), "oneshot-" + UUID.randomUUID())
            .getPath();
        MediaDriver driver = null;
        final List<StardustClient> clients = new ArrayList<>();
        try (ProcessCluster cluster = new ProcessCluster(3))
        {
            cluster.startAll(true);
            // The 64 clients share one media driver, as processes on one host would share the host's.
            driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(driverDir)
                .threadingMode(ThreadingMode.SHARED).sharedIdleStrategy(new SleepingMillisIdleStrategy(1))
                .dirDeleteOnStart(true).dirDeleteOnShutdown(true));
            final StardustClient admin = cluster.connect((config) -> config);
            clients.add(admin);
            admin.createTable("counters").get(60, TimeUnit.SECONDS);
            final int leader = cluster.leaderOf(admin);
            final MemberStatus before = admin.status(leader).get(10, TimeUnit.SECONDS);
            for (int c = 1; c < CLIENTS; c++)
            {
                clients.add(cluster.connect((config) -> config.aeronDirectoryName(driverDir)));
            }

            final byte[] hot = "hot".getBytes(UTF_8);
            final AtomicLong acknowledged = new AtomicLong();
            final List<CompletableFuture<Void>> loops = new ArrayList<>();
            for (final StardustClient client : clients)
            {
                loops.add(CompletableFuture.runAsync(() ->
                {
                    for (int i = 0; i < INCREMENTS_EACH; i++)
                    {
                        client.incrementSync("counters", hot, 1);
                        acknowledged.incrementAndGet();
                    }
                }, (r) -> new Thread(r, "increments").start()));
            }
            for (final CompletableFuture<Void> loop : loops)
            {
                loop.get(4, TimeUnit.MINUTES);
            }
            assertEquals(CLIENTS * INCREMENTS_EACH, acknowledged.get(), "every increment was acknowledged");

            final OneShotResult read = admin.oneShot().get("counters", hot).commitSync();
            assertEquals(acknowledged.get(), read.counter(0), "the counter holds every acknowledged increment once");
            final MemberStatus after = admin.status(leader).get(10, TimeUnit.SECONDS);
            assertEquals(before.aborted(), after.aborted(), "the leader counted no abort");
            assertEquals(acknowledged.get() + 1, after.oneShots() - before.oneShots(),
                "every record was one-shot (the increments and the read)");
            assertEquals(0, after.conditionFailures() - before.conditionFailures());

            // A transfer the balance does not cover fails its condition, alone; one it covers moves the money.
            final byte[] a = "a".getBytes(UTF_8);
            final byte[] b = "b".getBytes(UTF_8);
            assertEquals(10, admin.incrementSync("counters", a, 10));
            assertFalse(admin.transferSync("counters", a, b, 11), "10 does not cover 11");
            assertTrue(admin.transferSync("counters", a, b, 4));
            final OneShotResult balances = admin.oneShot().get("counters", a).get("counters", b).commitSync();
            assertEquals(6, balances.counter(0));
            assertEquals(4, balances.counter(1));
            // Compare-and-set at the log position.
            final byte[] k = "cas".getBytes(UTF_8);
            assertTrue(admin.compareAndSetSync("counters", k, null, "one".getBytes(UTF_8)));
            assertFalse(admin.compareAndSetSync("counters", k, null, "two".getBytes(UTF_8)), "no longer absent");
            assertTrue(admin.compareAndSetSync("counters", k, "one".getBytes(UTF_8), "two".getBytes(UTF_8)));

            // Bad input: a clear refusal, and the cluster keeps serving.
            final ExecutionException unknown = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> admin.increment("no_such_table", hot, 1).get(30, TimeUnit.SECONDS));
            assertInstanceOf(RejectedException.class, unknown.getCause());
            assertTrue(unknown.getCause().getMessage().contains("no_such_table"), unknown.getCause().getMessage());
            assertEquals(acknowledged.get() + 1, admin.incrementSync("counters", hot, 1), "still serving");

            procedureCalls(admin, clients.subList(0, 16));

            final long[] epoch = {0};
            Await.until("every member applied the same epoch", Duration.ofSeconds(60), () ->
            {
                try
                {
                    final long e0 = admin.status(0).get(5, TimeUnit.SECONDS).appliedEpoch();
                    epoch[0] = e0;
                    return e0 == admin.status(1).get(5, TimeUnit.SECONDS).appliedEpoch() &&
                        e0 == admin.status(2).get(5, TimeUnit.SECONDS).appliedEpoch();
                }
                catch (final Exception ex)
                {
                    return false;
                }
            });
            final DigestInfo reference = admin.digest(0, epoch[0]).get(10, TimeUnit.SECONDS);
            for (int m = 1; m < 3; m++)
            {
                assertEquals(reference.digest(), admin.digest(m, epoch[0]).get(10, TimeUnit.SECONDS).digest(),
                    "digest of member " + m + " at epoch " + epoch[0]);
            }
            final long stored = ByteBuffer.wrap(admin.begin().get("counters", hot)).getLong();
            assertEquals(acknowledged.get() + 1, stored, "a validated read sees the same counter");
        }
        finally
        {
            CloseHelper.quietCloseAll(clients);
            CloseHelper.quietClose(driver);
        }
    }

    private static String hash(final Class<?> type)
    {
        return Procedures.sha256(Procedures.classBytes(type.getClassLoader(), type.getName()));
    }

    /**
     * Procedures registered through the log and called from many clients: transfers between a few accounts keep the
     * total, with no abort but those whose balance falls short; a throwing call and one that runs past its budget
     * abort only themselves; bad calls get clear refusals.
     */
    private static void procedureCalls(final StardustClient admin, final List<StardustClient> clients)
        throws Exception
    {
        assertTrue(admin.registerProcedure("transfer", 1, Transfer.class.getName(), hash(Transfer.class), 1_000)
            .get(30, TimeUnit.SECONDS).detail().startsWith("registered procedure transfer version 1"));
        assertTrue(admin.registerProcedure("faulty", 1, Faulty.class.getName(), hash(Faulty.class), 10_000)
            .get(30, TimeUnit.SECONDS).detail().startsWith("registered procedure faulty version 1"));
        final int accounts = 8;
        final List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < accounts; i++)
        {
            keys.add(("acct" + i).getBytes(UTF_8));
            admin.incrementSync("counters", keys.get(i), 100);
        }
        final AtomicLong moved = new AtomicLong();
        final AtomicLong shortfalls = new AtomicLong();
        final List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (int c = 0; c < clients.size(); c++)
        {
            final StardustClient client = clients.get(c);
            final int seed = c;
            loops.add(CompletableFuture.runAsync(() ->
            {
                final java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
                for (int i = 0; i < TRANSFERS_EACH; i++)
                {
                    final int from = random.nextInt(accounts);
                    final int to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
                    final OneShotResult r = client.callSync("transfer", 1, "counters",
                        List.of(keys.get(from), keys.get(to)), (long)random.nextInt(1, 60));
                    if (r.committed())
                    {
                        moved.incrementAndGet();
                    }
                    else
                    {
                        assertEquals("CONDITION_FAILED", r.abortReason(), r.message());
                        assertTrue(r.message().startsWith("balance "), r.message());
                        shortfalls.incrementAndGet();
                    }
                }
            }, (r) -> new Thread(r, "transfers").start()));
        }
        for (final CompletableFuture<Void> loop : loops)
        {
            loop.get(4, TimeUnit.MINUTES);
        }
        long total = 0;
        final OneShot read = admin.oneShot();
        keys.forEach((k) -> read.get("counters", k));
        final OneShotResult balances = read.commitSync();
        for (int i = 0; i < accounts; i++)
        {
            assertTrue(balances.counter(i) >= 0, "no balance went below 0");
            total += balances.counter(i);
        }
        assertEquals(100L * accounts, total, "the transfers kept the total");
        assertEquals((long)TRANSFERS_EACH * clients.size(), moved.get() + shortfalls.get());
        assertTrue(moved.get() > 0, "some transfers moved money");

        // A throwing call and one that runs past its budget abort only themselves; the next call runs.
        final byte[] f = "faulty".getBytes(UTF_8);
        assertTrue(admin.callSync("faulty", 1, "counters", List.of(f), 0L).committed());
        final OneShotResult threw = admin.callSync("faulty", 1, "counters", List.of(f), 1L);
        assertEquals("PROCEDURE_FAILED", threw.abortReason());
        assertEquals("faulty version 1 threw java.lang.IllegalStateException: planted failure at 1", threw.message());
        final OneShotResult spun = admin.callSync("faulty", 1, "counters", List.of(f), 2L);
        assertEquals("STEP_BUDGET_EXCEEDED", spun.abortReason());
        assertEquals("faulty version 1 ran past its step budget of 10000", spun.message());
        assertEquals(2, admin.callSync("faulty", 1, "counters", List.of(f), 0L).counter(0),
            "neither aborted call left anything");

        // Bad calls are refused whole, each naming its problem.
        refused("unknown procedure 'nope': no version of it is registered",
            admin.call("nope", 1, "counters", List.of(f), 0L));
        refused("procedure 'faulty' has no version 2 registered (registered: [1])",
            admin.call("faulty", 2, "counters", List.of(f), 0L));
        refused("procedure 'faulty' version 1 takes 1 argument(s) (LONG); the call passed 2",
            admin.call("faulty", 1, "counters", List.of(f), 0L, 1L));
        refused("procedure 'faulty' version 1 takes (LONG); argument 0 is a STRING, not a LONG",
            admin.call("faulty", 1, "counters", List.of(f), "zero"));
        assertEquals(3, admin.callSync("faulty", 1, "counters", List.of(f), 0L).counter(0), "still serving");
    }

    private static void refused(final String message, final CompletableFuture<OneShotResult> call)
    {
        final ExecutionException ex = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
            () -> call.get(30, TimeUnit.SECONDS));
        assertInstanceOf(RejectedException.class, ex.getCause());
        assertTrue(ex.getCause().getMessage().contains(message), ex.getCause().getMessage());
    }
}
