package io.stardust.planner;

import io.stardust.catalog.IndexDef;
import io.stardust.catalog.Keys;
import io.stardust.catalog.TableDef;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelOptRuleCall;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.JoinInfo;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rel.logical.LogicalFilter;
import org.apache.calcite.rel.logical.LogicalJoin;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.adapter.enumerable.EnumerableCalc;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.enumerable.EnumerableLimit;
import org.apache.calcite.plan.hep.HepRelVertex;
import org.apache.calcite.rel.RelCollation;
import org.apache.calcite.rel.RelCollationTraitDef;
import org.apache.calcite.rel.RelCollations;
import org.apache.calcite.rel.RelFieldCollation;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexLocalRef;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexProgram;
import org.apache.calcite.rex.RexShuttle;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.type.SqlTypeFamily;
import org.apache.calcite.util.ImmutableBitSet;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Stardust's own planner rules: a filter on a table becomes an access path (a primary-key lookup or range, or an
 * index range) offered for each key it can use, so the cost model picks among them by the table's statistics; the
 * scan under a Calc outputs only the fields the Calc uses. Whatever part of a filter a path does not cover stays as a filter above it.
 */
final class StardustRules
{
    /** Filter on a full scan: offer every usable access path. */
    static final RelOptRule FILTER_INTO_SCAN = new FilterIntoScan();
    /** Join whose inner side is a table the condition gives a key of: an index nested-loop join, by cost. */
    static final RelOptRule INDEX_JOIN = new IndexJoin();

    /** After cost-based planning: a Sort whose input already comes in its order goes (a LIMIT stays). */
    static final RelOptRule SORT_ON_SORTED = new SortOnSorted();

    /** After cost-based planning: an index join's outer rows need no order, so a Sort under it goes. */
    static final RelOptRule UNSORTED_OUTER = new UnsortedOuter();

    /** Calc on a scan, after cost-based planning: the scan outputs only the fields the Calc uses. */
    static final RelOptRule NARROW_SCAN = new NarrowScan();

    private StardustRules()
    {
    }

    /** One comparison of a column with a literal or a parameter. */
    private record Comparison(int conjunct, int position, SqlKind kind, ScanSpec.Bound bound)
    {
    }

    private static final class FilterIntoScan extends RelOptRule
    {
        FilterIntoScan()
        {
            super(operand(LogicalFilter.class, operand(StardustScan.class, none())), "StardustFilterIntoScan");
        }

        @Override
        public boolean matches(final RelOptRuleCall call)
        {
            final StardustScan scan = call.rel(1);
            return scan.spec().isFull();
        }

        @Override
        public void onMatch(final RelOptRuleCall call)
        {
            final LogicalFilter filter = call.rel(0);
            final StardustScan scan = call.rel(1);
            final RexBuilder rexBuilder = filter.getCluster().getRexBuilder();
            final List<RexNode> conjuncts =
                RelOptUtil.conjunctions(RexUtil.expandSearch(rexBuilder, null, filter.getCondition()));
            final List<Comparison> comparisons = new ArrayList<>();
            for (int i = 0; i < conjuncts.size(); i++)
            {
                final Comparison c = comparison(i, conjuncts.get(i), scan.spec().fields());
                if (c != null)
                {
                    comparisons.add(c);
                }
            }
            if (comparisons.isEmpty())
            {
                return;
            }
            final TableDef table = scan.spec().table();
            offer(call, filter, scan, conjuncts, comparisons, null, table.primaryKey());
            for (final IndexDef index : table.indexes())
            {
                offer(call, filter, scan, conjuncts, comparisons, index, index.columnIds());
            }
        }

