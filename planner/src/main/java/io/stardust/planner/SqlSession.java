package io.stardust.planner;

import io.stardust.catalog.Catalog;
import io.stardust.catalog.SchemaChange;
import org.apache.calcite.DataContext;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.jdbc.JavaTypeFactoryImpl;
import org.apache.calcite.linq4j.Enumerator;
import org.apache.calcite.linq4j.QueryProvider;
import org.apache.calcite.schema.SchemaPlus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.function.LongSupplier;

/**
 * One SQL session: statements autocommit by default; BEGIN (or START TRANSACTION) … COMMIT or ROLLBACK run an
 * interactive serializable transaction that reads at one snapshot, sees its own writes, and sends one commit record
 * at COMMIT. Read-only transactions never go through the log, unless the session asked for strict reads
 * ({@code SET STRICT_READS = ON}): then they are validated at their log position, so what they read was still
 * current there. A failed statement changes nothing, and the session (and its open transaction) goes on; a failed
 * COMMIT ends the transaction.
 * <p>
 * One statement at a time: a connection used from several threads runs their statements one after the other.
 */
public final class SqlSession
{
    private static final JavaTypeFactory TYPES = new JavaTypeFactoryImpl();
    /** How often a strict autocommit read is run before its 40001 reaches the user. */
    static final int STRICT_READ_ATTEMPTS = 3;
    private static final String STRICT_READ_ABORT = "strict read overtaken before its log position: ";

    private final SqlBackend backend;
    private final QueryPlanner planner;
    private final LongSupplier rowIds;
    private final int maxRows;
    private TxnContext txn;
    private boolean readOnly;
    private boolean autoCommit = true;
    private boolean strictReads;
    private long sessionEpoch;
    private long oneShots;
    private long catalogVersion;

    /**
     * @param backend the cluster.
     * @param plans   the plan cache and planner, shared by the sessions of one gateway.
     * @param rowIds  new row ids for tables without a primary key (unique; a clash is caught as a conflict).
     */
    public SqlSession(final SqlBackend backend, final Plans plans, final LongSupplier rowIds)
    {
        this.backend = backend;
        this.planner = plans.planner;
        this.maxRows = plans.maxRows;
        this.rowIds = rowIds;
    }

    /** Plans shared by the sessions of one gateway: one cache of compiled plans, costed by one table statistics. */
    public static final class Plans
    {
        /** Most rows a statement may produce (a result, or the rows a DML statement changes): 1,000,000. */
        public static final int MAX_ROWS = 1_000_000;

        private final QueryPlanner planner;
        private final int maxRows;

        /**
         * @param stats the tables' figures.
         */
        public Plans(final TableStats stats)
        {
            this(stats, MAX_ROWS);
        }

        /**
         * @param stats   the tables' figures.
         * @param maxRows most rows a statement may produce: past it the statement fails (54000) instead of
         *                filling the member's memory.
         */
        public Plans(final TableStats stats, final int maxRows)
        {
            this.planner = new QueryPlanner(stats);
            this.maxRows = maxRows;
        }

        /** @return {hits, misses} of the plan cache. */
        public long[] cacheCounts()
        {
            return planner.cacheCounts();
        }
    }

    /** @return true when statements commit one by one (no transaction is open). */
    public boolean autoCommit()
    {
        return autoCommit;
    }

    /**
     * JDBC's autocommit switch: turning it off opens a transaction at the next statement; turning it on commits an
     * open one.
     *
     * @param on the new mode.
     */
    public synchronized void autoCommit(final boolean on)
    {
        if (on && !autoCommit)
        {
            commit();
        }
        autoCommit = on;
    }

    /** @return true inside a transaction. */
    public boolean inTransaction()
    {
        return txn != null;
    }

    /** @return the newest epoch this session has seen: its reads never go back before it. */
    public long sessionEpoch()
    {
        return sessionEpoch;
    }

