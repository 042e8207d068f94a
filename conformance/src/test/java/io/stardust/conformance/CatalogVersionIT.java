package io.stardust.conformance;

import io.stardust.catalog.ColumnType;
import io.stardust.catalog.KeyCodec;
import io.stardust.catalog.Keys;
import io.stardust.catalog.RowCodec;
import io.stardust.catalog.SchemaChange;
import io.stardust.catalog.TableDef;
import io.stardust.client.CatalogInfo;
import io.stardust.client.ControlResult;
import io.stardust.client.DigestInfo;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.test.NetworkProxy;
import io.stardust.test.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Schema changes through the log on real member processes: a client's reads carry the catalog version it has seen,
 * so a member that lacks it answers BEHIND within a short bound and the read goes on to another member, instead of
 * UNKNOWN_TABLE or a wait past the client's timeout; and an index filled from existing rows gives equal digests on
 * every member.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CatalogVersionIT
{
    private static final SchemaChange.CreateTable ACCOUNTS = new SchemaChange.CreateTable("accounts", List.of(
        new SchemaChange.ColumnSpec("id", ColumnType.BIGINT, false),
        new SchemaChange.ColumnSpec("owner", ColumnType.varchar(20), true)), List.of("id"), false);

    @Test
    void shouldMoveAReadOffAMemberThatLacksTheSessionsCatalogVersion() throws Exception
    {
        try (ProcessCluster cluster = new ProcessCluster(3).withNetworkProxy())
        {
            cluster.startAll(true);
            final NetworkProxy network = cluster.network();
            try (StardustClient admin = cluster.connect((config) -> config))
            {
                admin.createTable("kv").get(60, TimeUnit.SECONDS);
                final int leader = cluster.leaderOf(admin);
                final int lagging = (leader + 1) % 3;
                cluster.awaitAllApplied(admin, admin.sessionEpoch(), Duration.ofSeconds(30));
                try (StardustClient session = cluster.connect((config) -> config
                    .preferredMember(lagging)
                    .readTimeout(Duration.ofSeconds(5))))
                {
                    // Connected first: a client connects through every member's ingress.
                    network.isolate(lagging);
                    final ControlResult created = session.changeSchema(ACCOUNTS).get(60, TimeUnit.SECONDS);
                    assertEquals(created.catalogVersion(), session.sessionCatalogVersion());
                    assertTrue(session.status(lagging).get(10, TimeUnit.SECONDS).catalogVersion() <
                        created.catalogVersion(), "the cut-off member must lack the new table");

                    final long start = System.nanoTime();
                    final Transaction read = session.begin();
                    assertNull(read.get("accounts", new byte[] {1}), "an empty table, not UNKNOWN_TABLE");
                    final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertNotEquals(lagging, session.readMember(), "the read must have moved on");
                    assertTrue(millis < 4_000, "answered BEHIND and moved on well inside the 5 s read timeout, " +
                        "took " + millis + " ms");
                }
                finally
                {
                    network.heal();
                }
            }
        }
    }

    @Test
    void shouldFillAnIndexFromExistingRowsWithEqualDigestsOnEveryMember() throws Exception
    {
        try (ProcessCluster cluster = new ProcessCluster(3))
        {
            cluster.startAll(true);
            try (StardustClient client = cluster.connect((config) -> config))
            {
                final long created = client.changeSchema(ACCOUNTS).get(60, TimeUnit.SECONDS).catalogVersion();
                // Member 0 may still be applying the change (it would answer BEHIND): ask once it has it.
                io.stardust.test.Await.until("member 0 applied catalog version " + created, Duration.ofSeconds(30),
                    () ->
                    {
                        try
                        {
                            return client.status(0).get(10, TimeUnit.SECONDS).catalogVersion() >= created;
                        }
                        catch (final Exception ex)
                        {
                            return false;
                        }
                    });
                final TableDef accounts = client.catalog(0).get(30, TimeUnit.SECONDS).definition().table("accounts");
                for (long id = 1; id <= 300; id++)
                {
                    final Object[] row = {id, "owner" + (id % 17)};
                    final Transaction txn = client.begin();
                    txn.put("accounts", Keys.primaryKey(accounts, row), RowCodec.encode(accounts, row));
                    txn.commitSync();
                }
                final ControlResult indexed = client.changeSchema(
                    new SchemaChange.CreateIndex("by_owner", "accounts", false, List.of("owner"), false))
                    .get(60, TimeUnit.SECONDS);
                assertTrue(indexed.detail().contains("300 entries filled in epoch "), indexed.detail());
                final long fillEpoch = indexed.effectiveEpoch() - 1;
                cluster.awaitAllApplied(client, fillEpoch, Duration.ofSeconds(60));
                final DigestInfo first = client.digest(0, fillEpoch).get(10, TimeUnit.SECONDS);
                assertTrue(first.found(), "member 0 keeps the fill epoch's digest");
                for (int m = 1; m < 3; m++)
                {
                    assertEquals(first.digest(), client.digest(m, fillEpoch).get(10, TimeUnit.SECONDS).digest(),
                        "member " + m + "'s digest after the fill");
                }
                final CatalogInfo catalog = client.catalog(2).get(10, TimeUnit.SECONDS);
                final TableDef withIndex = catalog.definition().table("accounts");
                final byte[] prefix = KeyCodec.encode(List.of(ColumnType.varchar(20)), "owner3");
                final int entries = client.begin().scan("by_owner", prefix, KeyCodec.prefixEnd(prefix), 1000).size();
                assertEquals(300 / 17 + (300 % 17 >= 3 ? 1 : 0), entries, "entries of one owner in " + withIndex);
            }
        }
    }
}
