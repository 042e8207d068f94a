package io.stardust.server.sql;

import io.stardust.planner.ResultColumn;
import io.stardust.planner.SqlError;
import io.stardust.planner.SqlResult;
import io.stardust.planner.SqlSession;
import org.apache.calcite.avatica.AvaticaParameter;
import org.apache.calcite.avatica.AvaticaSeverity;
import org.apache.calcite.avatica.ColumnMetaData;
import org.apache.calcite.avatica.ConnectionPropertiesImpl;
import org.apache.calcite.avatica.Meta;
import org.apache.calcite.avatica.MissingResultsException;
import org.apache.calcite.avatica.NoSuchConnectionException;
import org.apache.calcite.avatica.NoSuchStatementException;
import org.apache.calcite.avatica.QueryState;
import org.apache.calcite.avatica.proto.Common;
import org.apache.calcite.avatica.proto.Requests;
import org.apache.calcite.avatica.remote.AvaticaRuntimeException;
import org.apache.calcite.avatica.remote.ProtobufMeta;
import org.apache.calcite.avatica.remote.TypedValue;

import java.sql.Connection;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Avatica's server side of the JDBC protocol, over Stardust's SQL sessions: one {@link SqlSession} per JDBC
 * connection, results cut into frames that fit the member's replies, SQL errors sent with their SQLSTATE. A
 * connection's requests come one at a time (JDBC calls block), so its state needs no lock; different connections
 * run at once.
 */
final class GatewayMeta implements ProtobufMeta
{
    /** Most result bytes, about, in one frame: a reply must fit the client's connection. */
    static final int FRAME_BYTES = 512 * 1024;
    /**
     * The statement the JDBC driver sends for DatabaseMetaData.getPrimaryKeys, which Avatica's protocol lacks
     * (io.stardust.jdbc.StardustDriver.PRIMARY_KEYS; the two must match).
     */
    static final String PRIMARY_KEYS = "/*stardust:primary-keys*/ ";
    /** Who the request being handled on this thread comes from (null on a member without authentication). */
    static final ThreadLocal<io.stardust.protocol.auth.Principal> CALLER = new ThreadLocal<>();

    private final Map<String, Conn> connections = new ConcurrentHashMap<>();
    private final java.util.function.BiFunction<String, String, SqlSession> sessions;
    private final java.util.function.Supplier<io.stardust.catalog.Catalog> catalog;
    private final CatalogMetadata metadata;
    private final java.util.function.Consumer<String> onRequest;

    /** One JDBC connection: its session (bound to its database) and its statements. */
    private static final class Conn
    {
        final SqlSession session;
        final String database;
        final io.stardust.protocol.auth.Principal owner;
        final Map<Integer, Stmt> statements = new ConcurrentHashMap<>();
        final AtomicInteger nextStatement = new AtomicInteger();

        Conn(final SqlSession session, final String database, final io.stardust.protocol.auth.Principal owner)
        {
            this.session = session;
            this.database = database;
            this.owner = owner;
        }
    }

    /** One statement: its text once prepared, and the rows of its result not yet fetched. */
    private static final class Stmt
    {
        String sql;
        Signature signature;
        List<Object[]> rows = List.of();
        int position;
    }

    /**
     * @param sessions makes a session for a connection id, bound to a database.
     * @param catalog   the member's current catalog: which databases exist, and what DatabaseMetaData shows of them.
     * @param onRequest told the database of each request on a connection (the tenants' counts).
     */
    GatewayMeta(final java.util.function.BiFunction<String, String, SqlSession> sessions,
        final java.util.function.Supplier<io.stardust.catalog.Catalog> catalog,
        final java.util.function.Consumer<String> onRequest)
    {
        this.onRequest = onRequest;
        this.sessions = sessions;
        this.catalog = catalog;
        this.metadata = new CatalogMetadata((connection) ->
        {
            final Conn c = connections.get(connection);
            return catalog.get().viewOf(c == null ? io.stardust.catalog.Catalog.DEFAULT_DATABASE : c.database);
        });
    }

    /** @return open connections. */
    int connectionCount()
    {
        return connections.size();
    }

    // ----- connections -----

