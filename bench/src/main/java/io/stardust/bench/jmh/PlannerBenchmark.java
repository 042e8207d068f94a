package io.stardust.bench.jmh;

import io.stardust.catalog.Catalog;
import io.stardust.catalog.ColumnType;
import io.stardust.catalog.SchemaChange;
import io.stardust.planner.Snapshot;
import io.stardust.planner.SqlBackend;
import io.stardust.planner.SqlSession;
import io.stardust.planner.TableStats;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Planning time of the SQL layer: {@code cold} plans a statement from its text (parse, validate, optimize with
 * Stardust's rules, compile to code), as the first execution of a statement does; {@code cached} is the same
 * statement again, which the plan cache answers.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.MISC, JvmFlags.LANG, JvmFlags.REFLECT, JvmFlags.NIO_CH, JvmFlags.JAVAC,
    JvmFlags.REF, JvmFlags.IO, JvmFlags.NIO, JvmFlags.NIO_CH_OPEN, JvmFlags.UTIL, JvmFlags.ANALYTICS,
    JvmFlags.DISK_MONITOR, JvmFlags.ANNOUNCER})
@State(Scope.Thread)
public class PlannerBenchmark
{
    @Param({"SELECT v, pad FROM sqlbench WHERE id = ?", "UPDATE sqlbench SET v = v + 1 WHERE id = ?",
        "SELECT o.total FROM customers c JOIN orders o ON o.customer = c.id WHERE c.id = ?"})
    String sql;

    private SqlSession.Plans shared;
    private SqlBackend backend;

    @Setup
    public void setUp()
    {
        Catalog catalog = Catalog.EMPTY;
        catalog = catalog.apply(new SchemaChange.CreateTable("sqlbench", List.of(
            new SchemaChange.ColumnSpec("id", ColumnType.BIGINT, false),
            new SchemaChange.ColumnSpec("v", ColumnType.BIGINT, false),
            new SchemaChange.ColumnSpec("pad", ColumnType.varchar(100), true)), List.of("id"), false)).catalog();
        catalog = catalog.apply(new SchemaChange.CreateTable("customers", List.of(
            new SchemaChange.ColumnSpec("id", ColumnType.BIGINT, false),
            new SchemaChange.ColumnSpec("name", ColumnType.varchar(40), true)), List.of("id"), false)).catalog();
        catalog = catalog.apply(new SchemaChange.CreateTable("orders", List.of(
            new SchemaChange.ColumnSpec("id", ColumnType.BIGINT, false),
            new SchemaChange.ColumnSpec("customer", ColumnType.BIGINT, false),
            new SchemaChange.ColumnSpec("total", ColumnType.decimal(10, 2), true)), List.of("id"), false)).catalog();
        catalog = catalog.apply(new SchemaChange.CreateIndex("orders_by_customer", "orders", false,
            List.of("customer"), false)).catalog();
        final Catalog fixed = catalog;
        backend = new SqlBackend()
        {
            @Override
            public Catalog catalog(final long minVersion)
            {
                return fixed;
            }

            @Override
            public Snapshot snapshot(final long minEpoch)
            {
                throw new UnsupportedOperationException("planning only");
            }

            @Override
            public long commit(final Commit commit)
            {
                throw new UnsupportedOperationException("planning only");
            }

            @Override
            public long changeSchema(final SchemaChange change)
            {
                throw new UnsupportedOperationException("planning only");
            }
        };
        shared = new SqlSession.Plans(TableStats.DEFAULT);
        new SqlSession(backend, shared, () -> 1L).describe(sql);
    }

    @Benchmark
    public Object cold()
    {
        return new SqlSession(backend, new SqlSession.Plans(TableStats.DEFAULT), () -> 1L).describe(sql);
    }

    @Benchmark
    public Object cached()
    {
        return new SqlSession(backend, shared, () -> 1L).describe(sql);
    }
}
