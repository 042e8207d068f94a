package io.stardust.conformance;

import io.stardust.client.ControlResult;
import io.stardust.client.RejectedException;
import io.stardust.client.StardustClient;
import io.stardust.client.TenantInfo;
import io.stardust.client.Transaction;
import io.stardust.test.Await;
import io.stardust.test.ProcessCluster;
import io.stardust.test.WanCluster;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Databases (tenants) on three datacenters, run by {@link DatacenterIT} on its cluster: created through the log with a
 * home datacenter; each keeps its tables to itself (the same table name in two databases holds two tables, through
 * the Java client and through SQL); a client bound to a database reads at its home's member; a database moved under
 * load loses no transaction and applies none twice, and its reads follow it; bad moves get clear errors.
 */
final class TenantChecks
{
    private static final int WRITERS = 4;

    private TenantChecks()
    {
    }

    /**
     * @param cluster a {@link WanCluster} whose default database has the key-value table {@code kv}.
     * @param admin   a client of it.
     */
    static void run(final ProcessCluster cluster, final StardustClient admin) throws Exception
    {
        cluster.leaderOf(admin);
        assertTrue(admin.createDatabase("sales", "ann", null, "dc2").get(60, TimeUnit.SECONDS).detail()
            .contains("created database sales"));
        admin.createDatabase("hr", "bob", null, "dc3").get(60, TimeUnit.SECONDS);
        badInput(admin);

        isolates(cluster);
        servesAtHome(cluster, "sales", 1);
        movesUnderLoad(cluster, admin);
        isolatesInSql(cluster);

        final TenantInfo tenants = admin.tenants(0).get(10, TimeUnit.SECONDS);
        assertEquals(List.of("default", "hr", "sales"),
            tenants.databases().stream().map(TenantInfo.Database::name).toList());
        assertTrue(tenants.database("sales").commits() > 0, "sales's commits are counted");

        final ControlResult dropped = admin.dropDatabase("hr").get(60, TimeUnit.SECONDS);
        assertTrue(dropped.detail().contains("dropped database hr with its 1 table"), dropped.detail());
        try (StardustClient hr = cluster.connect((config) -> config.database("hr")))
        {
            final RejectedException gone = assertThrows(RejectedException.class,
                () -> hr.begin().get("orders", "k".getBytes(UTF_8)));
            assertTrue(gone.getMessage().contains("hr/orders"), gone.getMessage());
        }
        idleDatabaseIsParkedAndComesHome(cluster, admin);
    }

    /**
     * The controller with tenant placement on, live: a database nobody uses is parked in the datacenter with the least
     * headroom (dc3's budget is the tightest), and comes home when a client starts reading it.
     */
    private static void idleDatabaseIsParkedAndComesHome(final ProcessCluster cluster, final StardustClient admin)
        throws Exception
    {
        admin.createDatabase("quiet", "q", null, "dc1").get(60, TimeUnit.SECONDS);
        try (StardustClient quiet = cluster.connect((config) -> config.database("quiet").datacenter("dc1")))
        {
            quiet.createTable("kv").get(60, TimeUnit.SECONDS);
        }
        final io.stardust.resourcectl.PowerModel member = io.stardust.resourcectl.PowerModel.defaults(2);
        final long now = System.currentTimeMillis();
        final io.stardust.resourcectl.ControlState budgets = new io.stardust.resourcectl.ControlState(true, null,
            java.util.Map.of("dc1", io.stardust.resourcectl.BudgetSpec.watts(40, now),
                "dc2", io.stardust.resourcectl.BudgetSpec.watts(40, now),
                "dc3", io.stardust.resourcectl.BudgetSpec.watts(25, now)));
        final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
        final io.stardust.resourcectl.LiveController live = new io.stardust.resourcectl.LiveController(
            new io.stardust.resourcectl.ClientPlant(admin, 3, 2, 0), member, WanCluster.DATACENTERS,
            io.stardust.resourcectl.ControllerConfig.defaults(1), new io.stardust.resourcectl.OvershootLedger(60),
            null, null, () -> budgets, now, true, log::add)
            .placement(new io.stardust.resourcectl.TenantPlacement(1.0, 3, 0.1, 3));
        try
        {
            final double[] t = {0};
            Await.until(() -> "quiet parked in dc3; the controller's log:\n" + String.join("\n", log),
                Duration.ofSeconds(60), () -> stepThenHome(live, t, admin, "dc3"));
            assertTrue(String.join("\n", log).contains("quiet dc1 -> dc3: idle"), String.join("\n", log));
            final AtomicBoolean reading = new AtomicBoolean(true);
            try (StardustClient reader = cluster.connect((config) -> config.database("quiet")))
            {
                final Thread load = new Thread(() ->
                {
                    while (reading.get())
                    {
                        reader.begin().getAsync("kv", "k".getBytes(UTF_8));
                        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                    }
                }, "quiet-reader");
                load.start();
                try
                {
                    Await.until(() -> "quiet home again once read; the controller's log:\n" +
                        String.join("\n", log), Duration.ofSeconds(60), () -> stepThenHome(live, t, admin, "dc1"));
                }
                finally
                {
                    reading.set(false);
                    load.join(10_000);
                }
            }
            assertTrue(String.join("\n", log).contains("quiet dc3 -> dc1: awake again"), String.join("\n", log));
        }
        finally
        {
            for (int m = 0; m < 3; m++)
            {
                admin.setKnob(m, io.stardust.protocol.codecs.Knob.CPU_QUOTA_MILLICORES, 0).get(10, TimeUnit.SECONDS);
            }
        }
    }