    @Override
    public void openConnection(final ConnectionHandle ch, final Map<String, String> info)
    {
        final io.stardust.protocol.auth.Principal caller = CALLER.get();
        final String asked = info == null ? null : info.get("database");
        final String database = asked == null || asked.isEmpty() ?
            (caller == null ? io.stardust.catalog.Catalog.DEFAULT_DATABASE : caller.database()) : asked;
        if (caller != null && !caller.mayUse(database))
        {
            throw error("42501", "permission denied for database \"" + database + "\": user " + caller.user() +
                " authenticated for database " + caller.database());
        }
        if (!io.stardust.catalog.Catalog.DEFAULT_DATABASE.equals(database) &&
            catalog.get().database(database) == null)
        {
            throw error("3D000", "database \"" + database + "\" does not exist");
        }
        connections.put(ch.id, new Conn(sessions.apply(ch.id, database), database, caller));
    }

    @Override
    public void closeConnection(final ConnectionHandle ch)
    {
        final Conn c = connections.remove(ch.id);
        if (c != null && c.session.inTransaction())
        {
            c.session.rollback();
        }
    }

    @Override
    public ConnectionProperties connectionSync(final ConnectionHandle ch, final ConnectionProperties props)
    {
        final Conn c = conn(ch);
        if (props.isAutoCommit() != null && props.isAutoCommit() != c.session.autoCommit())
        {
            run(() ->
            {
                c.session.autoCommit(props.isAutoCommit());
                return null;
            });
        }
        // Every transaction is serializable, whatever isolation is asked for: asking for less gives more.
        return new ConnectionPropertiesImpl(c.session.autoCommit(), false, Connection.TRANSACTION_SERIALIZABLE, null,
            "public");
    }

    @Override
    public void commit(final ConnectionHandle ch)
    {
        final Conn c = conn(ch);
        run(() ->
        {
            c.session.commit();
            return null;
        });
    }

    @Override
    public void rollback(final ConnectionHandle ch)
    {
        conn(ch).session.rollback();
    }

    @Override
    public Map<DatabaseProperty, Object> getDatabaseProperties(final ConnectionHandle ch)
    {
        return Map.of(
            DatabaseProperty.GET_DATABASE_PRODUCT_NAME, "Stardust",
            DatabaseProperty.GET_DATABASE_PRODUCT_VERSION, "0.1",
            DatabaseProperty.GET_DATABASE_MAJOR_VERSION, 0,
            DatabaseProperty.GET_DATABASE_MINOR_VERSION, 1,
            DatabaseProperty.GET_DEFAULT_TRANSACTION_ISOLATION, Connection.TRANSACTION_SERIALIZABLE);
    }

    // ----- statements -----

    @Override
    public StatementHandle createStatement(final ConnectionHandle ch)
    {
        final Conn c = conn(ch);
        final int id = c.nextStatement.incrementAndGet();
        c.statements.put(id, new Stmt());
        return new StatementHandle(ch.id, id, null);
    }

    @Override
    public StatementHandle prepare(final ConnectionHandle ch, final String sql, final long maxRowCount)
    {
        final Conn c = conn(ch);
        final SqlSession.Described d = run(() -> c.session.describe(sql));
        final int id = c.nextStatement.incrementAndGet();
        final Stmt s = new Stmt();
        s.sql = sql;
        s.signature = signature(sql, d.columns(), d.params(), d.query() ? StatementType.SELECT : StatementType.IS_DML);
        c.statements.put(id, s);
        return new StatementHandle(ch.id, id, s.signature);
    }

    @Override
    public ExecuteResult prepareAndExecute(
        final StatementHandle h, final String sql, final long maxRowCount, final PrepareCallback callback)
        throws NoSuchStatementException
    {
        return prepareAndExecute(h, sql, maxRowCount, -1, callback);
    }