        private static void offer(
            final RelOptRuleCall call,
            final LogicalFilter filter,
            final StardustScan scan,
            final List<RexNode> conjuncts,
            final List<Comparison> comparisons,
            final IndexDef index,
            final List<Integer> keyIds)
        {
            final TableDef table = scan.spec().table();
            final Set<Integer> used = new HashSet<>();
            final List<ScanSpec.Bound> equal = new ArrayList<>();
            int k = 0;
            for (; k < keyIds.size(); k++)
            {
                final Comparison eq = find(comparisons, Keys.position(table, keyIds.get(k)), SqlKind.EQUALS, used);
                if (eq == null)
                {
                    break;
                }
                used.add(eq.conjunct());
                equal.add(eq.bound());
            }
            ScanSpec.Bound lower = null;
            ScanSpec.Bound upper = null;
            boolean lowerInclusive = false;
            boolean upperInclusive = false;
            if (k < keyIds.size())
            {
                final int position = Keys.position(table, keyIds.get(k));
                for (final SqlKind kind : List.of(SqlKind.GREATER_THAN_OR_EQUAL, SqlKind.GREATER_THAN))
                {
                    final Comparison c = lower == null ? find(comparisons, position, kind, used) : null;
                    if (c != null)
                    {
                        lower = c.bound();
                        lowerInclusive = kind == SqlKind.GREATER_THAN_OR_EQUAL;
                        used.add(c.conjunct());
                    }
                }
                for (final SqlKind kind : List.of(SqlKind.LESS_THAN_OR_EQUAL, SqlKind.LESS_THAN))
                {
                    final Comparison c = upper == null ? find(comparisons, position, kind, used) : null;
                    if (c != null)
                    {
                        upper = c.bound();
                        upperInclusive = kind == SqlKind.LESS_THAN_OR_EQUAL;
                        used.add(c.conjunct());
                    }
                }
            }
            if (used.isEmpty())
            {
                return;
            }
            final ScanSpec spec = new ScanSpec(table, index, scan.spec().fields(), equal, lower, lowerInclusive,
                upper, upperInclusive);
            final List<RexNode> residual = new ArrayList<>();
            for (int i = 0; i < conjuncts.size(); i++)
            {
                if (!used.contains(i))
                {
                    residual.add(conjuncts.get(i));
                }
            }
            final RelNode access = scan.with(spec);
            call.transformTo(residual.isEmpty() ? access : filter.copy(filter.getTraitSet(), access,
                RexUtil.composeConjunction(filter.getCluster().getRexBuilder(), residual)));
        }

        private static Comparison find(
            final List<Comparison> comparisons, final int position, final SqlKind kind, final Set<Integer> used)
        {
            for (final Comparison c : comparisons)
            {
                if (c.position() == position && c.kind() == kind && !used.contains(c.conjunct()))
                {
                    return c;
                }
            }
            return null;
        }

        /** @return the conjunct as (column, comparison, bound), or null when it is not of that form. */
        private static Comparison comparison(final int i, final RexNode node, final int[] fields)
        {
            if (!(node instanceof RexCall call) || call.getOperands().size() != 2)
            {
                return null;
            }
            SqlKind kind = call.getKind();
            if (!(kind == SqlKind.EQUALS || kind == SqlKind.LESS_THAN || kind == SqlKind.LESS_THAN_OR_EQUAL ||
                kind == SqlKind.GREATER_THAN || kind == SqlKind.GREATER_THAN_OR_EQUAL))
            {
                return null;
            }
            RexNode column = call.getOperands().get(0);
            RexNode value = call.getOperands().get(1);
            if (!(column instanceof RexInputRef))
            {
                final RexNode swap = column;
                column = value;
                value = swap;
                kind = kind.reverse();
            }
            if (!(column instanceof RexInputRef ref))
            {
                return null;
            }
            final ScanSpec.Bound bound = bound(value);
            return bound == null ? null : new Comparison(i, fields[ref.getIndex()], kind, bound);
        }