    /** One period of the test's controller; @return true when database quiet is then served from {@code dc}. */
    private static boolean stepThenHome(final io.stardust.resourcectl.LiveController live, final double[] t,
        final StardustClient admin, final String dc)
    {
        pacePeriod();
        try
        {
            live.step(t[0]++);
            return dc.equals(admin.tenants(0).get(10, TimeUnit.SECONDS).database("quiet").home());
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** A control period of the test's controller: rates are taken over it (the interval, not a wait for a condition). */
    private static void pacePeriod()
    {
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
    }

    private static void badInput(final StardustClient admin) throws Exception
    {
        final ExecutionException unknownDc = assertThrows(ExecutionException.class,
            () -> admin.moveDatabase("sales", "dc9").get(30, TimeUnit.SECONDS));
        assertInstanceOf(IllegalArgumentException.class, unknownDc.getCause());
        assertTrue(unknownDc.getCause().getMessage().contains("unknown datacenter 'dc9'; the cluster's are [dc1, " +
            "dc2, dc3]"), unknownDc.getCause().getMessage());
        final ExecutionException empty = assertThrows(ExecutionException.class,
            () -> admin.createDatabase("x", "ann", null, "").get(30, TimeUnit.SECONDS));
        assertTrue(empty.getCause().getMessage().contains("empty datacenter label"), empty.getCause().getMessage());
        final ExecutionException noSuch = assertThrows(ExecutionException.class,
            () -> admin.moveDatabase("nope", "dc1").get(30, TimeUnit.SECONDS));
        assertInstanceOf(RejectedException.class, noSuch.getCause());
        assertTrue(noSuch.getCause().getMessage().contains("database nope does not exist"),
            noSuch.getCause().getMessage());
        final ExecutionException twice = assertThrows(ExecutionException.class,
            () -> admin.createDatabase("sales", "x", null, "dc1").get(30, TimeUnit.SECONDS));
        assertTrue(twice.getCause().getMessage().contains("database sales already exists"),
            twice.getCause().getMessage());
        assertEquals("dc2", admin.tenants(0).get(10, TimeUnit.SECONDS).database("sales").home(),
            "nothing changed");
    }

    /** The same table name in two databases and the default one: three tables. */
    private static void isolates(final ProcessCluster cluster) throws Exception
    {
        try (StardustClient sales = cluster.connect((config) -> config.database("sales"));
            StardustClient hr = cluster.connect((config) -> config.database("hr")))
        {
            sales.createTable("orders").get(60, TimeUnit.SECONDS);
            hr.createTable("orders").get(60, TimeUnit.SECONDS);
            sales.run((txn) -> txn.put("orders", "k", "sales"));
            hr.run((txn) -> txn.put("orders", "k", "hr"));
            assertEquals("sales", sales.run((txn) -> txn.get("orders", "k")));
            assertEquals("hr", hr.run((txn) -> txn.get("orders", "k")));
            final RejectedException other = assertThrows(RejectedException.class,
                () -> sales.begin().get("kv", "k".getBytes(UTF_8)));
            assertTrue(other.getMessage().contains("sales/kv"), "a table of the default database is not in sales: " +
                other.getMessage());
        }
    }

    /** A client in dc1 bound to a database at home in {@code dc} reads at that datacenter's member. */
    private static void servesAtHome(final ProcessCluster cluster, final String database, final int homeMember)
        throws Exception
    {
        try (StardustClient client = cluster.connect((config) -> config.database(database).datacenter("dc1")))
        {
            client.refreshTopology().get(10, TimeUnit.SECONDS);
            client.refreshTopology().get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 20; i++)
            {
                client.run((txn) -> txn.get("orders", "k"));
            }
            assertEquals(20, client.routing().served()[homeMember], "reads of " + database + " served at member " +
                homeMember + ": " + java.util.Arrays.toString(client.routing().served()));
        }
    }

    /**
     * Writers increment counters in sales (a read and a write each) while sales moves from dc2 to dc3: every
     * acknowledged increment is in the final values exactly once, and afterwards the reads are served in dc3.
     */
    private static void movesUnderLoad(final ProcessCluster cluster, final StardustClient admin) throws Exception
    {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong acknowledged = new AtomicLong();
        final List<Long> latenciesBefore = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<Long> latenciesDuring = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean moving = new AtomicBoolean();
        final List<Thread> writers = new ArrayList<>();
        final List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        try (StardustClient sales = cluster.connect((config) -> config.database("sales").datacenter("dc1")))
        {
            sales.createTable("counters").get(60, TimeUnit.SECONDS);
            for (int w = 0; w < WRITERS; w++)
            {
                final byte[] counter = ("counter-" + w).getBytes(UTF_8); // one per writer: no conflicts between them
                final Thread t = new Thread(() ->
                {
                    while (running.get())
                    {
                        final long start = System.nanoTime();
                        try
                        {
                            sales.run((txn) ->
                            {
                                final byte[] value = txn.get("counters", counter);
                                final long next = (value == null ? 0 : Long.parseLong(new String(value, UTF_8))) + 1;
                                txn.put("counters", counter, Long.toString(next).getBytes(UTF_8));
                                return null;
                            });
                            acknowledged.incrementAndGet();
                            (moving.get() ? latenciesDuring : latenciesBefore).add(System.nanoTime() - start);
                        }
                        catch (final RuntimeException ex)
                        {
                            failures.add(ex);
                        }
                    }
                }, "writer-" + w);
                t.start();
                writers.add(t);
            }
            Await.until("increments before the move", Duration.ofSeconds(60), () -> acknowledged.get() >= 50);
            moving.set(true);
            final long moveStart = System.nanoTime();
            final ControlResult moved = admin.moveDatabase("sales", "dc3").get(60, TimeUnit.SECONDS);
            assertTrue(moved.detail().contains("served from dc3 (was dc2)"), moved.detail());
            Await.until(() -> "reads of sales served from dc3; routing " + sales.routing().members(),
                Duration.ofSeconds(30), () -> "dc3".equals(sales.routing().servingDatacenter()));
            final long movedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - moveStart);
            final long at = acknowledged.get();
            Await.until("increments after the move", Duration.ofSeconds(60), () -> acknowledged.get() >= at + 50);
            running.set(false);
            for (final Thread t : writers)
            {
                t.join(30_000);
            }
            final long[] servedAfter = sales.routing().served();
            long finalValue = 0;
            for (int w = 0; w < WRITERS; w++)
            {
                final String key = "counter-" + w;
                finalValue += Long.parseLong(sales.run((txn) -> txn.get("counters", key)));
            }
            assertEquals(acknowledged.get(), finalValue, "every acknowledged increment exactly once (failures: " +
                failures.size() + " " + (failures.isEmpty() ? "" : failures.get(0)) + ")");
            assertTrue(servedAfter[2] > 0, "dc3's member serves sales after the move");
            System.out.printf("%nTenant move under load: %d increments acknowledged, %d failed; reads followed the " +
                "move in %d ms; commit p99 %.1f ms before, %.1f ms during and after%n", acknowledged.get(),
                failures.size(), movedMs, p99(latenciesBefore), p99(latenciesDuring));
        }
        finally
        {
            running.set(false);
        }
    }

