package io.stardust.catalog;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CatalogCodecTest
{
    private static final List<SchemaChange> CHANGES = List.of(
        CatalogTest.ACCOUNTS,
        SchemaChange.CreateTable.keyValue("kv"),
        new SchemaChange.CreateTable("events", List.of(new SchemaChange.ColumnSpec("at", ColumnType.TIMESTAMP, true),
            new SchemaChange.ColumnSpec("day", ColumnType.DATE, false)), List.of(), true),
        new SchemaChange.CreateIndex("by_owner", "accounts", true, List.of("owner"), false),
        new SchemaChange.CreateIndex("by_day", "events", false, List.of("day", "at"), true),
        new SchemaChange.AddColumn("accounts", new SchemaChange.ColumnSpec("note", ColumnType.varchar(100), true)),
        new SchemaChange.DropColumn("accounts", "note"),
        new SchemaChange.DropIndex("by_owner", false),
        new SchemaChange.DropTable("kv", true),
        new SchemaChange.CreateDatabase("sales", "ann", "scram-sha-256:4096:c2FsdA==:a2V5:c2Vy", "dc2"),
        new SchemaChange.CreateTable("sales/orders", List.of(new SchemaChange.ColumnSpec("id", ColumnType.BIGINT,
            false)), List.of("id"), false),
        new SchemaChange.CreateIndex("sales/by_id", "sales/orders", false, List.of("id"), false),
        new SchemaChange.MoveDatabase("sales", "dc3"),
        new SchemaChange.CreateDatabase("hr", "bob", "", "dc1"),
        SchemaChange.CreateTable.keyValue("hr/kv"),
        new SchemaChange.DropDatabase("hr", false),
        new SchemaChange.RegisterProcedure("transfer", 1, "io.stardust.procedure.examples.Transfer", "ab".repeat(32),
            100_000),
        new SchemaChange.RegisterProcedure("transfer", 2, "com.example.Transfer2", "cd".repeat(32), 5));

    @Test
    void shouldRoundTripEveryChangeAndTheCatalogsTheyMake()
    {
        Catalog catalog = Catalog.EMPTY;
        for (final SchemaChange change : CHANGES)
        {
            final byte[] bytes = CatalogCodec.encode(change);
            assertEquals(change, CatalogCodec.decodeChange(bytes, 0, bytes.length));
            catalog = catalog.apply(change).catalog();
            final byte[] encoded = CatalogCodec.encode(catalog);
            assertEquals(catalog, CatalogCodec.decodeCatalog(encoded, 0, encoded.length), "after " + change);
        }
    }

    @Test
    void shouldRefuseMalformedBytesWithAMessageAndNothingElse()
    {
        final Random random = new Random(3);
        for (final SchemaChange change : CHANGES)
        {
            final byte[] bytes = CatalogCodec.encode(change);
            for (int cut = 0; cut < bytes.length; cut++)
            {
                final int length = cut;
                assertThrows(IllegalArgumentException.class, () -> CatalogCodec.decodeChange(bytes, 0, length));
            }
            final byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
            assertEquals("1 bytes left after the record", assertThrows(IllegalArgumentException.class,
                () -> CatalogCodec.decodeChange(longer, 0, longer.length)).getMessage());
            for (int i = 0; i < 2_000; i++)
            {
                final byte[] garbage = bytes.clone();
                garbage[random.nextInt(garbage.length)] = (byte)random.nextInt(256);
                try
                {
                    CatalogCodec.decodeChange(garbage, 0, garbage.length);
                }
                catch (final IllegalArgumentException expected)
                {
                    // refused with a message: fine
                }
            }
        }
        assertEquals("unknown schema change kind 11", assertThrows(IllegalArgumentException.class,
            () -> CatalogCodec.decodeChange(new byte[] {1, 11}, 0, 2)).getMessage());
        assertEquals("unknown catalog format 2 (this build reads 1)", assertThrows(IllegalArgumentException.class,
            () -> CatalogCodec.decodeChange(new byte[] {2, 1}, 0, 2)).getMessage());
        assertEquals("unknown catalog format 4 (this build reads 1 to 3)", assertThrows(
            IllegalArgumentException.class, () -> CatalogCodec.decodeCatalog(new byte[] {4, 1}, 0, 2)).getMessage());
    }
}
