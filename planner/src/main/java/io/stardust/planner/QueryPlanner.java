package io.stardust.planner;

import io.stardust.catalog.Catalog;
import io.stardust.catalog.TableDef;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.enumerable.EnumerableInterpretable;
import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.enumerable.EnumerableRules;
import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.avatica.util.Quoting;
import org.apache.calcite.plan.ConventionTraitDef;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelCollationTraitDef;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelRoot;
import org.apache.calcite.rel.core.TableModify;
import org.apache.calcite.rel.metadata.DefaultRelMetadataProvider;
import org.apache.calcite.rel.rules.CoreRules;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.runtime.Bindable;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.sql.SqlExplain;
import org.apache.calcite.sql.SqlExplainLevel;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlInsert;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.validate.SqlConformanceEnum;
import org.apache.calcite.sql2rel.SqlToRelConverter;
import org.apache.calcite.tools.FrameworkConfig;
import org.apache.calcite.tools.Frameworks;
import org.apache.calcite.tools.Planner;
import org.apache.calcite.tools.Program;
import org.apache.calcite.tools.Programs;
import org.apache.calcite.tools.RelConversionException;
import org.apache.calcite.tools.ValidationException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Plans a query or DML statement with Calcite against one catalog version: parse, validate, then optimize in two
 * phases (sub-queries and decorrelation rule by rule, then cost-based with Calcite's enumerable rules and Stardust's
 * own), and compile to code. Plans are cached by statement text and catalog version, so a prepared statement, or the
 * same text again, skips all of it.
 */
final class QueryPlanner
{
    /** Plans kept, least recently used dropped first. */
    static final int CACHE_SIZE = 512;

    private static final SqlParser.Config PARSER = SqlParser.config()
        .withQuoting(Quoting.DOUBLE_QUOTE)
        .withUnquotedCasing(Casing.TO_LOWER)
        .withQuotedCasing(Casing.UNCHANGED)
        .withCaseSensitive(true)
        .withConformance(SqlConformanceEnum.LENIENT);

    private static final List<RelOptRule> RULES = rules();

    /** What a statement is, once planned. */
    enum Kind
    {
        QUERY, INSERT, UPDATE, DELETE, EXPLAIN
    }

    /**
     * A planned statement.
     *
     * @param kind           what it is.
     * @param catalogVersion the catalog version it was planned against.
     * @param bindable       the compiled plan of its rows (a DML statement's source rows); null for EXPLAIN.
     * @param internals      values the compiled plan reads from its data context.
     * @param columns        the result's columns (for DML, the source rows' fields).
     * @param hidden         which result columns to leave out (a row id the statement did not name).
     * @param target         the table a DML statement changes, or null.
     * @param updateColumns  columns an UPDATE sets, in the order of its source rows' trailing fields.
     * @param params         how many parameters it takes.
     * @param plan           the physical plan, as EXPLAIN shows it.
     * @param oneShot        an UPDATE's one-shot form (run at its log position when autocommitted), or null.
     */
    record Prepared(Kind kind, long catalogVersion, Bindable<Object> bindable, Map<String, Object> internals,
        List<ResultColumn> columns, boolean[] hidden, TableDef target, List<String> updateColumns, int params,
        String plan, OneShotUpdate oneShot)
    {
    }

    private final TableStats stats;
    private final Map<String, Prepared> cache = new LinkedHashMap<>(64, 0.75f, true)
    {
        @Override
        protected boolean removeEldestEntry(final Map.Entry<String, Prepared> eldest)
        {
            return size() > CACHE_SIZE;
        }
    };
    private long hits;
    private long misses;

    QueryPlanner(final TableStats stats)
    {
        this.stats = stats;
    }

    /**
     * @param sql     the statement.
     * @param catalog the catalog to plan against.
     * @return the plan, from the cache when the same text was planned against the same catalog version.
     * @throws SqlError with a position for syntax errors, naming unknown tables and columns, type mismatches.
     */
    synchronized Prepared prepare(final String sql, final Catalog catalog)
    {
        // A database's view and the whole catalog have the same version: the view's database is part of the key.
        final String key = catalog.version() + "\u0000" + catalog.viewDatabase() + "\u0000" + sql;
        final Prepared cached = cache.get(key);
        if (cached != null)
        {
            hits++;
            return cached;
        }
        misses++;
        final Prepared prepared = plan(sql, catalog);
        cache.put(key, prepared);
        return prepared;
    }

