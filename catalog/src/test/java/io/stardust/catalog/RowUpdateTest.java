package io.stardust.catalog;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RowUpdateTest
{
    private static final Catalog CATALOG = Catalog.EMPTY
        .apply(new SchemaChange.CreateTable("t", List.of(
            new SchemaChange.ColumnSpec("k", ColumnType.BIGINT, false),
            new SchemaChange.ColumnSpec("big", ColumnType.BIGINT, true),
            new SchemaChange.ColumnSpec("mid", ColumnType.INTEGER, false),
            new SchemaChange.ColumnSpec("small", ColumnType.SMALLINT, true),
            new SchemaChange.ColumnSpec("name", ColumnType.varchar(10), true),
            new SchemaChange.ColumnSpec("tag", ColumnType.INTEGER, true)), List.of("k"), false)).catalog()
        .apply(new SchemaChange.CreateIndex("t_tag", "t", false, List.of("tag"), false)).catalog();
    private static final TableDef T = CATALOG.table("t");

    private static int id(final String column)
    {
        return T.column(column).id();
    }

    private static RowUpdate.Assignment set(final String c, final long v)
    {
        return new RowUpdate.Assignment(id(c), RowUpdate.Kind.SET, v);
    }

    private static RowUpdate.Assignment add(final String c, final long v)
    {
        return new RowUpdate.Assignment(id(c), RowUpdate.Kind.ADD, v);
    }

    @Test
    void shouldSetAndAddIntegerColumnsAndLeaveTheRestAsTheyWere()
    {
        final byte[] row = RowCodec.encode(T, new Object[] {1L, 10L, 20, (short)30, "x", 5});
        final List<RowUpdate.Assignment> update = List.of(add("big", -11), set("mid", 7),
            new RowUpdate.Assignment(id("small"), RowUpdate.Kind.SET_NULL, 0));
        assertNull(RowUpdate.problem(T, update));
        final byte[] bytes = RowUpdate.encode(update);
        assertEquals(update, RowUpdate.decode(bytes));
        assertEquals(Arrays.asList(1L, -1L, 7, null, "x", 5), Arrays.asList(RowCodec.decode(T,
            RowUpdate.apply(T, row, RowUpdate.decode(bytes)))));
        // NULL + n stays NULL.
        final byte[] nulls = RowCodec.encode(T, new Object[] {2L, null, 1, null, null, null});
        assertArrayEquals(nulls, RowUpdate.apply(T, nulls, List.of(add("big", 1), add("small", 1))));
    }

    @Test
    void shouldFailTheConditionWhenASumLeavesItsColumnsRange()
    {
        final byte[] row = RowCodec.encode(T, new Object[] {1L, Long.MAX_VALUE, Integer.MAX_VALUE, (short)1, null,
            null});
        assertNull(RowUpdate.apply(T, row, List.of(add("big", 1))));
        assertNull(RowUpdate.apply(T, row, List.of(add("mid", 1))));
        assertNull(RowUpdate.apply(T, row, List.of(add("small", Short.MAX_VALUE))));
        assertEquals((short)-1, RowCodec.decode(T, RowUpdate.apply(T, row, List.of(add("small", -2))))[3]);
    }

    @Test
    void shouldRefuseAssignmentsThatDoNotSuitTheTableNamingTheProblem()
    {
        assertTrue(RowUpdate.problem(T, List.of(set("k", 1))).contains("primary key"));
        assertTrue(RowUpdate.problem(T, List.of(add("tag", 1))).contains("index t_tag"));
        assertTrue(RowUpdate.problem(T, List.of(set("name", 1))).contains("VARCHAR"));
        assertTrue(RowUpdate.problem(T, List.of(set("mid", 1L << 40))).contains("out of range"));
        assertTrue(RowUpdate.problem(T, List.of(new RowUpdate.Assignment(id("mid"), RowUpdate.Kind.SET_NULL, 0)))
            .contains("NOT NULL"));
        assertTrue(RowUpdate.problem(T, List.of(set("mid", 1), add("mid", 1))).contains("twice"));
        assertTrue(RowUpdate.problem(T, List.of(new RowUpdate.Assignment(99, RowUpdate.Kind.SET, 0)))
            .contains("no column of id 99"));
    }

    @Test
    void shouldRefuseMalformedBytesWithAMessage()
    {
        final byte[] good = RowUpdate.encode(List.of(add("big", 5), set("mid", 3)));
        for (int cut = 0; cut < good.length; cut++)
        {
            final byte[] shorter = Arrays.copyOf(good, cut);
            assertThrows(IllegalArgumentException.class, () -> RowUpdate.decode(shorter));
        }
        assertEquals("unknown row update format 9", assertThrows(IllegalArgumentException.class,
            () -> RowUpdate.decode(new byte[] {9, 1})).getMessage());
        final Random random = new Random(11);
        for (int i = 0; i < 5_000; i++)
        {
            final byte[] garbage = good.clone();
            garbage[random.nextInt(garbage.length)] = (byte)random.nextInt(256);
            try
            {
                RowUpdate.decode(garbage);
            }
            catch (final IllegalArgumentException expected)
            {
                // refused with a message
            }
        }
    }
}