    private static double p99(final List<Long> nanos)
    {
        final long[] sorted;
        synchronized (nanos)
        {
            sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        }
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, sorted.length * 99 / 100)] / 1e6;
    }

    /** SQL sessions bound to a database see its tables only; an unknown database is 3D000. */
    private static void isolatesInSql(final ProcessCluster cluster) throws Exception
    {
        final String url = io.stardust.jdbc.StardustDriver.url(cluster.spec(), "sales");
        final String defaultUrl = io.stardust.jdbc.StardustDriver.url(cluster.spec(), "default");
        try (Connection sales = DriverManager.getConnection(url); Statement s = sales.createStatement())
        {
            s.execute("CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20))");
            s.execute("INSERT INTO items VALUES (1, 'pen')");
            try (ResultSet rs = s.executeQuery("SELECT name FROM items WHERE id = 1"))
            {
                assertTrue(rs.next());
                assertEquals("pen", rs.getString(1));
            }
            try (ResultSet rs = sales.getMetaData().getTables(null, null, "%", null))
            {
                final List<String> names = new ArrayList<>();
                while (rs.next())
                {
                    names.add(rs.getString("TABLE_NAME"));
                }
                assertEquals(List.of("items"), names, "sales's SQL tables only");
            }
        }
        try (Connection other = DriverManager.getConnection(defaultUrl); Statement s = other.createStatement())
        {
            final SQLException missing = assertThrows(SQLException.class, () -> s.executeQuery("SELECT * FROM items"));
            assertEquals("42P01", missing.getSQLState(), missing.getMessage());
            s.execute("CREATE TABLE items (id INT PRIMARY KEY)");
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM items"))
            {
                assertTrue(rs.next());
                assertEquals(0, rs.getLong(1), "the default database's own items table");
            }
        }
        final SQLException unknown = assertThrows(SQLException.class,
            () -> DriverManager.getConnection(io.stardust.jdbc.StardustDriver.url(cluster.spec(), "nope")));
        assertEquals("3D000", unknown.getSQLState(), unknown.getMessage());
    }
}
