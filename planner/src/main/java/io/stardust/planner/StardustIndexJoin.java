package io.stardust.planner;

import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.enumerable.EnumerableRelImplementor;
import org.apache.calcite.adapter.enumerable.JavaRowFormat;
import org.apache.calcite.adapter.enumerable.PhysType;
import org.apache.calcite.adapter.enumerable.PhysTypeImpl;
import org.apache.calcite.linq4j.tree.BlockBuilder;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelWriter;
import org.apache.calcite.rel.SingleRel;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rel.type.RelDataType;

import java.util.Arrays;
import java.util.List;

/**
 * Index nested-loop join: for each row of its input (the outer side), look the inner table up by the key the join
 * condition gives: its primary key, or a prefix of it or of an index. Chosen by cost when the outer side is small
 * next to the inner table. Every lookup reads through the transaction, so it joins the read set.
 */
final class StardustIndexJoin extends SingleRel implements EnumerableRel
{
    /**
     * What the lookups read.
     *
     * @param inner     the inner table's access path; its equalities are the outer fields' values.
     * @param outerKeys outer fields that give the key's leading columns, in key order.
     * @param left      true for a LEFT join: an outer row without a match comes with NULLs.
     * @param width     how many fields the inner side outputs.
     */
    public record Spec(ScanSpec inner, int[] outerKeys, boolean left, int width)
    {
    }

    private final Spec spec;
    private final String table;
    private final TableStats stats;

    StardustIndexJoin(
        final RelOptCluster cluster,
        final RelTraitSet traits,
        final RelNode outer,
        final Spec spec,
        final RelDataType rowType,
        final String table,
        final TableStats stats)
    {
        super(cluster, traits, outer);
        this.spec = spec;
        this.rowType = rowType;
        this.table = table;
        this.stats = stats;
    }

    @Override
    public RelNode copy(final RelTraitSet traitSet, final List<RelNode> inputs)
    {
        return new StardustIndexJoin(getCluster(), traitSet, inputs.get(0), spec, rowType, table, stats);
    }

    @Override
    protected RelDataType deriveRowType()
    {
        return rowType;
    }

    @Override
    public RelWriter explainTerms(final RelWriter pw)
    {
        return super.explainTerms(pw)
            .item("table", table)
            .item("lookup", spec.inner().describe())
            .item("outerKeys", Arrays.toString(spec.outerKeys()))
            .itemIf("type", "left", spec.left());
    }

    @Override
    public double estimateRowCount(final RelMetadataQuery mq)
    {
        return Math.max(1, mq.getRowCount(getInput()) * perOuterRow());
    }

    @Override
    public RelOptCost computeSelfCost(final RelOptPlanner planner, final RelMetadataQuery mq)
    {
        final double rows = estimateRowCount(mq);
        return planner.getCostFactory().makeCost(rows, rows, mq.getRowCount(getInput()) + rows);
    }

    private double perOuterRow()
    {
        return spec.inner().rows(stats);
    }

    @Override
    public Result implement(final EnumerableRelImplementor implementor, final Prefer pref)
    {
        final BlockBuilder builder = new BlockBuilder();
        final Result outer = implementor.visitChild(this, 0, (EnumerableRel)getInput(), Prefer.ARRAY);
        Expression rows = builder.append("outer", outer.block);
        if (outer.format != JavaRowFormat.ARRAY)
        {
            rows = outer.physType.convertTo(rows, JavaRowFormat.ARRAY);
        }
        final PhysType physType =
            PhysTypeImpl.of(implementor.getTypeFactory(), getRowType(), JavaRowFormat.ARRAY, false);
        builder.add(Expressions.return_(null, Expressions.call(StardustRuntime.class, "indexJoin",
            implementor.getRootExpression(), rows, implementor.stash(spec, Spec.class))));
        return implementor.result(physType, builder.toBlock());
    }
}