    /**
     * Run one statement.
     *
     * @param sql    the statement.
     * @param params its parameters' values, in order.
     * @return its result.
     * @throws SqlError naming what is wrong; nothing of the statement is applied.
     */
    public synchronized SqlResult execute(final String sql, final List<Object> params)
    {
        final DdlParser.Parsed ours = DdlParser.parse(sql);
        if (ours != null && ours.control() != null)
        {
            return control(ours.control());
        }
        if (ours != null)
        {
            return ddl(ours.change());
        }
        return statement(sql, params);
    }

    /**
     * Plan a statement without running it, for a prepared statement's metadata.
     *
     * @param sql the statement.
     * @return its result columns (empty for DML and DDL) and parameter count.
     */
    public synchronized Described describe(final String sql)
    {
        if (DdlParser.parse(sql) != null)
        {
            return new Described(List.of(), 0, false);
        }
        final QueryPlanner.Prepared p = planner.prepare(sql, txn != null ? txn.catalog() : catalog());
        final List<ResultColumn> visible = new ArrayList<>();
        for (int i = 0; i < p.columns().size(); i++)
        {
            if (!p.hidden()[i])
            {
                visible.add(p.columns().get(i));
            }
        }
        final boolean query = p.kind() == QueryPlanner.Kind.QUERY || p.kind() == QueryPlanner.Kind.EXPLAIN;
        return new Described(query ? visible : List.of(), p.params(), query);
    }

    /**
     * A statement's shape.
     *
     * @param columns its result columns.
     * @param params  how many parameters it takes.
     * @param query   true when it returns rows.
     */
    public record Described(List<ResultColumn> columns, int params, boolean query)
    {
    }

    /** COMMIT: send the transaction's writes as one record; a transaction without writes commits at its snapshot. */
    public synchronized void commit()
    {
        final TxnContext t = txn;
        txn = null;
        readOnly = false;
        if (t != null)
        {
            finish(t);
        }
    }

    /** ROLLBACK: drop the transaction's writes. */
    public synchronized void rollback()
    {
        txn = null;
        readOnly = false;
    }

    private SqlResult control(final DdlParser.Control control)
    {
        switch (control)
        {
            case BEGIN:
            case BEGIN_READ_ONLY:
                if (txn != null)
                {
                    throw new SqlError(SqlError.ACTIVE_TRANSACTION, "a transaction is already open: COMMIT or " +
                        "ROLLBACK it first");
                }
                txn = open();
                readOnly = control == DdlParser.Control.BEGIN_READ_ONLY;
                return SqlResult.count(0, "BEGIN");
            case COMMIT:
                commit();
                return SqlResult.count(0, "COMMIT");
            case STRICT_READS_ON:
            case STRICT_READS_OFF:
                strictReads = control == DdlParser.Control.STRICT_READS_ON;
                return SqlResult.count(0, "SET");
            default:
                rollback();
                return SqlResult.count(0, "ROLLBACK");
        }
    }

    private SqlResult ddl(final SchemaChange change)
    {
        if (txn != null)
        {
            throw new SqlError(SqlError.ACTIVE_TRANSACTION, "schema changes run on their own, not inside a " +
                "transaction: COMMIT or ROLLBACK first");
        }
        catalogVersion = Math.max(catalogVersion, backend.changeSchema(change));
        return SqlResult.count(0, change.describe());
    }

