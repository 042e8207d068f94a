package io.stardust.catalog;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CatalogTest
{
    static final SchemaChange.CreateTable ACCOUNTS = new SchemaChange.CreateTable("accounts", List.of(
        new SchemaChange.ColumnSpec("id", ColumnType.BIGINT, true),
        new SchemaChange.ColumnSpec("owner", ColumnType.varchar(40), false),
        new SchemaChange.ColumnSpec("balance", ColumnType.decimal(12, 2), true)), List.of("id"), false);

    @Test
    void shouldCreateTablesWithDenseRelationIdsAndVersions()
    {
        final Catalog catalog = Catalog.EMPTY.withKeyValueTable("kv").apply(ACCOUNTS).catalog();
        assertEquals(2, catalog.version());
        assertEquals(0, catalog.relation("kv").id());
        assertTrue(catalog.table("kv").keyValue());
        final TableDef accounts = catalog.table("accounts");
        assertEquals(1, accounts.relationId());
        assertEquals(2, accounts.createdAtVersion());
        assertEquals(List.of(0), accounts.primaryKey());
        assertFalse(accounts.column("id").nullable(), "primary key columns are NOT NULL");
        assertFalse(accounts.column("owner").nullable());
        assertTrue(accounts.column("balance").nullable());
        assertEquals("CREATE TABLE accounts (id BIGINT NOT NULL, owner VARCHAR(40) NOT NULL, " +
            "balance DECIMAL(12,2), PRIMARY KEY (id))", accounts.describe());
        assertEquals(0, Catalog.EMPTY.relationCount(), "catalogs are immutable");
    }

    @Test
    void shouldGiveATableWithoutPrimaryKeyAHiddenRowId()
    {
        final Catalog catalog = Catalog.EMPTY.apply(new SchemaChange.CreateTable("events", List.of(
            new SchemaChange.ColumnSpec("what", ColumnType.varchar(10), true)), List.of(), false)).catalog();
        final TableDef events = catalog.table("events");
        assertTrue(events.hasRowId());
        assertEquals(Column.ROW_ID, events.primaryKeyColumns().get(0).name());
        assertEquals(List.of("what"), events.visibleColumns().stream().map(Column::name).toList());
    }

    @Test
    void shouldRefuseBadTablesWithTheReason()
    {
        final Catalog catalog = Catalog.EMPTY.apply(ACCOUNTS).catalog();
        assertProblem(SchemaProblem.Kind.EXISTS, "table accounts already exists", catalog, ACCOUNTS);
        assertProblem(SchemaProblem.Kind.INVALID, "table name: invalid name 'bad-name': use 1-64 characters of [A-Za-z0-9_], not starting with a digit", catalog,
            new SchemaChange.CreateTable("bad-name", List.of(), List.of(), false));
        assertProblem(SchemaProblem.Kind.UNKNOWN, "column nope does not exist in t", catalog,
            new SchemaChange.CreateTable("t", List.of(new SchemaChange.ColumnSpec("a", ColumnType.BIGINT, true)),
                List.of("nope"), false));
        assertProblem(SchemaProblem.Kind.EXISTS, "column a is declared twice in t", catalog,
            new SchemaChange.CreateTable("t", List.of(new SchemaChange.ColumnSpec("a", ColumnType.BIGINT, true),
                new SchemaChange.ColumnSpec("a", ColumnType.INTEGER, true)), List.of(), false));
        assertProblem(SchemaProblem.Kind.INVALID, "column a of t: VARCHAR length 0 is outside 1..65535", catalog,
            new SchemaChange.CreateTable("t", List.of(new SchemaChange.ColumnSpec("a", ColumnType.varchar(0), true)),
                List.of(), false));
        assertProblem(SchemaProblem.Kind.INVALID, "column a of t: DECIMAL scale 5 is outside 0..4", catalog,
            new SchemaChange.CreateTable("t", List.of(
                new SchemaChange.ColumnSpec("a", ColumnType.decimal(4, 5), true)), List.of(), false));
        assertProblem(SchemaProblem.Kind.INVALID, "column name _rowid is reserved for the hidden row id", catalog,
            new SchemaChange.CreateTable("t", List.of(
                new SchemaChange.ColumnSpec("_rowid", ColumnType.BIGINT, true)), List.of(), false));
        final SchemaChange.CreateTable again = new SchemaChange.CreateTable("accounts", List.of(), List.of(), true);
        assertSame(catalog, catalog.apply(again).catalog(), "IF NOT EXISTS on an existing table changes nothing");
    }

    @Test
    void shouldAddAndDropIndexesAndBumpTheTablesChangeVersion()
    {
        Catalog catalog = Catalog.EMPTY.apply(ACCOUNTS).catalog();
        final CatalogChanges.Applied created = catalog.apply(
            new SchemaChange.CreateIndex("by_owner", "accounts", false, List.of("owner", "balance"), false));
        catalog = created.catalog();
        assertEquals(1, created.created().size());
        assertTrue(created.created().get(0).index());
        assertEquals(2, catalog.table("accounts").changedAtVersion());
        assertEquals(List.of(1, 2), catalog.table("accounts").index("by_owner").columnIds());
        assertProblem(SchemaProblem.Kind.EXISTS, "index by_owner already exists", catalog,
            new SchemaChange.CreateTable("by_owner", List.of(), List.of(), false));
        assertProblem(SchemaProblem.Kind.INVALID, "column owner is in index by_owner: drop the index first", catalog,
            new SchemaChange.DropColumn("accounts", "owner"));
        assertProblem(SchemaProblem.Kind.UNKNOWN, "by_owner is an index, not a table: use DROP TABLE".replace(
            "use DROP TABLE", "use DROP INDEX"), catalog, new SchemaChange.DropTable("by_owner", false));

        final CatalogChanges.Applied dropped = catalog.apply(new SchemaChange.DropIndex("by_owner", false));
        catalog = dropped.catalog();
        assertEquals(List.of(1), dropped.dropped().stream().map(Catalog.Relation::id).toList());
        assertNull(catalog.relation(1));
        assertEquals(3, catalog.droppedAt("by_owner"));
        assertEquals(3, catalog.table("accounts").changedAtVersion());
        assertEquals(2, catalog.relationCount(), "a dropped relation's id is never reused");
    }

    @Test
    void shouldAddAndDropColumnsWithoutReusingIds()
    {
        Catalog catalog = Catalog.EMPTY.apply(ACCOUNTS).catalog();
        catalog = catalog.apply(new SchemaChange.DropColumn("accounts", "balance")).catalog();
        catalog = catalog.apply(new SchemaChange.AddColumn("accounts",
            new SchemaChange.ColumnSpec("balance", ColumnType.DOUBLE, true))).catalog();
        final TableDef accounts = catalog.table("accounts");
        assertEquals(3, accounts.column("balance").id(), "the new balance is a new column");
        assertEquals(3, accounts.schemaVersion());
        assertProblem(SchemaProblem.Kind.INVALID, "column id is part of the primary key of accounts", catalog,
            new SchemaChange.DropColumn("accounts", "id"));
        assertProblem(SchemaProblem.Kind.INVALID, "column extra cannot be NOT NULL: the rows accounts already has " +
            "would have no value for it", catalog, new SchemaChange.AddColumn("accounts",
            new SchemaChange.ColumnSpec("extra", ColumnType.BIGINT, false)));
        assertProblem(SchemaProblem.Kind.EXISTS, "column owner already exists in accounts", catalog,
            new SchemaChange.AddColumn("accounts", new SchemaChange.ColumnSpec("owner", ColumnType.BIGINT, true)));
    }

    @Test
    void shouldDropATableWithItsIndexesAndRememberTheNames()
    {
        Catalog catalog = Catalog.EMPTY.apply(ACCOUNTS).catalog()
            .apply(new SchemaChange.CreateIndex("by_owner", "accounts", true, List.of("owner"), false)).catalog();
        final CatalogChanges.Applied dropped = catalog.apply(new SchemaChange.DropTable("accounts", false));
        catalog = dropped.catalog();
        assertEquals(2, dropped.dropped().size());
        assertNull(catalog.table("accounts"));
        assertNull(catalog.relation("by_owner"));
        assertEquals(3, catalog.droppedAt("accounts"));
        assertEquals(0, catalog.relations().size());
        assertSame(catalog, catalog.apply(new SchemaChange.DropTable("accounts", true)).catalog());
        assertThrows(SchemaException.class, () -> Catalog.EMPTY.apply(new SchemaChange.DropTable("accounts", false)));
        // the name is free again, under a new relation id
        catalog = catalog.apply(ACCOUNTS).catalog();
        assertEquals(2, catalog.table("accounts").relationId());
    }

    @Test
    void shouldKeepEachDatabasesTablesToItselfAndDropThemWithIt()
    {
        Catalog catalog = Catalog.EMPTY.apply(ACCOUNTS).catalog()
            .apply(new SchemaChange.CreateDatabase("sales", "ann", "", "dc2")).catalog()
            .apply(new SchemaChange.CreateDatabase("hr", "bob", "", "dc1")).catalog();
        catalog = catalog.apply(new SchemaChange.CreateTable("sales/accounts", ACCOUNTS.columns(), List.of("id"),
            false)).catalog();
        catalog = catalog.apply(new SchemaChange.CreateIndex("sales/by_owner", "sales/accounts", false,
            List.of("owner"), false)).catalog();
        catalog = catalog.apply(SchemaChange.CreateTable.keyValue("hr/kv")).catalog();
        assertEquals("dc2", catalog.database("sales").home());
        assertNull(catalog.database(Catalog.DEFAULT_DATABASE), "the default database has no entry");

        final Catalog sales = catalog.viewOf("sales");
        assertEquals(List.of("accounts"), sales.tables().stream().map(TableDef::name).toList());
        assertEquals(catalog.relation("sales/accounts").id(), sales.table("accounts").relationId(),
            "a view keeps relation ids");
        assertEquals("by_owner", sales.table("accounts").indexes().get(0).name());
        assertNull(sales.relation("kv"), "another database's relations are not in the view");
        assertEquals(List.of("accounts"), catalog.viewOf(Catalog.DEFAULT_DATABASE).tables().stream()
            .map(TableDef::name).toList(), "the default database sees only its own tables");
        assertEquals(catalog.table("accounts").relationId(),
            catalog.viewOf(null).table("accounts").relationId());

        assertEquals(SchemaProblem.Kind.UNKNOWN, catalog.check(SchemaChange.CreateTable.keyValue("nope/kv")).kind());
        assertTrue(catalog.check(new SchemaChange.CreateIndex("hr/i", "sales/accounts", false, List.of("owner"),
            false)).message().contains("different databases"));
        assertEquals(SchemaProblem.Kind.EXISTS,
            catalog.check(new SchemaChange.CreateDatabase("sales", "x", "", "dc1")).kind());
        assertEquals(SchemaProblem.Kind.EXISTS,
            catalog.check(new SchemaChange.CreateDatabase("default", "x", "", "dc1")).kind());
        assertTrue(catalog.check(new SchemaChange.CreateDatabase("a/b", "x", "", "dc1")).message()
            .contains("database name"));
        assertTrue(catalog.check(new SchemaChange.CreateDatabase("ok", "x", "", "")).message()
            .contains("datacenter name"), "an empty datacenter label is refused");
        assertTrue(catalog.check(new SchemaChange.DropDatabase("default", true)).message()
            .contains("cannot be dropped"));
        assertEquals(SchemaProblem.Kind.UNKNOWN, catalog.check(new SchemaChange.MoveDatabase("nope", "dc1")).kind());

        final CatalogChanges.Applied moved = catalog.apply(new SchemaChange.MoveDatabase("sales", "dc3"));
        assertEquals("dc3", moved.catalog().database("sales").home());
        assertEquals(moved.catalog().version(), moved.catalog().database("sales").movedAtVersion());
        assertSame(moved.catalog(), moved.catalog().apply(new SchemaChange.MoveDatabase("sales", "dc3")).catalog(),
            "a move to where it is changes nothing");

        final CatalogChanges.Applied dropped = moved.catalog().apply(new SchemaChange.DropDatabase("sales", false));
        assertEquals(2, dropped.dropped().size(), "the table and its index");
        assertNull(dropped.catalog().database("sales"));
        assertNull(dropped.catalog().relation("sales/accounts"));
        assertTrue(dropped.catalog().droppedAt("sales/accounts") > 0, "commits planned before see it dropped");
        assertTrue(dropped.catalog().relation("hr/kv") != null && dropped.catalog().table("accounts") != null,
            "other databases keep theirs");
    }

    @Test
    void shouldRefuseRelationsPastTheLimit()
    {
        // Built directly: applying 16,384 changes one by one copies the catalog each time.
        final java.util.List<Catalog.Relation> full = new java.util.ArrayList<>();
        for (int i = 0; i < Catalog.MAX_RELATIONS - 1; i++)
        {
            full.add(null);
        }
        final Catalog almost = new Catalog(1, full, java.util.Map.of(), java.util.Map.of(), java.util.Map.of());
        final Catalog catalog = almost.withKeyValueTable("last");
        assertProblem(SchemaProblem.Kind.INVALID, "the catalog is full (16384 tables and indexes)", catalog,
            SchemaChange.CreateTable.keyValue("one_more"));
    }

    static void assertProblem(
        final SchemaProblem.Kind kind, final String message, final Catalog catalog, final SchemaChange change)
    {
        final SchemaProblem problem = catalog.check(change);
        assertEquals(new SchemaProblem(kind, message), problem);
        final SchemaException ex = assertThrows(SchemaException.class, () -> catalog.apply(change));
        assertEquals(message, ex.getMessage());
    }

    @Test
    void shouldRegisterProcedureVersionsOnceAndNeverChangeThem()
    {
        final String hash = "0f".repeat(32);
        final Catalog one = Catalog.EMPTY.apply(new SchemaChange.RegisterProcedure("transfer", 1, "a.B", hash, 10))
            .catalog();
        assertEquals(1, one.version());
        assertEquals(new ProcedureDef("transfer", 1, "a.B", hash, 10, 1), one.procedure("transfer", 1));
        // The same registration again changes nothing; another class, hash or budget for it is refused.
        assertEquals(one, one.apply(new SchemaChange.RegisterProcedure("transfer", 1, "a.B", hash, 10)).catalog());
        final SchemaProblem changed = one.check(new SchemaChange.RegisterProcedure("transfer", 1, "a.B",
            "1f".repeat(32), 10));
        assertEquals(SchemaProblem.Kind.EXISTS, changed.kind());
        assertTrue(changed.message().contains("a registered version never changes: register version 2"),
            changed.message());
        final Catalog two = one.apply(new SchemaChange.RegisterProcedure("transfer", 2, "a.C", hash, 10)).catalog();
        assertEquals(2, two.procedureMap().size());
        // Procedures are cluster-wide: every database's view has them.
        final Catalog withSales = two.apply(new SchemaChange.CreateDatabase("sales", "ann", "", "dc1")).catalog();
        assertEquals(2, withSales.viewOf("sales").procedureMap().size());
        assertTrue(new SchemaChange.RegisterProcedure("p", 1, "a.B", hash, 10).ofDatabase(),
            "an administrator's change");
        for (final SchemaChange bad : List.of(
            new SchemaChange.RegisterProcedure("bad name", 1, "a.B", hash, 10),
            new SchemaChange.RegisterProcedure("p", 0, "a.B", hash, 10),
            new SchemaChange.RegisterProcedure("p", 1, "a..B", hash, 10),
            new SchemaChange.RegisterProcedure("p", 1, "a.B", "XYZ", 10),
            new SchemaChange.RegisterProcedure("p", 1, "a.B", hash, 0),
            new SchemaChange.RegisterProcedure("p", 1, "a.B", hash, ProcedureDef.MAX_STEP_BUDGET + 1)))
        {
            assertEquals(SchemaProblem.Kind.INVALID, one.check(bad).kind(), bad.toString());
        }
    }
}