        private static ScanSpec.Bound bound(final RexNode value)
        {
            if (value instanceof RexDynamicParam p)
            {
                return new ScanSpec.Bound(null, p.getIndex());
            }
            if (value instanceof RexLiteral literal)
            {
                final Object v = literal(literal);
                return v == null ? null : new ScanSpec.Bound(v, -1);
            }
            if (value.getKind() == SqlKind.CAST && value instanceof RexCall cast)
            {
                final RexNode inner = cast.getOperands().get(0);
                if (inner instanceof RexDynamicParam p)
                {
                    return new ScanSpec.Bound(null, p.getIndex());
                }
                if (inner instanceof RexLiteral literal && literal.getType().getFamily() == SqlTypeFamily.NUMERIC &&
                    cast.getType().getFamily() == SqlTypeFamily.NUMERIC)
                {
                    final Object v = literal(literal);
                    return v == null ? null : new ScanSpec.Bound(v, -1);
                }
            }
            return null;
        }

        /** @return the literal's value in the form {@link KeyBounds} takes, or null when it cannot bound a key. */
        private static Object literal(final RexLiteral literal)
        {
            if (literal.isNull())
            {
                return null;
            }
            return switch (literal.getTypeName())
            {
                case TINYINT, SMALLINT, INTEGER, BIGINT, DECIMAL, DOUBLE, FLOAT, REAL ->
                    literal.getValueAs(BigDecimal.class);
                case CHAR, VARCHAR -> literal.getValueAs(String.class);
                case BOOLEAN -> literal.getValueAs(Boolean.class);
                case DATE -> literal.getValueAs(Integer.class);
                case TIMESTAMP -> literal.getValueAs(Long.class);
                default -> null;
            };
        }
    }

    /** An outer row's field, as a lookup's key value; shown in EXPLAIN as {@code $n}. */
    private record OuterField(int index)
    {
        @Override
        public String toString()
        {
            return "$" + index;
        }
    }

    private static final class IndexJoin extends RelOptRule
    {
        IndexJoin()
        {
            super(operand(LogicalJoin.class, operand(RelNode.class, any()), operand(StardustScan.class, none())),
                "StardustIndexJoin");
        }

        @Override
        public boolean matches(final RelOptRuleCall call)
        {
            final LogicalJoin join = call.rel(0);
            final StardustScan scan = call.rel(2);
            return scan.spec().isFull() && (join.getJoinType() == JoinRelType.INNER ||
                join.getJoinType() == JoinRelType.LEFT);
        }