    /** @return {hits, misses} of the plan cache. */
    synchronized long[] cacheCounts()
    {
        return new long[] {hits, misses};
    }

    private Prepared plan(final String sql, final Catalog catalog)
    {
        final SchemaPlus root = Frameworks.createRootSchema(false);
        final SchemaPlus schema = root.add("public", new StardustSchema(catalog, stats));
        final Program costBased = Programs.ofRules(RULES);
        final Program program = Programs.sequence(
            Programs.subQuery(DefaultRelMetadataProvider.INSTANCE),
            Programs.decorrelate(),
            (relPlanner, rel, traits, materializations, lattices) ->
            {
                // Top-down: a Sort asks its input for its order, and a scan that has it makes the Sort go.
                if (relPlanner instanceof org.apache.calcite.plan.volcano.VolcanoPlanner volcano)
                {
                    volcano.setTopDownOpt(true);
                }
                return costBased.run(relPlanner, rel, traits, materializations, lattices);
            },
            Programs.calc(DefaultRelMetadataProvider.INSTANCE),
            Programs.hep(List.of(StardustRules.SORT_ON_SORTED, StardustRules.UNSORTED_OUTER,
                StardustRules.NARROW_SCAN), true, DefaultRelMetadataProvider.INSTANCE));
        final FrameworkConfig config = Frameworks.newConfigBuilder()
            .parserConfig(PARSER)
            .defaultSchema(schema)
            .traitDefs(ConventionTraitDef.INSTANCE, RelCollationTraitDef.INSTANCE)
            .sqlToRelConverterConfig(SqlToRelConverter.config().withTrimUnusedFields(true).withExpand(false))
            .programs(program)
            .build();
        final Planner planner = Frameworks.getPlanner(config);
        try
        {
            SqlNode node = planner.parse(sql);
            boolean explain = false;
            if (node instanceof SqlExplain e)
            {
                explain = true;
                node = e.getExplicandum();
            }
            if (node instanceof SqlInsert insert)
            {
                addRowIdColumnList(insert, catalog);
                checkValuesWidth(insert, catalog);
            }
            final SqlNode validated;
            try
            {
                validated = planner.validate(node);
            }
            catch (final RuntimeException ex)
            {
                throw new SqlError(SqlError.SYNTAX_OR_ACCESS, "could not validate the statement: " + ex, ex);
            }
            final RelRoot relRoot = planner.rel(validated);
            final int params = countParams(validated);
            RelNode logical = relRoot.rel;
            Kind kind = Kind.QUERY;
            TableDef target = null;
            List<String> updateColumns = List.of();
            OneShotUpdate oneShot = null;
            if (logical instanceof TableModify modify)
            {
                kind = switch (modify.getOperation())
                {
                    case INSERT -> Kind.INSERT;
                    case UPDATE -> Kind.UPDATE;
                    case DELETE -> Kind.DELETE;
                    default -> throw new SqlError(SqlError.FEATURE_NOT_SUPPORTED, modify.getOperation() +
                        " is not supported");
                };
                target = catalog.table(modify.getTable().getQualifiedName().get(
                    modify.getTable().getQualifiedName().size() - 1));
                updateColumns = modify.getUpdateColumnList() == null ? List.of() : modify.getUpdateColumnList();
                oneShot = kind == Kind.UPDATE ? OneShotUpdate.of(modify, target, updateColumns) : null;
                logical = modify.getInput();
            }
            final RelTraitSet wanted = logical.getTraitSet().replace(EnumerableConvention.INSTANCE)
                .replace(kind == Kind.QUERY ? relRoot.collation : org.apache.calcite.rel.RelCollations.EMPTY);
            RelNode physical = planner.transform(0, wanted, logical);
            if (kind == Kind.QUERY && !relRoot.isRefTrivial())
            {
                // The statement's own columns, after the order (which may use columns it does not show).
                final List<org.apache.calcite.rex.RexNode> refs = new ArrayList<>();
                final List<String> names = new ArrayList<>();
                for (final java.util.Map.Entry<Integer, String> f : relRoot.fields)
                {
                    refs.add(physical.getCluster().getRexBuilder().makeInputRef(physical, f.getKey()));
                    names.add(f.getValue());
                }
                physical = org.apache.calcite.adapter.enumerable.EnumerableCalc.create(physical,
                    org.apache.calcite.rex.RexProgram.create(physical.getRowType(), refs, null, names,
                        physical.getCluster().getRexBuilder()));
            }
            final String plan = (oneShot == null ? "" : "OneShotUpdate(the row by its primary key, updated at its " +
                "log position when autocommitted)\n") + RelOptUtil.toString(physical,
                SqlExplainLevel.EXPPLAN_ATTRIBUTES);
            final List<ResultColumn> columns = columns(physical.getRowType(), relRoot, kind, catalog);
            final boolean[] hidden = hidden(columns, sql);
            if (explain)
            {
                return new Prepared(Kind.EXPLAIN, catalog.version(), null, Map.of(),
                    List.of(new ResultColumn("plan", java.sql.Types.VARCHAR, "VARCHAR", 0, 0, false, "", "")),
                    new boolean[1], target, updateColumns, params, plan, oneShot);
            }
            final Map<String, Object> internals = new HashMap<>();
            @SuppressWarnings("unchecked")
            final Bindable<Object> bindable = (Bindable<Object>)(Bindable<?>)EnumerableInterpretable.toBindable(
                internals, null, (EnumerableRel)physical, EnumerableRel.Prefer.ARRAY);
            return new Prepared(kind, catalog.version(), bindable, Map.copyOf(internals), columns, hidden, target,
                updateColumns, params, plan, oneShot);
        }
        catch (final SqlParseException ex)
        {
            final SqlParserPos pos = ex.getPos();
            throw new SqlError(SqlError.SYNTAX_ERROR, "syntax error at line " + pos.getLineNum() + ", column " +
                pos.getColumnNum() + ": " + firstLine(ex.getMessage()), ex);
        }
        catch (final ValidationException ex)
        {
            throw Errors.validation(ex);
        }
        catch (final RelConversionException ex)
        {
            throw new SqlError(SqlError.INTERNAL, "could not plan the statement: " + ex.getMessage(), ex);
        }
        finally
        {
            planner.close();
        }
    }