    @Override
    public ExecuteResult prepareAndExecute(
        final StatementHandle h, final String sql, final long maxRowCount, final int maxRowsInFirstFrame,
        final PrepareCallback callback) throws NoSuchStatementException
    {
        final Conn c = conn(h.connectionId);
        final Stmt s = stmt(c, h);
        if (sql.startsWith(PRIMARY_KEYS))
        {
            final MetaResultSet keys = metadata.primaryKeys(h.connectionId, sql.substring(PRIMARY_KEYS.length()));
            return new ExecuteResult(List.of(MetaResultSet.create(h.connectionId, h.id, false, keys.signature,
                keys.firstFrame)));
        }
        s.sql = sql;
        return execute(h, c, s, List.of(), maxRowCount);
    }

    @Override
    public ExecuteResult execute(final StatementHandle h, final List<TypedValue> parameterValues,
        final long maxRowCount) throws NoSuchStatementException
    {
        final Conn c = conn(h.connectionId);
        final Stmt s = stmt(c, h);
        return execute(h, c, s, values(parameterValues), maxRowCount);
    }

    @Override
    public ExecuteResult execute(final StatementHandle h, final List<TypedValue> parameterValues,
        final int maxRowsInFirstFrame) throws NoSuchStatementException
    {
        return execute(h, parameterValues, (long)-1);
    }

    private ExecuteResult execute(
        final StatementHandle h, final Conn c, final Stmt s, final List<Object> params, final long maxRowCount)
    {
        final SqlResult result = run(() -> c.session.execute(s.sql, params));
        if (!result.isQuery())
        {
            s.rows = List.of();
            return new ExecuteResult(List.of(MetaResultSet.count(h.connectionId, h.id, result.updateCount())));
        }
        List<Object[]> rows = result.rows();
        if (maxRowCount > 0 && rows.size() > maxRowCount)
        {
            rows = rows.subList(0, (int)maxRowCount);
        }
        s.signature = signature(s.sql, result.columns(), params.size(), StatementType.SELECT);
        s.rows = rows;
        s.position = 0;
        final Frame first = frame(s);
        return new ExecuteResult(List.of(MetaResultSet.create(h.connectionId, h.id, false, s.signature, first)));
    }

    @Override
    public ExecuteBatchResult prepareAndExecuteBatch(final StatementHandle h, final List<String> sqlCommands)
        throws NoSuchStatementException
    {
        final Conn c = conn(h.connectionId);
        final long[] counts = new long[sqlCommands.size()];
        for (int i = 0; i < counts.length; i++)
        {
            final String sql = sqlCommands.get(i);
            counts[i] = run(() -> c.session.execute(sql, List.of())).updateCount();
        }
        return new ExecuteBatchResult(counts);
    }

    @Override
    public ExecuteBatchResult executeBatch(final StatementHandle h, final List<List<TypedValue>> parameterValues)
        throws NoSuchStatementException
    {
        final Conn c = conn(h.connectionId);
        final Stmt s = stmt(c, h);
        final long[] counts = new long[parameterValues.size()];
        for (int i = 0; i < counts.length; i++)
        {
            final List<Object> params = values(parameterValues.get(i));
            counts[i] = run(() -> c.session.execute(s.sql, params)).updateCount();
        }
        return new ExecuteBatchResult(counts);
    }

    @Override
    public ExecuteBatchResult executeBatchProtobuf(final StatementHandle h, final List<Requests.UpdateBatch> updates)
        throws NoSuchStatementException
    {
        final List<List<TypedValue>> values = new ArrayList<>();
        for (final Requests.UpdateBatch batch : updates)
        {
            final List<TypedValue> row = new ArrayList<>();
            for (final Common.TypedValue v : batch.getParameterValuesList())
            {
                row.add(TypedValue.fromProto(v));
            }
            values.add(row);
        }
        return executeBatch(h, values);
    }

    @Override
    public Frame fetch(final StatementHandle h, final long offset, final int fetchMaxRowCount)
        throws NoSuchStatementException, MissingResultsException
    {
        final Stmt s = stmt(conn(h.connectionId), h);
        s.position = (int)Math.min(offset, s.rows.size());
        return frame(s);
    }

    @Override
    public void closeStatement(final StatementHandle h)
    {
        final Conn c = connections.get(h.connectionId);
        if (c != null)
        {
            c.statements.remove(h.id);
        }
    }

    @Override
    public boolean syncResults(final StatementHandle sh, final QueryState state, final long offset)
    {
        return false;
    }

