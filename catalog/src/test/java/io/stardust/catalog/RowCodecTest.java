package io.stardust.catalog;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RowCodecTest
{
    @Test
    void shouldReadOldRowsUnderNewerSchemasWithoutRewritingThem()
    {
        Catalog catalog = Catalog.EMPTY.apply(CatalogTest.ACCOUNTS).catalog();
        final TableDef v1 = catalog.table("accounts");
        final byte[] row = RowCodec.encode(v1, new Object[] {7L, "ann", new BigDecimal("10.50")});
        assertArrayEquals(new Object[] {7L, "ann", new BigDecimal("10.50")}, RowCodec.decode(v1, row));

        catalog = catalog.apply(new SchemaChange.DropColumn("accounts", "balance")).catalog();
        catalog = catalog.apply(new SchemaChange.AddColumn("accounts",
            new SchemaChange.ColumnSpec("balance", ColumnType.DOUBLE, true))).catalog();
        final TableDef v3 = catalog.table("accounts");
        assertArrayEquals(new Object[] {7L, "ann", null}, RowCodec.decode(v3, row),
            "the dropped balance's value is skipped; the new balance is NULL in an old row");
        assertEquals(1, RowCodec.schemaVersion(row));
        final byte[] newRow = RowCodec.encode(v3, new Object[] {8L, "bob", 2.5});
        assertEquals(3, RowCodec.schemaVersion(newRow));
        assertArrayEquals(new Object[] {8L, "bob", 2.5}, RowCodec.decode(v3, newRow));
    }

    @Test
    void shouldFailWithAMessageOnEveryMalformedRow()
    {
        final TableDef table = Catalog.EMPTY.apply(CatalogTest.ACCOUNTS).catalog().table("accounts");
        final byte[] row = RowCodec.encode(table, new Object[] {7L, "ann", null});
        for (int cut = 0; cut < row.length; cut++)
        {
            final byte[] truncated = java.util.Arrays.copyOf(row, cut);
            assertThrows(IllegalArgumentException.class, () -> RowCodec.decode(table, truncated), "cut at " + cut);
        }
        final Random random = new Random(7);
        for (int i = 0; i < 20_000; i++)
        {
            final byte[] garbage = row.clone();
            garbage[random.nextInt(garbage.length)] = (byte)random.nextInt(256);
            try
            {
                RowCodec.decode(table, garbage);
            }
            catch (final IllegalArgumentException expected)
            {
                // a clear refusal is fine; anything else is a bug
            }
        }
        assertThrows(IllegalArgumentException.class, () -> RowCodec.encode(table, new Object[] {1L}));
    }
}