    /**
     * A table without a primary key has a row id the gateway fills in: an INSERT without a column list names the
     * other columns, so its values line up with what the user sees.
     */
    private static void addRowIdColumnList(final SqlInsert insert, final Catalog catalog)
    {
        if (insert.getTargetColumnList() != null || !(insert.getTargetTable() instanceof SqlIdentifier id))
        {
            return;
        }
        final String name = id.names.get(id.names.size() - 1);
        final TableDef table = catalog.table(name);
        if (table == null || table.keyValue() || !table.hasRowId())
        {
            return;
        }
        final SqlNodeList columns = new SqlNodeList(SqlParserPos.ZERO);
        for (final io.stardust.catalog.Column c : table.visibleColumns())
        {
            columns.add(new SqlIdentifier(c.name(), SqlParserPos.ZERO));
        }
        insert.setOperand(3, columns);
    }

    /** An INSERT ... VALUES row wider than its target columns (Calcite's validator fails on it unhelpfully). */
    private static void checkValuesWidth(final SqlInsert insert, final Catalog catalog)
    {
        if (!(insert.getSource() instanceof org.apache.calcite.sql.SqlCall values) ||
            values.getKind() != org.apache.calcite.sql.SqlKind.VALUES)
        {
            return;
        }
        int targets = -1;
        if (insert.getTargetColumnList() != null)
        {
            targets = insert.getTargetColumnList().size();
        }
        else if (insert.getTargetTable() instanceof SqlIdentifier id)
        {
            final TableDef table = catalog.table(id.names.get(id.names.size() - 1));
            targets = table == null || table.keyValue() ? -1 : table.columns().size();
        }
        for (final SqlNode row : values.getOperandList())
        {
            if (targets >= 0 && row instanceof org.apache.calcite.sql.SqlCall r && r.operandCount() > targets)
            {
                final SqlParserPos pos = r.getParserPosition();
                throw new SqlError(SqlError.SYNTAX_ERROR, "at line " + pos.getLineNum() + ", column " +
                    pos.getColumnNum() + ": INSERT has more expressions (" + r.operandCount() + ") than target " +
                    "columns (" + targets + ")");
            }
        }
    }

    private static int countParams(final SqlNode validated)
    {
        final int[] max = {0};
        validated.accept(new org.apache.calcite.sql.util.SqlShuttle()
        {
            @Override
            public SqlNode visit(final org.apache.calcite.sql.SqlDynamicParam param)
            {
                max[0] = Math.max(max[0], param.getIndex() + 1);
                return param;
            }
        });
        return max[0];
    }

