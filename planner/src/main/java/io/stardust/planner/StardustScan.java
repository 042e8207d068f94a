package io.stardust.planner;

import io.stardust.catalog.Keys;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.adapter.enumerable.EnumerableRelImplementor;
import org.apache.calcite.adapter.enumerable.JavaRowFormat;
import org.apache.calcite.adapter.enumerable.PhysType;
import org.apache.calcite.adapter.enumerable.PhysTypeImpl;
import org.apache.calcite.linq4j.tree.Blocks;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptCost;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.plan.RelTraitSet;
import org.apache.calcite.rel.RelCollation;
import org.apache.calcite.rel.RelCollationTraitDef;
import org.apache.calcite.rel.RelCollations;
import org.apache.calcite.rel.RelFieldCollation;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelWriter;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.metadata.RelMetadataQuery;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeField;

import java.util.ArrayList;
import java.util.List;

/**
 * Stardust's scan: reads a table at the transaction's snapshot by the access path of its {@link ScanSpec}, outputs
 * only the fields asked for, and says in its traits which order the rows come in (the key it follows), so no Sort is
 * planned above it when that order is the one wanted. Every row and range it reads joins the transaction's read set.
 */
final class StardustScan extends TableScan implements EnumerableRel
{
    private final StardustTable stardustTable;
    private final ScanSpec spec;

    private StardustScan(
        final RelOptCluster cluster,
        final RelTraitSet traitSet,
        final RelOptTable table,
        final StardustTable stardustTable,
        final ScanSpec spec)
    {
        super(cluster, traitSet, List.of(), table);
        this.stardustTable = stardustTable;
        this.spec = spec;
    }

    /**
     * @return a scan of the whole table in primary-key order.
     */
    static StardustScan full(final RelOptCluster cluster, final RelOptTable table, final StardustTable stardustTable)
    {
        return create(cluster, table, stardustTable, ScanSpec.full(stardustTable.def()));
    }

    /**
     * @return a scan by the spec, with the order it gives as its collation trait.
     */
    static StardustScan create(
        final RelOptCluster cluster, final RelOptTable table, final StardustTable stardustTable, final ScanSpec spec)
    {
        final RelTraitSet traits = cluster.traitSetOf(EnumerableConvention.INSTANCE)
            .replaceIfs(RelCollationTraitDef.INSTANCE, () -> collations(spec));
        return new StardustScan(cluster, traits, table, stardustTable, spec);
    }

    /**
     * The orders the rows come in: the key the scan follows, as far as its columns are output, mapped onto output
     * fields; and, when leading key columns are fixed by equalities, the same key without them (rows of one city are
     * in name order).
     */
    private static List<RelCollation> collations(final ScanSpec spec)
    {
        final RelCollation whole = collation(spec, 0);
        if (spec.equal().isEmpty())
        {
            return List.of(whole);
        }
        final RelCollation rest = collation(spec, spec.equal().size());
        if (rest.getFieldCollations().isEmpty() || rest.equals(whole))
        {
            return List.of(whole);
        }
        // A composite trait lists its collations in their natural order.
        final List<RelCollation> both = new ArrayList<>(List.of(whole, rest));
        java.util.Collections.sort(both);
        return both;
    }

    private static RelCollation collation(final ScanSpec spec, final int skip)
    {
        final List<RelFieldCollation> fields = new ArrayList<>();
        final List<Integer> ids = spec.keyColumnIds();
        for (final int id : ids.subList(skip, ids.size()))
        {
            final int position = Keys.position(spec.table(), id);
            int output = -1;
            for (int i = 0; i < spec.fields().length; i++)
            {
                if (spec.fields()[i] == position)
                {
                    output = i;
                }
            }
            if (output < 0)
            {
                break;
            }
            fields.add(new RelFieldCollation(output, RelFieldCollation.Direction.ASCENDING,
                RelFieldCollation.NullDirection.LAST));
        }
        return RelCollations.of(fields);
    }

    ScanSpec spec()
    {
        return spec;
    }

    StardustTable stardustTable()
    {
        return stardustTable;
    }

    /**
     * @param next another access path or field list for the same table.
     * @return a scan by it.
     */
    StardustScan with(final ScanSpec next)
    {
        return create(getCluster(), getTable(), stardustTable, next);
    }

    @Override
    public RelNode copy(final RelTraitSet traitSet, final List<RelNode> inputs)
    {
        return new StardustScan(getCluster(), traitSet, getTable(), stardustTable, spec);
    }

    @Override
    public RelDataType deriveRowType()
    {
        final List<RelDataTypeField> all = table.getRowType().getFieldList();
        final RelDataTypeFactory.Builder builder = getCluster().getTypeFactory().builder();
        for (final int f : spec.fields())
        {
            builder.add(all.get(f));
        }
        return builder.build();
    }

    @Override
    public RelWriter explainTerms(final RelWriter pw)
    {
        final List<String> names = new ArrayList<>();
        for (final int f : spec.fields())
        {
            names.add(spec.table().columns().get(f).name());
        }
        return super.explainTerms(pw)
            .item("access", spec.describe())
            .itemIf("fields", names, spec.fields().length != spec.table().columns().size());
    }

    @Override
    public double estimateRowCount(final RelMetadataQuery mq)
    {
        return spec.rows(stardustTable.stats());
    }

    @Override
    public RelOptCost computeSelfCost(final RelOptPlanner planner, final RelMetadataQuery mq)
    {
        final double rows = spec.rows(stardustTable.stats());
        // An index entry leads to its row: a second read for each. Narrower rows cost a little less to decode.
        final double io = spec.index() == null ? rows : 2 * rows;
        final double width = 0.5 + 0.5 * spec.fields().length / Math.max(1, spec.table().columns().size());
        return planner.getCostFactory().makeCost(rows, rows * width, io);
    }

    @Override
    public Result implement(final EnumerableRelImplementor implementor, final Prefer pref)
    {
        final PhysType physType =
            PhysTypeImpl.of(implementor.getTypeFactory(), getRowType(), JavaRowFormat.ARRAY, false);
        return implementor.result(physType, Blocks.toBlock(Expressions.call(StardustRuntime.class, "scan",
            implementor.getRootExpression(), implementor.stash(spec, ScanSpec.class))));
    }
}
