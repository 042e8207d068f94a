package io.stardust.planner;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The physical plans Stardust's rules make, as EXPLAIN shows them. */
class PlanShapeTest
{
    private final MemoryBackend backend = new MemoryBackend();
    private final SqlSession.Plans plans = new SqlSession.Plans(TableStats.DEFAULT);
    private final AtomicLong rowIds = new AtomicLong();
    private SqlSession session;

    @BeforeEach
    void schema()
    {
        session = new SqlSession(backend, plans, rowIds::incrementAndGet);
        session.execute("CREATE TABLE customers (id BIGINT PRIMARY KEY, name VARCHAR(40), city VARCHAR(40))",
            List.of());
        session.execute("CREATE TABLE orders (id BIGINT PRIMARY KEY, customer BIGINT, total DECIMAL(10,2))",
            List.of());
        session.execute("CREATE INDEX orders_by_customer ON orders (customer)", List.of());
        session.execute("CREATE INDEX customers_by_city ON customers (city, name)", List.of());
    }

    @Test
    void shouldLookUpAPrimaryKey()
    {
        assertEquals("""
            StardustScan(table=[[public, customers]], access=[primary key lookup (id = ?0)], fields=[[name]])
            """, explain("SELECT name FROM customers WHERE id = ?"));
    }

    @Test
    void shouldScanARangeOfAnIndex()
    {
        assertEquals("""
            StardustScan(table=[[public, orders]], access=[index orders_by_customer range (customer >= 10, \
            customer < 20)])
            """, explain("SELECT * FROM orders WHERE customer >= 10 AND customer < 20"));
    }

    @Test
    void shouldNotSortWhatTheIndexAlreadyOrders()
    {
        assertEquals("""
            StardustScan(table=[[public, customers]], access=[index customers_by_city range (city = 'Oslo')], \
            fields=[[name]])
            """, explain("SELECT name FROM customers WHERE city = 'Oslo' ORDER BY name"));
    }

    @Test
    void shouldJoinThroughAnIndexOfTheInnerTable()
    {
        assertEquals("""
            EnumerableCalc(expr#0..5=[{inputs}], name=[$t1], total=[$t5])
              StardustIndexJoin(table=[orders], lookup=[index orders_by_customer range (customer = $0)], \
            outerKeys=[[0]])
                StardustScan(table=[[public, customers]], access=[primary key lookup (id = 5)])
            """, explain("SELECT c.name, o.total FROM customers c JOIN orders o ON o.customer = c.id WHERE c.id = 5"));
        assertEquals("""
            EnumerableCalc(expr#0..5=[{inputs}], name=[$t4], total=[$t2])
              StardustIndexJoin(table=[customers], lookup=[primary key lookup (id = $1)], outerKeys=[[1]])
                StardustScan(table=[[public, orders]], access=[primary key lookup (id = ?0)])
            """, explain("SELECT c.name, o.total FROM orders o JOIN customers c ON o.customer = c.id WHERE o.id = ?"));
    }

    @Test
    void shouldScanTheWholeTableWithoutSortingForItsKeyOrder()
    {
        assertEquals("""
            EnumerableCalc(expr#0..2=[{inputs}], proj#0..2=[{exprs}])
              StardustScan(table=[[public, customers]], access=[full])
            """, explain("SELECT * FROM customers ORDER BY id"));
    }

    private String explain(final String sql)
    {
        final StringBuilder sb = new StringBuilder();
        for (final Object[] row : session.execute("EXPLAIN PLAN FOR " + sql, List.of()).rows())
        {
            sb.append(row[0]).append('\n');
        }
        return sb.toString();
    }
}
