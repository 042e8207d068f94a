package io.stardust.conformance;

import io.stardust.client.AuthenticationException;
import io.stardust.client.ClientConfig;
import io.stardust.client.CommitRecord;
import io.stardust.client.RejectedException;
import io.stardust.client.StardustClient;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.server.auth.AuthFile;
import io.stardust.test.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Members started with an authentication file: no credentials, wrong credentials, a tenant reaching into another
 * tenant's tables, and a database owner doing an administrator's work are each refused with a clear error and change
 * nothing, through the Java client and through JDBC; and no password appears in the members' logs, the Raft log or
 * the snapshots, where the salted verifiers do.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SecurityIT
{
    private static final String ADMIN_PASSWORD = "Adm1n-planted-secret-7319";
    private static final String ANN_PASSWORD = "ann-planted-secret-4482";
    private static final String BOB_PASSWORD = "bob-planted-secret-9051";

    @Test
    void shouldLetNoOneIntoADatabaseThatIsNotTheirs() throws Exception
    {
        final Path dir = Files.createTempDirectory("stardust-auth-");
        final Path authFile = dir.resolve("auth.properties");
        AuthFile.write(authFile, "admin", ADMIN_PASSWORD.toCharArray());
        try (ProcessCluster cluster = new ProcessCluster(3).withStartOptions("--auth-file=" + authFile))
        {
            cluster.startAll(true);
            try (StardustClient admin = cluster.connect((c) -> c.credentials("admin", ADMIN_PASSWORD.toCharArray())))
            {
                cluster.leaderOf(admin);
                admin.createDatabase("sales", "ann", ANN_PASSWORD.toCharArray(), "dc1").get(60, TimeUnit.SECONDS);
                admin.createDatabase("hr", "bob", BOB_PASSWORD.toCharArray(), "dc1").get(60, TimeUnit.SECONDS);
                admin.createTable("kv").get(60, TimeUnit.SECONDS);
                admin.run((txn) -> txn.put("kv", "k", "admin's"));

                refusesMissingAndWrongCredentials(cluster);
                try (StardustClient ann = connect(cluster, "sales", "ann", ANN_PASSWORD);
                    StardustClient bob = connect(cluster, "hr", "bob", BOB_PASSWORD))
                {
                    ann.createTable("orders").get(60, TimeUnit.SECONDS);
                    bob.createTable("orders").get(60, TimeUnit.SECONDS);
                    ann.run((txn) -> txn.put("orders", "o1", "ann's order"));
                    bob.run((txn) -> txn.put("orders", "o1", "bob's order"));
                    assertEquals("ann's order", ann.run((txn) -> txn.get("orders", "o1")));
                    refusesOtherTenantsTables(ann, bob);
                    refusesAdministratorsWork(ann);
                    assertEquals("bob's order", bob.run((txn) -> txn.get("orders", "o1")), "nothing changed");
                    assertEquals("admin's", admin.run((txn) -> txn.get("kv", "k")), "nothing changed");
                }
                refusesOverJdbc(cluster);
                admin.run((txn) -> txn.put("kv", "after", "all"));
                final int leader = cluster.leaderOf(admin);
                io.stardust.test.Await.until("the snapshot request placed", java.time.Duration.ofSeconds(30),
                    () -> cluster.requestSnapshot(leader));
                awaitSnapshots(cluster);
                keepsNoPassword(cluster);
            }
        }
    }

    private static StardustClient connect(final ProcessCluster cluster, final String database, final String user,
        final String password)
    {
        return direct(cluster, (c) -> c.database(database).credentials(user, password.toCharArray()));
    }

    /** A client as an application makes one: a refusal is its exception, not a test failure. */
    private static StardustClient direct(final ProcessCluster cluster,
        final java.util.function.UnaryOperator<ClientConfig> configure)
    {
        return StardustClient.connect(configure.apply(new ClientConfig().clusterSpec(cluster.spec())
            .connectTimeout(java.time.Duration.ofSeconds(30))));
    }

    private static void refusesMissingAndWrongCredentials(final ProcessCluster cluster)
    {
        final AuthenticationException none = assertThrows(AuthenticationException.class,
            () -> direct(cluster, (c) -> c));
        assertTrue(none.getMessage().contains("requires authentication"), none.getMessage());
        final AuthenticationException wrong = assertThrows(AuthenticationException.class,
            () -> connect(cluster, "sales", "ann", "not-her-password"));
        assertTrue(wrong.getMessage().contains("refused user \"ann\" of database \"sales\""), wrong.getMessage());
        final AuthenticationException notOwner = assertThrows(AuthenticationException.class,
            () -> connect(cluster, "hr", "ann", ANN_PASSWORD));
        assertTrue(notOwner.getMessage().contains("refused user \"ann\" of database \"hr\""), notOwner.getMessage());

        // Reads go to the members' read endpoints: they say exactly why.
        try (StardustClient reader = direct(cluster, (c) -> c.lazySession(true)))
        {
            final RejectedException anonymous = assertThrows(RejectedException.class,
                () -> reader.begin().get("kv", "k".getBytes(UTF_8)));
            assertEquals(ErrorCode.NOT_AUTHENTICATED, anonymous.code(), anonymous.getMessage());
        }
        try (StardustClient reader = direct(cluster, (c) -> c.lazySession(true).database("sales")
            .credentials("ann", "not-her-password".toCharArray())))
        {
            final AuthenticationException refused = assertThrows(AuthenticationException.class,
                () -> reader.begin().get("orders", "o1".getBytes(UTF_8)));
            assertTrue(refused.getMessage().contains("password authentication failed for user \"ann\""),
                refused.getMessage());
        }
        try (StardustClient reader = direct(cluster, (c) -> c.lazySession(true).database("nope")
            .credentials("ann", ANN_PASSWORD.toCharArray())))
        {
            final AuthenticationException refused = assertThrows(AuthenticationException.class,
                () -> reader.begin().get("orders", "o1".getBytes(UTF_8)));
            assertTrue(refused.getMessage().contains("database \"nope\" does not exist"), refused.getMessage());
        }
    }

    /** Ann names bob's table outright: her reads and her writes are refused by the members, not by her client. */
    private static void refusesOtherTenantsTables(final StardustClient ann, final StardustClient bob)
        throws Exception
    {
        final RejectedException read = assertThrows(RejectedException.class,
            () -> ann.begin().get("hr/orders", "o1".getBytes(UTF_8)));
        assertEquals(ErrorCode.NOT_AUTHORIZED, read.code(), read.getMessage());
        assertTrue(read.getMessage().contains("may not read hr/orders"), read.getMessage());
        final RejectedException defaultTable = assertThrows(RejectedException.class,
            () -> ann.begin().get("kv", "k".getBytes(UTF_8)));
        assertTrue(defaultTable.getMessage().contains("sales/kv"), "her own database has no kv: " +
            defaultTable.getMessage());

        final ExecutionException write = assertThrows(ExecutionException.class, () -> ann.commit(new CommitRecord(0,
            ann.sessionEpoch(), List.of(), List.of(), List.of(new CommitRecord.Write("hr/orders",
            "o1".getBytes(UTF_8), "ann was here".getBytes(UTF_8))))).get(30, TimeUnit.SECONDS));
        assertInstanceOf(RejectedException.class, write.getCause());
        assertEquals(ErrorCode.NOT_AUTHORIZED, ((RejectedException)write.getCause()).code());
        assertTrue(write.getCause().getMessage().contains("may not write hr/orders"), write.getCause().getMessage());

        final ExecutionException ddl = assertThrows(ExecutionException.class,
            () -> ann.changeSchema(new io.stardust.catalog.SchemaChange.DropTable("hr/orders", false))
                .get(30, TimeUnit.SECONDS));
        assertTrue(ddl.getCause().getMessage().contains("may not change hr/orders"), ddl.getCause().getMessage());
        assertEquals("bob's order", bob.run((txn) -> txn.get("orders", "o1")));
    }

    private static void refusesAdministratorsWork(final StardustClient ann) throws Exception
    {
        for (final java.util.concurrent.Callable<?> attempt : List.<java.util.concurrent.Callable<?>>of(
            () -> ann.moveDatabase("sales", "dc1").get(30, TimeUnit.SECONDS),
            () -> ann.createDatabase("mine", "ann", ANN_PASSWORD.toCharArray(), "dc1").get(30, TimeUnit.SECONDS),
            () -> ann.dropDatabase("hr").get(30, TimeUnit.SECONDS),
            () -> ann.setBatchWindow(5_000).get(30, TimeUnit.SECONDS)))
        {
            final ExecutionException refused = assertThrows(ExecutionException.class, attempt::call);
            assertInstanceOf(RejectedException.class, refused.getCause());
            assertEquals(ErrorCode.NOT_AUTHORIZED, ((RejectedException)refused.getCause()).code());
            assertTrue(refused.getCause().getMessage().contains("only the cluster administrator"),
                refused.getCause().getMessage());
        }
        final ExecutionException knob = assertThrows(ExecutionException.class, () -> ann.setKnob(0,
            io.stardust.protocol.codecs.Knob.WORKERS, 2).get(30, TimeUnit.SECONDS));
        assertEquals(ErrorCode.NOT_AUTHORIZED, ((RejectedException)knob.getCause()).code());
        final ExecutionException tenants = assertThrows(ExecutionException.class,
            () -> ann.tenants(0).get(30, TimeUnit.SECONDS));
        assertEquals(ErrorCode.NOT_AUTHORIZED, ((RejectedException)tenants.getCause()).code());
    }

    private static void refusesOverJdbc(final ProcessCluster cluster) throws Exception
    {
        final String sales = io.stardust.jdbc.StardustDriver.url(cluster.spec(), "sales");
        final String hr = io.stardust.jdbc.StardustDriver.url(cluster.spec(), "hr");
        try (Connection c = DriverManager.getConnection(sales, credentials("ann", ANN_PASSWORD));
            Statement s = c.createStatement())
        {
            s.execute("CREATE TABLE items (id INT PRIMARY KEY)");
            s.execute("INSERT INTO items VALUES (1)");
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM items"))
            {
                assertTrue(rs.next());
                assertEquals(1, rs.getLong(1));
            }
            final SQLException other = assertThrows(SQLException.class,
                () -> s.executeQuery("SELECT * FROM \"hr/orders\""));
            assertEquals("42P01", other.getSQLState(), other.getMessage());
        }
        final SQLException wrong = assertThrows(SQLException.class,
            () -> DriverManager.getConnection(sales, credentials("ann", "not-her-password")));
        assertEquals("28P01", wrong.getSQLState(), wrong.getMessage());
        final SQLException none = assertThrows(SQLException.class, () -> DriverManager.getConnection(sales));
        assertTrue(none.getSQLState().startsWith("28"), none.getSQLState() + " " + none.getMessage());
        final SQLException elsewhere = assertThrows(SQLException.class,
            () -> DriverManager.getConnection(hr, credentials("ann", ANN_PASSWORD)));
        assertTrue(elsewhere.getSQLState().startsWith("28"), elsewhere.getSQLState() + " " + elsewhere.getMessage());
    }

    private static Properties credentials(final String user, final String password)
    {
        final Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        return p;
    }

    private static void awaitSnapshots(final ProcessCluster cluster)
    {
        io.stardust.test.Await.until("a snapshot on every member", java.time.Duration.ofSeconds(60), () ->
        {
            for (int m = 0; m < 3; m++)
            {
                if (cluster.snapshotCount(m) < 1)
                {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * No password in any member's log, Raft log (archive), snapshot or storage file; the verifiers are there, which
     * shows the search reads the files the log and snapshots are in.
     */
    private static void keepsNoPassword(final ProcessCluster cluster) throws Exception
    {
        final List<String> secrets = List.of(ADMIN_PASSWORD, ANN_PASSWORD, BOB_PASSWORD);
        for (int m = 0; m < 3; m++)
        {
            for (final String secret : secrets)
            {
                assertTrue(!cluster.log(m).contains(secret), "member " + m + "'s log holds a password");
            }
        }
        int filesSearched = 0;
        boolean verifierFound = false;
        final List<String> leaks = new ArrayList<>();
        for (int m = 0; m < 3; m++)
        {
            final List<File> files = new ArrayList<>();
            collect(cluster.dataDir(m), files);
            for (final File f : files)
            {
                final byte[] bytes = Files.readAllBytes(f.toPath());
                filesSearched++;
                for (final String secret : secrets)
                {
                    if (contains(bytes, secret.getBytes(StandardCharsets.UTF_8)))
                    {
                        leaks.add(f + " holds " + secret.substring(0, 6) + "...");
                    }
                }
                verifierFound |= contains(bytes, "scram-sha-256:4096:".getBytes(StandardCharsets.UTF_8));
            }
        }
        assertTrue(leaks.isEmpty(), "passwords on disk: " + leaks);
        assertTrue(filesSearched > 10 && verifierFound, "searched " + filesSearched + " files; the verifiers " +
            "must be found in the log or snapshots, or the search looked in the wrong place");
    }

    private static void collect(final File dir, final List<File> out)
    {
        final File[] children = dir.listFiles();
        if (children == null)
        {
            return;
        }
        for (final File f : children)
        {
            if (f.isDirectory())
            {
                collect(f, out);
            }
            else if (f.length() < 256L << 20)
            {
                out.add(f);
            }
        }
    }

    static boolean contains(final byte[] haystack, final byte[] needle)
    {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++)
        {
            for (int j = 0; j < needle.length; j++)
            {
                if (haystack[i + j] != needle[j])
                {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
