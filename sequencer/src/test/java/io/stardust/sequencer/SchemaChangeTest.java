package io.stardust.sequencer;

import io.stardust.catalog.Catalog;
import io.stardust.catalog.CatalogCodec;
import io.stardust.catalog.ColumnType;
import io.stardust.catalog.KeyCodec;
import io.stardust.catalog.Keys;
import io.stardust.catalog.RowCodec;
import io.stardust.catalog.SchemaChange;
import io.stardust.catalog.TableDef;
import io.stardust.protocol.codecs.AbortReason;
import io.stardust.protocol.codecs.CommitResultDecoder;
import io.stardust.protocol.codecs.MessageHeaderDecoder;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.SchemaChangeEncoder;
import io.stardust.storage.Storage;
import io.stardust.storage.StorageConfig;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Schema changes through the service: applied between epochs, checked whole, indexes filled in an epoch of their own,
 * rows of SQL tables checked against the schema, and transactions planned against an older catalog aborted as such.
 */
class SchemaChangeTest extends ServiceHarness
{
    private static final SchemaChange.CreateTable ACCOUNTS = new SchemaChange.CreateTable("accounts", List.of(
        new SchemaChange.ColumnSpec("id", ColumnType.BIGINT, false),
        new SchemaChange.ColumnSpec("owner", ColumnType.varchar(10), false),
        new SchemaChange.ColumnSpec("balance", ColumnType.decimal(10, 2), true)), List.of("id"), false);

    @Test
    void shouldCreateASqlTableAndTakeOnlyRowsOfItsSchema()
    {
        assertEquals("created table accounts at catalog version 2", ack(send(schema(ACCOUNTS))));
        final TableDef accounts = service.catalog().table("accounts");
        assertTrue(commit(putRow(accounts, 1L, "ann", new BigDecimal("10.00"))), "a row of the schema commits");

        assertRefused("INVALID_ARGUMENT: write 0 to accounts: row of accounts has no value for NOT NULL column owner",
            putRow(accounts, 2L, null, null));
        assertRefused("INVALID_ARGUMENT: write 0 to accounts: value too long for column 'owner' VARCHAR(10): 11 " +
            "characters", putRow(accounts, 2L, "x".repeat(11), null));
        assertRefused("INVALID_ARGUMENT: write 0 to accounts: row of accounts has id = 3 but its key says 2",
            w -> w.put("accounts", key(accounts, 2L), RowCodec.encode(accounts, new Object[] {3L, "bob", null})));
        final String garbage = error(send(commitFrame(service.storage().appliedEpoch(), 0,
            w -> w.put("accounts", "not a key".getBytes(), new byte[] {1, 2}))));
        assertTrue(garbage.startsWith("INVALID_ARGUMENT: write 0 to accounts: key of table accounts is not an " +
            "encoded key of [BIGINT]"), garbage);
        assertEquals(1, rows(accounts.relationId()).size(), "nothing of a refused record is applied");
    }

    @Test
    void shouldFillANewIndexFromTheRowsInAnEpochOfItsOwn()
    {
        ack(send(schema(ACCOUNTS)));
        final TableDef accounts = service.catalog().table("accounts");
        assertTrue(commit(w ->
        {
            w.put("accounts", key(accounts, 1L), RowCodec.encode(accounts, new Object[] {1L, "cy", null}));
            w.put("accounts", key(accounts, 2L), RowCodec.encode(accounts, new Object[] {2L, "al", null}));
            w.put("accounts", key(accounts, 3L), RowCodec.encode(accounts, new Object[] {3L, "bo", null}));
        }));
        final long epochBefore = service.storage().appliedEpoch();
        final Long digestBefore = service.digestAt(epochBefore);
        final String ack = ack(send(schema(
            new SchemaChange.CreateIndex("by_owner", "accounts", false, List.of("owner"), false))));
        assertEquals("created index by_owner on accounts at catalog version 3; 3 entries filled in epoch " +
            (epochBefore + 1), ack);
        final TableDef indexed = service.catalog().table("accounts");
        final int relation = service.catalog().relation("by_owner").id();
        final List<String> owners = new ArrayList<>();
        for (final byte[] entry : rows(relation))
        {
            owners.add((String)KeyCodec.decode(Keys.entryTypes(indexed, indexed.index("by_owner")), entry)[0]);
        }
        assertEquals(List.of("al", "bo", "cy"), owners, "entries in the index's order");
        assertEquals(epochBefore + 1, service.storage().appliedEpoch());
        assertFalse(digestBefore.equals(service.digestAt(epochBefore + 1)), "the fill is part of the digest chain");
    }

    @Test
    void shouldRefuseAUniqueIndexOverRowsThatClashAndChangeNothing()
    {
        ack(send(schema(ACCOUNTS)));
        final TableDef accounts = service.catalog().table("accounts");
        assertTrue(commit(w ->
        {
            w.put("accounts", key(accounts, 1L), RowCodec.encode(accounts, new Object[] {1L, "al", null}));
            w.put("accounts", key(accounts, 2L), RowCodec.encode(accounts, new Object[] {2L, "al", null}));
        }));
        final long version = service.catalog().version();
        assertEquals("INVALID_ARGUMENT: cannot create unique index by_owner: more than one row of accounts has [al]",
            error(send(schema(new SchemaChange.CreateIndex("by_owner", "accounts", true, List.of("owner"), false)))));
        assertEquals(version, service.catalog().version());
        assertNull(service.catalog().relation("by_owner"));
        assertTrue(commit(putRow(accounts, 3L, "cy", null)), "and the service serves on");
    }