    private SqlResult statement(final String sql, final List<Object> params)
    {
        // A strict autocommit read whose reads were overtaken before its log position is only a read: run it again.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return once(sql, params);
            }
            catch (final SqlError ex)
            {
                if (!ex.retryable() || !strictReads || txn != null || !autoCommit || attempt == STRICT_READ_ATTEMPTS ||
                    !ex.getMessage().startsWith(STRICT_READ_ABORT))
                {
                    throw ex;
                }
            }
        }
    }

    private SqlResult once(final String sql, final List<Object> params)
    {
        final boolean single = txn == null && autoCommit;
        final TxnContext t = txn != null ? txn : open();
        if (!single && txn == null)
        {
            txn = t; // autocommit off: the first statement opens the transaction
        }
        final Object mark = t.mark();
        try
        {
            final QueryPlanner.Prepared p = planner.prepare(sql, t.catalog());
            if (params.size() != p.params() && p.kind() != QueryPlanner.Kind.EXPLAIN)
            {
                throw new SqlError(SqlError.SYNTAX_OR_ACCESS, "the statement takes " + p.params() +
                    " parameter(s), " + params.size() + " given");
            }
            if (single && !readOnly && p.kind() == QueryPlanner.Kind.UPDATE && p.oneShot() != null)
            {
                final SqlResult oneShot = runOneShot(p, t, params);
                if (oneShot != null)
                {
                    return oneShot;
                }
            }
            final SqlResult result = run(p, t, params);
            if (result.updateCount() > 0 && readOnly)
            {
                throw new SqlError(SqlError.READ_ONLY_TRANSACTION, "cannot " + p.kind() + " in a read-only " +
                    "transaction");
            }
            if (single)
            {
                finish(t);
            }
            return result;
        }
        catch (final RuntimeException | LinkageError | AssertionError | StackOverflowError ex)
        {
            // Whatever went wrong, the statement changed nothing and the session goes on.
            t.rollbackTo(mark);
            if (ex instanceof SqlError e)
            {
                throw e;
            }
            throw Errors.execution(ex);
        }
    }

    /**
     * An autocommitted UPDATE of one row by its primary key, run at its log position: it never aborts on a conflict.
     *
     * @return its result, or null when the backend runs no one-shots.
     */
    private SqlResult runOneShot(final QueryPlanner.Prepared p, final TxnContext t, final List<Object> params)
    {
        final byte[] key = p.oneShot().key(p.target(), params);
        if (key == null)
        {
            return SqlResult.count(0, "UPDATE"); // a key equal to NULL matches no row
        }
        final byte[] assignments = io.stardust.catalog.RowUpdate.encode(p.oneShot().assignments(p.target(), params));
        final SqlBackend.RowUpdated updated = backend.updateRow(t.catalog().version(), p.target().name(), key,
            assignments);
        if (updated == null)
        {
            return null;
        }
        sessionEpoch = Math.max(sessionEpoch, updated.epoch());
        oneShots++;
        return SqlResult.count(updated.rows(), "UPDATE");
    }

    /** @return autocommitted statements this session ran as one-shots. */
    public long oneShots()
    {
        return oneShots;
    }

    private SqlResult run(final QueryPlanner.Prepared p, final TxnContext t, final List<Object> params)
    {
        if (p.kind() == QueryPlanner.Kind.EXPLAIN)
        {
            final List<Object[]> lines = new ArrayList<>();
            for (final String line : p.plan().split("\n"))
            {
                lines.add(new Object[] {line});
            }
            return new SqlResult(p.columns(), lines, -1, "EXPLAIN");
        }
        final List<Object[]> rows = rows(p, t, params);
        return switch (p.kind())
        {
            case QUERY -> new SqlResult(visible(p.columns(), p.hidden()), visibleRows(rows, p.hidden()), -1,
                "SELECT");
            case INSERT -> SqlResult.count(new RowWriter(t, p.target()).insert(rows, rowIds), "INSERT");
            case UPDATE -> SqlResult.count(new RowWriter(t, p.target()).update(rows, p.updateColumns()), "UPDATE");
            default -> SqlResult.count(new RowWriter(t, p.target()).delete(rows), "DELETE");
        };
    }

    private List<Object[]> rows(final QueryPlanner.Prepared p, final TxnContext t, final List<Object> params)
    {
        final List<Object[]> rows = new ArrayList<>();
        final Enumerator<Object> e = p.bindable().bind(new Context(t, params, p.internals())).enumerator();
        try
        {
            while (e.moveNext())
            {
                if (rows.size() == maxRows)
                {
                    throw new SqlError("54000", "the statement produces more than " + maxRows + " rows; narrow it " +
                        "(a WHERE, a LIMIT) or split it");
                }
                final Object row = e.current();
                rows.add(row instanceof Object[] a ? a : new Object[] {row});
            }
        }
        finally
        {
            e.close();
        }
        return rows;
    }

    private static List<ResultColumn> visible(final List<ResultColumn> columns, final boolean[] hidden)
    {
        final List<ResultColumn> out = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++)
        {
            if (!hidden[i])
            {
                out.add(columns.get(i));
            }
        }
        return out;
    }

    private static List<Object[]> visibleRows(final List<Object[]> rows, final boolean[] hidden)
    {
        boolean any = false;
        for (final boolean h : hidden)
        {
            any |= h;
        }
        if (!any)
        {
            return rows;
        }
        final List<Object[]> out = new ArrayList<>(rows.size());
        for (final Object[] row : rows)
        {
            final List<Object> kept = new ArrayList<>();
            for (int i = 0; i < row.length; i++)
            {
                if (!hidden[i])
                {
                    kept.add(row[i]);
                }
            }
            out.add(kept.toArray());
        }
        return out;
    }

    private Catalog catalog()
    {
        final Catalog catalog = backend.catalog(catalogVersion);
        catalogVersion = Math.max(catalogVersion, catalog.version());
        return catalog;
    }

    private TxnContext open()
    {
        final Catalog catalog = catalog();
        return new TxnContext(backend.snapshot(sessionEpoch), catalog);
    }

    private void finish(final TxnContext t)
    {
        if (!t.hasWrites() && (!strictReads || !t.hasReads()))
        {
            // Every read came from one snapshot, a prefix of the serial order: serializable there, without the log.
            sessionEpoch = Math.max(sessionEpoch, t.snapshotEpoch());
            return;
        }
        if (!t.hasWrites())
        {
            // A strict read: validated at its log position, so what it read is still current there (linearizable).
            try
            {
                sessionEpoch = Math.max(sessionEpoch, backend.commit(t.toCommit()));
            }
            catch (final SqlError ex)
            {
                throw ex.retryable() ? new SqlError(ex.sqlState(), STRICT_READ_ABORT + ex.getMessage(), ex) : ex;
            }
            return;
        }
        sessionEpoch = Math.max(sessionEpoch, backend.commit(t.toCommit()));
    }

    /** What the compiled plan reads: the transaction, the parameters, the plan's own values, the time. */
    private static final class Context implements DataContext
    {
        private final TxnContext txn;
        private final List<Object> params;
        private final Map<String, Object> internals;
        private final long now = System.currentTimeMillis();

        Context(final TxnContext txn, final List<Object> params, final Map<String, Object> internals)
        {
            this.txn = txn;
            this.params = params;
            this.internals = internals;
        }

        @Override
        public SchemaPlus getRootSchema()
        {
            return null;
        }

        @Override
        public JavaTypeFactory getTypeFactory()
        {
            return TYPES;
        }

        @Override
        public QueryProvider getQueryProvider()
        {
            return null;
        }

        @Override
        public Object get(final String name)
        {
            if (TxnContext.KEY.equals(name))
            {
                return txn;
            }
            if (name.startsWith("?"))
            {
                return params.get(Integer.parseInt(name.substring(1)));
            }
            if (Variable.CURRENT_TIMESTAMP.camelName.equals(name) || Variable.LOCAL_TIMESTAMP.camelName.equals(name) ||
                Variable.UTC_TIMESTAMP.camelName.equals(name))
            {
                return now;
            }
            if (Variable.TIME_ZONE.camelName.equals(name))
            {
                return TimeZone.getTimeZone("UTC");
            }
            return internals.get(name);
        }
    }
}