    @Override
    public Iterable<Object> createIterable(
        final StatementHandle h, final QueryState state, final Signature signature, final List<TypedValue> params,
        final Frame firstFrame)
    {
        throw new UnsupportedOperationException("createIterable is the client's");
    }

    /** The rows from the statement's position, as many as fit a frame. */
    private static Frame frame(final Stmt s)
    {
        final int start = s.position;
        final List<Object> out = new ArrayList<>();
        int bytes = 0;
        while (s.position < s.rows.size() && (out.isEmpty() || bytes < FRAME_BYTES))
        {
            final Object[] row = s.rows.get(s.position++);
            bytes += size(row);
            out.add(row);
        }
        return new Frame(start, s.position >= s.rows.size(), out);
    }

    private static int size(final Object[] row)
    {
        int n = 16;
        for (final Object v : row)
        {
            n += v instanceof String str ? 8 + 3 * str.length() : 16;
        }
        return n;
    }

    // ----- metadata -----

    @Override
    public MetaResultSet getTables(
        final ConnectionHandle ch, final String catalog, final Pat schemaPattern, final Pat tableNamePattern,
        final List<String> typeList)
    {
        return metadata.tables(ch.id, tableNamePattern);
    }

    @Override
    public MetaResultSet getColumns(
        final ConnectionHandle ch, final String catalog, final Pat schemaPattern, final Pat tableNamePattern,
        final Pat columnNamePattern)
    {
        return metadata.columns(ch.id, tableNamePattern, columnNamePattern);
    }

    @Override
    public MetaResultSet getPrimaryKeys(
        final ConnectionHandle ch, final String catalog, final String schema, final String table)
    {
        return metadata.primaryKeys(ch.id, table);
    }

    @Override
    public MetaResultSet getIndexInfo(
        final ConnectionHandle ch, final String catalog, final String schema, final String table,
        final boolean unique, final boolean approximate)
    {
        return metadata.indexes(ch.id, table, unique);
    }

    @Override
    public MetaResultSet getSchemas(final ConnectionHandle ch, final String catalog, final Pat schemaPattern)
    {
        return metadata.schemas(ch.id);
    }

    @Override
    public MetaResultSet getCatalogs(final ConnectionHandle ch)
    {
        return metadata.empty(ch.id, "TABLE_CAT");
    }

    @Override
    public MetaResultSet getTableTypes(final ConnectionHandle ch)
    {
        return metadata.tableTypes(ch.id);
    }

    @Override
    public MetaResultSet getTypeInfo(final ConnectionHandle ch)
    {
        return metadata.types(ch.id);
    }

    @Override
    public MetaResultSet getProcedures(
        final ConnectionHandle ch, final String catalog, final Pat schemaPattern, final Pat procedureNamePattern)
    {
        return metadata.empty(ch.id, "PROCEDURE_CAT", "PROCEDURE_SCHEM", "PROCEDURE_NAME");
    }

    @Override
    public MetaResultSet getProcedureColumns(final ConnectionHandle ch, final String catalog,
        final Pat schemaPattern, final Pat procedureNamePattern, final Pat columnNamePattern)
    {
        return metadata.empty(ch.id, "PROCEDURE_CAT", "PROCEDURE_SCHEM", "PROCEDURE_NAME", "COLUMN_NAME");
    }