        @Override
        public void onMatch(final RelOptRuleCall call)
        {
            final LogicalJoin join = call.rel(0);
            final StardustScan scan = call.rel(2);
            final JoinInfo info = join.analyzeCondition();
            if (info.leftKeys.isEmpty())
            {
                return;
            }
            final TableDef table = scan.spec().table();
            final int[] fields = scan.spec().fields();
            final java.util.Map<Integer, Integer> outerByPosition = new java.util.HashMap<>();
            for (int i = 0; i < info.rightKeys.size(); i++)
            {
                outerByPosition.putIfAbsent(fields[info.rightKeys.get(i)], info.leftKeys.get(i));
            }
            IndexDef best = null;
            List<Integer> bestOuter = List.of();
            boolean bestPoint = false;
            final List<IndexDef> candidates = new ArrayList<>();
            candidates.add(null);
            candidates.addAll(table.indexes());
            for (final IndexDef index : candidates)
            {
                final List<Integer> ids = index == null ? table.primaryKey() : index.columnIds();
                final List<Integer> outer = new ArrayList<>();
                for (final int id : ids)
                {
                    final Integer o = outerByPosition.get(Keys.position(table, id));
                    if (o == null)
                    {
                        break;
                    }
                    outer.add(o);
                }
                final boolean point = outer.size() == ids.size() && (index == null || index.unique());
                if (!outer.isEmpty() && (bestOuter.isEmpty() || point && !bestPoint ||
                    point == bestPoint && outer.size() > bestOuter.size()))
                {
                    best = index;
                    bestOuter = outer;
                    bestPoint = point;
                }
            }
            if (bestOuter.isEmpty())
            {
                return;
            }
            final RexBuilder rexBuilder = join.getCluster().getRexBuilder();
            final List<RexNode> residual = new ArrayList<>();
            if (!info.isEqui())
            {
                residual.add(info.getRemaining(rexBuilder));
            }
            final int leftCount = join.getLeft().getRowType().getFieldCount();
            final List<Integer> keyIds = best == null ? table.primaryKey() : best.columnIds();
            final List<Integer> usedPositions = new ArrayList<>();
            for (int k = 0; k < bestOuter.size(); k++)
            {
                usedPositions.add(Keys.position(table, keyIds.get(k)));
            }
            for (int i = 0; i < info.rightKeys.size(); i++)
            {
                final int position = fields[info.rightKeys.get(i)];
                final int k = usedPositions.indexOf(position);
                if (k < 0 || !bestOuter.get(k).equals(info.leftKeys.get(i)))
                {
                    residual.add(rexBuilder.makeCall(SqlStdOperatorTable.EQUALS,
                        rexBuilder.makeInputRef(join, info.leftKeys.get(i)),
                        rexBuilder.makeInputRef(join, leftCount + info.rightKeys.get(i))));
                }
            }
            if (join.getJoinType() == JoinRelType.LEFT && !residual.isEmpty())
            {
                return;
            }
            final List<ScanSpec.Bound> equal = new ArrayList<>();
            final int[] outerKeys = new int[bestOuter.size()];
            for (int k = 0; k < outerKeys.length; k++)
            {
                outerKeys[k] = bestOuter.get(k);
                equal.add(new ScanSpec.Bound(new OuterField(outerKeys[k]), -1));
            }
            final ScanSpec inner = new ScanSpec(table, best, fields, equal, null, false, null, false);
            final RelNode outer = convert(join.getLeft(),
                join.getLeft().getTraitSet().replace(EnumerableConvention.INSTANCE));
            final StardustIndexJoin lookup = new StardustIndexJoin(join.getCluster(),
                join.getCluster().traitSetOf(EnumerableConvention.INSTANCE), outer,
                new StardustIndexJoin.Spec(inner, outerKeys, join.getJoinType() == JoinRelType.LEFT, fields.length),
                join.getRowType(), table.name(), scan.stardustTable().stats());
            call.transformTo(residual.isEmpty() ? lookup :
                LogicalFilter.create(lookup, RexUtil.composeConjunction(rexBuilder, residual)));
        }
    }

    private static final class UnsortedOuter extends RelOptRule
    {
        UnsortedOuter()
        {
            super(operand(StardustIndexJoin.class, operand(Sort.class, any())), "StardustUnsortedOuter");
        }

        @Override
        public void onMatch(final RelOptRuleCall call)
        {
            final StardustIndexJoin join = call.rel(0);
            final Sort sort = call.rel(1);
            if (sort.offset == null && sort.fetch == null)
            {
                call.transformTo(join.copy(join.getTraitSet(), List.of(sort.getInput())));
            }
        }
    }

    /**
     * After cost-based planning: a Sort over a scan (through Calcs that only project and filter, which keep the
     * order) whose key order already gives the Sort's order is not needed. The Volcano planner keeps such Sorts when
     * costs tie, so this pass removes them for sure.
     */
    private static final class SortOnSorted extends RelOptRule
    {
        SortOnSorted()
        {
            super(operand(Sort.class, any()), "StardustSortOnSorted");
        }

        @Override
        public void onMatch(final RelOptRuleCall call)
        {
            final Sort sort = call.rel(0);
            if (sort.getConvention() != EnumerableConvention.INSTANCE ||
                sort.getCollation().getFieldCollations().isEmpty())
            {
                return;
            }
            final RelNode input = sort.getInput() instanceof HepRelVertex v ? v.getCurrentRel() : sort.getInput();
            if (!ordered(input, sort.getCollation()))
            {
                return;
            }
            call.transformTo(sort.offset == null && sort.fetch == null ? input :
                EnumerableLimit.create(input, sort.offset, sort.fetch));
        }

