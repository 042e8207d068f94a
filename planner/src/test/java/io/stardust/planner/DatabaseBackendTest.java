package io.stardust.planner;

import io.stardust.catalog.SchemaChange;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sessions bound to databases: one name, one table per database, and no way to name another database's. */
class DatabaseBackendTest
{
    private final MemoryBackend cluster = new MemoryBackend();
    private final SqlSession.Plans plans = new SqlSession.Plans(TableStats.DEFAULT);
    private final AtomicLong rowIds = new AtomicLong();

    private SqlSession session(final String database)
    {
        return new SqlSession(DatabaseBackend.of(cluster, database), plans, rowIds::incrementAndGet);
    }

    @Test
    void shouldKeepEachDatabasesTablesToItsSessions()
    {
        cluster.changeSchema(new SchemaChange.CreateDatabase("sales", "ann", "", "dc2"));
        final SqlSession sales = session("sales");
        final SqlSession main = session(null);
        for (final SqlSession s : List.of(sales, main))
        {
            s.execute("CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(10))", List.of());
            s.execute("CREATE INDEX by_name ON items (name)", List.of());
        }
        sales.execute("INSERT INTO items VALUES (1, 'pen'), (2, 'ink')", List.of());
        main.execute("INSERT INTO items VALUES (1, 'cup')", List.of());

        assertEquals(List.of("[1, pen]", "[2, ink]"),
            SqlSessionTest.rows(sales.execute("SELECT * FROM items ORDER BY id", List.of())));
        assertEquals(List.of("[1, cup]"), SqlSessionTest.rows(main.execute("SELECT * FROM items", List.of())));
        assertEquals(List.of("[2]"), SqlSessionTest.rows(sales.execute("SELECT id FROM items WHERE name = 'ink'",
            List.of())), "the same statement text in two databases is planned against each one's table");
        assertEquals(List.of(), SqlSessionTest.rows(main.execute("SELECT id FROM items WHERE name = 'ink'",
            List.of())));

        final io.stardust.catalog.Catalog whole = cluster.catalog(0);
        assertTrue(whole.relation("sales/items") != null && whole.relation("sales/by_name") != null &&
            whole.relation("items") != null, "relations are named in their database");

        sales.execute("CREATE TABLE only_sales (k INT PRIMARY KEY)", List.of());
        final SqlError missing = assertThrows(SqlError.class,
            () -> main.execute("SELECT * FROM only_sales", List.of()));
        assertEquals("42P01", missing.sqlState(), missing.getMessage());
        final SqlError qualified = assertThrows(SqlError.class,
            () -> main.execute("SELECT * FROM \"sales/items\"", List.of()));
        assertEquals("42P01", qualified.sqlState(), "a session cannot name another database's relation: " +
            qualified.getMessage());

        cluster.changeSchema(new SchemaChange.DropDatabase("sales", false));
        assertEquals(List.of("[1, cup]"), SqlSessionTest.rows(main.execute("SELECT * FROM items", List.of())),
            "dropping a database leaves the others' tables");
        assertTrue(cluster.catalog(0).relation("sales/items") == null);
    }
}