    /**
     * The result's columns: label and Calcite's type, and, where a column is a table's column as it is (not an
     * expression), that table and column and the declared length of a VARCHAR (Calcite sees every VARCHAR at its
     * longest).
     */
    private static List<ResultColumn> columns(
        final RelDataType rowType, final RelRoot root, final Kind kind, final Catalog catalog)
    {
        final List<ResultColumn> columns = new ArrayList<>();
        final List<RelDataTypeField> fields = rowType.getFieldList();
        final org.apache.calcite.rel.metadata.RelMetadataQuery mq = root.rel.getCluster().getMetadataQuery();
        for (int i = 0; i < fields.size(); i++)
        {
            final RelDataTypeField f = fields.get(i);
            final RelDataType t = f.getType();
            final String label = kind == Kind.QUERY && i < root.validatedRowType.getFieldCount() ?
                root.validatedRowType.getFieldList().get(i).getName() : f.getName();
            int precision = t.getSqlTypeName().allowsPrec() ? t.getPrecision() : 0;
            String table = "";
            String column = "";
            final Origin origin = kind == Kind.QUERY ? origin(mq, root, i, catalog) : null;
            if (origin != null)
            {
                table = origin.table();
                column = origin.column().name();
                if (origin.column().type().type() == io.stardust.catalog.SqlType.VARCHAR)
                {
                    precision = origin.column().type().precision();
                }
            }
            columns.add(new ResultColumn(label, t.getSqlTypeName().getJdbcOrdinal(), t.getSqlTypeName().getName(),
                precision, t.getSqlTypeName().allowsScale() ? t.getScale() : 0, t.isNullable(), table, column));
        }
        return columns;
    }

    /** A result column that is a table's column as it is. */
    private record Origin(String table, io.stardust.catalog.Column column)
    {
    }

    private static Origin origin(
        final org.apache.calcite.rel.metadata.RelMetadataQuery mq, final RelRoot root, final int field,
        final Catalog catalog)
    {
        try
        {
            final int source = field < root.fields.size() ? root.fields.get(field).getKey() : field;
            final java.util.Set<org.apache.calcite.rel.metadata.RelColumnOrigin> origins =
                mq.getColumnOrigins(root.rel, source);
            if (origins == null || origins.size() != 1)
            {
                return null;
            }
            final org.apache.calcite.rel.metadata.RelColumnOrigin o = origins.iterator().next();
            final List<String> name = o.getOriginTable().getQualifiedName();
            final TableDef def = catalog.table(name.get(name.size() - 1));
            if (o.isDerived() || def == null || o.getOriginColumnOrdinal() >= def.columns().size())
            {
                return null;
            }
            return new Origin(def.name(), def.columns().get(o.getOriginColumnOrdinal()));
        }
        catch (final RuntimeException ex)
        {
            return null; // metadata is a courtesy: without it the column keeps Calcite's type
        }
    }

    private static boolean[] hidden(final List<ResultColumn> columns, final String sql)
    {
        final boolean[] hidden = new boolean[columns.size()];
        final boolean named = sql.toLowerCase(Locale.ROOT).contains(io.stardust.catalog.Column.ROW_ID);
        for (int i = 0; i < hidden.length; i++)
        {
            hidden[i] = !named && columns.get(i).name().equals(io.stardust.catalog.Column.ROW_ID);
        }
        return hidden;
    }

    private static String firstLine(final String message)
    {
        final int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    private static List<RelOptRule> rules()
    {
        final List<RelOptRule> rules = new ArrayList<>(EnumerableRules.ENUMERABLE_RULES);
        rules.remove(EnumerableRules.ENUMERABLE_TABLE_SCAN_RULE);
        rules.add(StardustRules.FILTER_INTO_SCAN);
        rules.add(StardustRules.INDEX_JOIN);
        rules.add(CoreRules.FILTER_INTO_JOIN);
        rules.add(CoreRules.JOIN_CONDITION_PUSH);
        rules.add(CoreRules.FILTER_PROJECT_TRANSPOSE);
        rules.add(CoreRules.FILTER_MERGE);
        rules.add(CoreRules.PROJECT_MERGE);
        rules.add(CoreRules.PROJECT_REMOVE);
        rules.add(CoreRules.SORT_REMOVE);
        rules.add(CoreRules.AGGREGATE_PROJECT_MERGE);
        rules.add(CoreRules.AGGREGATE_REDUCE_FUNCTIONS);
        rules.add(CoreRules.AGGREGATE_EXPAND_DISTINCT_AGGREGATES);
        return rules;
    }
}