    @Test
    void shouldAbortATransactionPlannedBeforeItsTableChangedOrWasDropped()
    {
        ack(send(schema(ACCOUNTS)));
        final TableDef accounts = service.catalog().table("accounts");
        final long planned = service.catalog().version();
        ack(send(schema(new SchemaChange.CreateIndex("by_owner", "accounts", false, List.of("owner"), false))));
        assertEquals("SCHEMA_CHANGED accounts", outcome(send(commitFrame(service.storage().appliedEpoch(), planned,
            putRow(accounts, 1L, "al", null)))), "it does not keep the new index up");

        final long beforeDrop = service.catalog().version();
        ack(send(schema(new SchemaChange.DropTable("accounts", false))));
        assertEquals("SCHEMA_CHANGED accounts", outcome(send(commitFrame(service.storage().appliedEpoch(),
            beforeDrop, putRow(accounts, 1L, "al", null)))), "a dropped table is a schema change, not unknown");
        assertFalse(service.storage().hasTable(accounts.relationId()), "its storage is gone");
        assertEquals("created table accounts at catalog version " + (service.catalog().version() + 1),
            ack(send(schema(ACCOUNTS))), "and its name is free");
    }

    @Test
    void shouldRefuseMalformedAndUnacceptableChangesWithTheReason()
    {
        assertEquals("INVALID_ARGUMENT: malformed schema change: unknown schema change kind 11",
            error(send(schemaBytes(new byte[] {1, 11}))));
        assertEquals("TABLE_EXISTS: table kv already exists", error(send(schema(SchemaChange.CreateTable.keyValue(
            "kv")))));
        assertEquals("UNKNOWN_TABLE: table nope does not exist",
            error(send(schema(new SchemaChange.DropTable("nope", false)))));
        assertEquals("INVALID_ARGUMENT: table kv is a key-value table, without columns", error(send(schema(
            new SchemaChange.AddColumn("kv", new SchemaChange.ColumnSpec("c", ColumnType.BIGINT, true))))));
        assertEquals(1, service.catalog().version(), "nothing changed");
        assertTrue(commit(put("kv", "after", "v")), "and the service serves on");
    }

    @Test
    void shouldKeepTheWholeCatalogInTheSnapshot() throws Exception
    {
        ack(send(schema(ACCOUNTS)));
        ack(send(schema(new SchemaChange.CreateIndex("by_owner", "accounts", true, List.of("owner"), false))));
        ack(send(schema(new SchemaChange.DropTable("kv", false))));
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes))
        {
            ServiceSnapshot.write(out, service);
        }
        try (Storage other = new Storage(new StorageConfig().directory(new File(dir, "other"))))
        {
            final StardustService restored = new StardustService(1, "dc1", new SequencerConfig(), other, 1);
            restored.onStart(new FakeCluster(), null);
            try (java.io.DataInputStream in = new java.io.DataInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray())))
            {
                ServiceSnapshot.read(in, restored);
            }
            final Catalog catalog = restored.catalog();
            assertEquals(service.catalog(), catalog);
            assertEquals(service.catalog().version(), catalog.version());
            assertTrue(other.hasTable(catalog.relation("by_owner").id()));
            assertFalse(other.hasTable(0), "the dropped table's relation is not opened");
        }
    }

    private void assertRefused(final String expected, final Body body)
    {
        assertEquals(expected, error(send(commitFrame(service.storage().appliedEpoch(), 0, body))));
    }

    private static byte[] key(final TableDef table, final Object... keyValues)
    {
        return KeyCodec.encode(Keys.primaryKeyTypes(table), keyValues);
    }

    private static Body putRow(final TableDef table, final Object... row)
    {
        return w -> w.put(table.name(), Keys.primaryKey(table, row), RowCodec.encode(table, row));
    }

    private List<byte[]> rows(final int relation)
    {
        final List<byte[]> keys = new ArrayList<>();
        service.storage().scan(relation, null, null, service.storage().appliedEpoch(), 1000,
            (k, row) -> keys.add(k));
        return keys;
    }


    /** @return "REASON table" of a lone commit result. */
    private static String outcome(final List<byte[]> replies)
    {
        assertEquals(1, replies.size(), "one reply");
        final UnsafeBuffer buffer = new UnsafeBuffer(replies.get(0));
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        assertEquals(CommitResultDecoder.TEMPLATE_ID, header.templateId(), "a commit result decided at once");
        final CommitResultDecoder d = new CommitResultDecoder().wrapAndApplyHeader(buffer, 0, header);
        final AbortReason reason = d.reason();
        return reason + " " + d.conflictTable();
    }
}