        private static boolean ordered(final RelNode node, final RelCollation wanted)
        {
            final RelNode rel = node instanceof HepRelVertex v ? v.getCurrentRel() : node;
            if (rel instanceof StardustScan scan)
            {
                for (final RelCollation c : scan.getTraitSet().getTraits(RelCollationTraitDef.INSTANCE))
                {
                    if (c.satisfies(wanted))
                    {
                        return true;
                    }
                }
                return false;
            }
            if (rel instanceof EnumerableCalc calc)
            {
                final RexProgram program = calc.getProgram();
                final List<RelFieldCollation> mapped = new ArrayList<>();
                for (final RelFieldCollation f : wanted.getFieldCollations())
                {
                    final RexNode e = program.expandLocalRef(program.getProjectList().get(f.getFieldIndex()));
                    if (!(e instanceof RexInputRef ref))
                    {
                        return false;
                    }
                    mapped.add(f.withFieldIndex(ref.getIndex()));
                }
                return ordered(calc.getInput(), RelCollations.of(mapped));
            }
            return false;
        }
    }

    /**
     * After cost-based planning: a Calc on a scan that uses only some of the scan's fields gets a scan that outputs
     * only those (Volcano compares row counts alone, so it cannot prefer the narrower scan itself).
     */
    private static final class NarrowScan extends RelOptRule
    {
        NarrowScan()
        {
            super(operand(EnumerableCalc.class, operand(StardustScan.class, none())), "StardustNarrowScan");
        }

        @Override
        public void onMatch(final RelOptRuleCall call)
        {
            final EnumerableCalc calc = call.rel(0);
            final StardustScan scan = call.rel(1);
            final RexProgram program = calc.getProgram();
            final List<RexNode> projects = new ArrayList<>();
            for (final RexLocalRef ref : program.getProjectList())
            {
                projects.add(program.expandLocalRef(ref));
            }
            final RexNode condition = program.getCondition() == null ? null :
                program.expandLocalRef(program.getCondition());
            final List<RexNode> all = new ArrayList<>(projects);
            if (condition != null)
            {
                all.add(condition);
            }
            final ImmutableBitSet used = RelOptUtil.InputFinder.bits(all, null);
            final int[] fields = scan.spec().fields();
            if (used.cardinality() >= fields.length)
            {
                return;
            }
            // Keep at least one field, so rows still count (SELECT COUNT(*)).
            final ImmutableBitSet keep = used.isEmpty() ? ImmutableBitSet.of(0) : used;
            final int[] narrowed = new int[keep.cardinality()];
            final int[] mapping = new int[fields.length];
            int j = 0;
            for (final int f : keep)
            {
                narrowed[j] = fields[f];
                mapping[f] = j++;
            }
            final RexShuttle remap = new RexShuttle()
            {
                @Override
                public RexNode visitInputRef(final RexInputRef ref)
                {
                    return new RexInputRef(mapping[ref.getIndex()], ref.getType());
                }
            };
            final List<RexNode> remapped = new ArrayList<>();
            for (final RexNode e : projects)
            {
                remapped.add(e.accept(remap));
            }
            final StardustScan narrow = scan.with(scan.spec().withFields(narrowed));
            final RexProgram next = RexProgram.create(narrow.getRowType(), remapped,
                condition == null ? null : condition.accept(remap), calc.getRowType(),
                calc.getCluster().getRexBuilder());
            final boolean sameNames = narrow.getRowType().getFieldNames().equals(calc.getRowType().getFieldNames());
            call.transformTo(next.isTrivial() && sameNames ? narrow : EnumerableCalc.create(narrow, next));
        }
    }
}