    @Override
    public MetaResultSet getColumnPrivileges(final ConnectionHandle ch, final String catalog, final String schema,
        final String table, final Pat columnNamePattern)
    {
        return metadata.empty(ch.id, "TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "COLUMN_NAME");
    }

    @Override
    public MetaResultSet getTablePrivileges(final ConnectionHandle ch, final String catalog,
        final Pat schemaPattern, final Pat tableNamePattern)
    {
        return metadata.empty(ch.id, "TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME");
    }

    @Override
    public MetaResultSet getBestRowIdentifier(final ConnectionHandle ch, final String catalog, final String schema,
        final String table, final int scope, final boolean nullable)
    {
        return metadata.empty(ch.id, "SCOPE", "COLUMN_NAME");
    }

    @Override
    public MetaResultSet getVersionColumns(final ConnectionHandle ch, final String catalog, final String schema,
        final String table)
    {
        return metadata.empty(ch.id, "SCOPE", "COLUMN_NAME");
    }

    @Override
    public MetaResultSet getImportedKeys(final ConnectionHandle ch, final String catalog, final String schema,
        final String table)
    {
        return metadata.empty(ch.id, "PKTABLE_CAT", "PKTABLE_SCHEM", "PKTABLE_NAME", "PKCOLUMN_NAME");
    }

    @Override
    public MetaResultSet getExportedKeys(final ConnectionHandle ch, final String catalog, final String schema,
        final String table)
    {
        return metadata.empty(ch.id, "PKTABLE_CAT", "PKTABLE_SCHEM", "PKTABLE_NAME", "PKCOLUMN_NAME");
    }

    @Override
    public MetaResultSet getCrossReference(final ConnectionHandle ch, final String parentCatalog,
        final String parentSchema, final String parentTable, final String foreignCatalog, final String foreignSchema,
        final String foreignTable)
    {
        return metadata.empty(ch.id, "PKTABLE_CAT", "PKTABLE_SCHEM", "PKTABLE_NAME", "PKCOLUMN_NAME");
    }

    @Override
    public MetaResultSet getUDTs(final ConnectionHandle ch, final String catalog, final Pat schemaPattern,
        final Pat typeNamePattern, final int[] types)
    {
        return metadata.empty(ch.id, "TYPE_CAT", "TYPE_SCHEM", "TYPE_NAME");
    }

    @Override
    public MetaResultSet getSuperTypes(final ConnectionHandle ch, final String catalog, final Pat schemaPattern,
        final Pat typeNamePattern)
    {
        return metadata.empty(ch.id, "TYPE_CAT", "TYPE_SCHEM", "TYPE_NAME");
    }

    @Override
    public MetaResultSet getSuperTables(final ConnectionHandle ch, final String catalog, final Pat schemaPattern,
        final Pat tableNamePattern)
    {
        return metadata.empty(ch.id, "TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME");
    }

    @Override
    public MetaResultSet getAttributes(final ConnectionHandle ch, final String catalog, final Pat schemaPattern,
        final Pat typeNamePattern, final Pat attributeNamePattern)
    {
        return metadata.empty(ch.id, "TYPE_CAT", "TYPE_SCHEM", "TYPE_NAME");
    }

    @Override
    public MetaResultSet getClientInfoProperties(final ConnectionHandle ch)
    {
        return metadata.empty(ch.id, "NAME", "MAX_LEN", "DEFAULT_VALUE", "DESCRIPTION");
    }

    @Override
    public MetaResultSet getFunctions(final ConnectionHandle ch, final String catalog, final Pat schemaPattern,
        final Pat functionNamePattern)
    {
        return metadata.empty(ch.id, "FUNCTION_CAT", "FUNCTION_SCHEM", "FUNCTION_NAME");
    }

    @Override
    public MetaResultSet getFunctionColumns(final ConnectionHandle ch, final String catalog,
        final Pat schemaPattern, final Pat functionNamePattern, final Pat columnNamePattern)
    {
        return metadata.empty(ch.id, "FUNCTION_CAT", "FUNCTION_SCHEM", "FUNCTION_NAME", "COLUMN_NAME");
    }

    @Override
    public MetaResultSet getPseudoColumns(final ConnectionHandle ch, final String catalog, final Pat schemaPattern,
        final Pat tableNamePattern, final Pat columnNamePattern)
    {
        return metadata.empty(ch.id, "TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "COLUMN_NAME");
    }

    // ----- helpers -----

    private Conn conn(final ConnectionHandle ch)
    {
        return conn(ch.id);
    }

    private Conn conn(final String id)
    {
        final Conn c = connections.get(id);
        if (c == null || !java.util.Objects.equals(c.owner, CALLER.get()))
        {
            throw new NoSuchConnectionException(id); // another client's connection is no connection of this one
        }
        onRequest.accept(c.database);
        return c;
    }

    private static Stmt stmt(final Conn c, final StatementHandle h) throws NoSuchStatementException
    {
        final Stmt s = c.statements.get(h.id);
        if (s == null)
        {
            throw new NoSuchStatementException(h);
        }
        return s;
    }

    /** Parameter values in the forms the planner takes: DATE as days, TIMESTAMP as milliseconds, the rest local. */
    private static List<Object> values(final List<TypedValue> typed)
    {
        final List<Object> values = new ArrayList<>(typed.size());
        for (final TypedValue v : typed)
        {
            if (v == null || v.value == null)
            {
                values.add(null);
            }
            else if (v.type == ColumnMetaData.Rep.JAVA_SQL_DATE)
            {
                values.add(((Number)v.value).intValue());
            }
            else if (v.type == ColumnMetaData.Rep.JAVA_SQL_TIMESTAMP || v.type == ColumnMetaData.Rep.JAVA_UTIL_DATE)
            {
                values.add(((Number)v.value).longValue());
            }
            else
            {
                values.add(v.toLocal());
            }
        }
        return values;
    }

    static Signature signature(
        final String sql, final List<ResultColumn> columns, final int params, final StatementType type)
    {
        final List<ColumnMetaData> meta = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++)
        {
            meta.add(column(i, columns.get(i)));
        }
        final List<AvaticaParameter> parameters = new ArrayList<>();
        for (int i = 0; i < params; i++)
        {
            parameters.add(new AvaticaParameter(true, 0, 0, Types.OTHER, "ANY", Object.class.getName(), "?" + i));
        }
        return Signature.create(meta, sql, parameters, CursorFactory.ARRAY, type);
    }

    static ColumnMetaData column(final int ordinal, final ResultColumn c)
    {
        final Carried carried = switch (c.sqlType())
        {
            case Types.BIGINT -> new Carried(ColumnMetaData.Rep.LONG, Long.class);
            case Types.TIMESTAMP -> new Carried(ColumnMetaData.Rep.LONG, java.sql.Timestamp.class);
            case Types.INTEGER -> new Carried(ColumnMetaData.Rep.INTEGER, Integer.class);
            case Types.DATE -> new Carried(ColumnMetaData.Rep.INTEGER, java.sql.Date.class);
            case Types.SMALLINT -> new Carried(ColumnMetaData.Rep.SHORT, Short.class);
            case Types.DOUBLE, Types.FLOAT, Types.REAL -> new Carried(ColumnMetaData.Rep.DOUBLE, Double.class);
            case Types.DECIMAL, Types.NUMERIC -> new Carried(ColumnMetaData.Rep.NUMBER, java.math.BigDecimal.class);
            case Types.BOOLEAN -> new Carried(ColumnMetaData.Rep.BOOLEAN, Boolean.class);
            case Types.VARCHAR, Types.CHAR -> new Carried(ColumnMetaData.Rep.STRING, String.class);
            default -> new Carried(ColumnMetaData.Rep.OBJECT, String.class);
        };
        return new ColumnMetaData(ordinal, false, true, true, false,
            c.nullable() ? java.sql.DatabaseMetaData.columnNullable : java.sql.DatabaseMetaData.columnNoNulls,
            true, Math.max(1, Math.min(c.precision(), 1 << 16)), c.name(), c.column().isEmpty() ? c.name() : c.column(),
            "public", c.precision(),
            c.scale(), c.table(), null, ColumnMetaData.scalar(c.sqlType(), c.typeName(), carried.rep()), true, false,
            false, carried.type().getName());
    }

    /**
     * How Avatica carries a column's values (DATE as days, TIMESTAMP as milliseconds), and the class JDBC reports.
     *
     * @param rep  the representation on the wire.
     * @param type the class of {@code ResultSet.getObject}.
     */
    private record Carried(ColumnMetaData.Rep rep, Class<?> type)
    {
    }

    /** Run a session call; a SQL error goes to the client with its SQLSTATE. */
    private static <T> T run(final java.util.function.Supplier<T> call)
    {
        try
        {
            return call.get();
        }
        catch (final SqlError ex)
        {
            throw error(ex.sqlState(), ex.getMessage());
        }
    }

    static AvaticaRuntimeException error(final String sqlState, final String message)
    {
        return new AvaticaRuntimeException(message, 0, sqlState, AvaticaSeverity.ERROR);
    }
}
