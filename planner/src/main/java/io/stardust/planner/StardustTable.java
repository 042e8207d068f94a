package io.stardust.planner;

import io.stardust.catalog.Column;
import io.stardust.catalog.ColumnType;
import io.stardust.catalog.TableDef;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.rel.RelCollation;
import org.apache.calcite.rel.RelCollations;
import org.apache.calcite.rel.RelFieldCollation;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.Statistic;
import org.apache.calcite.schema.Statistics;
import org.apache.calcite.schema.TranslatableTable;
import org.apache.calcite.schema.impl.AbstractTable;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.util.ImmutableBitSet;

import java.util.ArrayList;
import java.util.List;

/**
 * A SQL table of the catalog, as Calcite sees it: its columns in declared order (a table without a primary key shows
 * its {@code _rowid}, which the gateway assigns and leaves out of results that do not name it), its primary key as
 * a unique key, and rows in primary-key order. Scanning it makes a {@link StardustScan}.
 */
final class StardustTable extends AbstractTable implements TranslatableTable
{
    private final TableDef def;
    private final TableStats stats;

    StardustTable(final TableDef def, final TableStats stats)
    {
        this.def = def;
        this.stats = stats;
    }

    TableDef def()
    {
        return def;
    }

    TableStats stats()
    {
        return stats;
    }

    @Override
    public RelDataType getRowType(final RelDataTypeFactory typeFactory)
    {
        final RelDataTypeFactory.Builder builder = typeFactory.builder();
        for (final Column c : def.columns())
        {
            // The row id is filled in by the gateway, so an INSERT may leave it out.
            builder.add(c.name(), typeFactory.createTypeWithNullability(type(typeFactory, c.type()),
                c.nullable() || c.hidden()));
        }
        return builder.build();
    }

    /**
     * @param typeFactory Calcite's type factory.
     * @param type        a column type.
     * @return its Calcite type (not null).
     */
    static RelDataType type(final RelDataTypeFactory typeFactory, final ColumnType type)
    {
        return switch (type.type())
        {
            case BIGINT -> typeFactory.createSqlType(SqlTypeName.BIGINT);
            case INTEGER -> typeFactory.createSqlType(SqlTypeName.INTEGER);
            case SMALLINT -> typeFactory.createSqlType(SqlTypeName.SMALLINT);
            case DOUBLE -> typeFactory.createSqlType(SqlTypeName.DOUBLE);
            case DECIMAL -> typeFactory.createSqlType(SqlTypeName.DECIMAL, type.precision(), type.scale());
            // Calcite would cut a longer string to the declared length when it casts it for an INSERT; SQL says that
            // is an error, which the row writer raises (22001). So Calcite sees the longest VARCHAR.
            case VARCHAR -> typeFactory.createSqlType(SqlTypeName.VARCHAR,
                typeFactory.getTypeSystem().getMaxPrecision(SqlTypeName.VARCHAR));
            case BOOLEAN -> typeFactory.createSqlType(SqlTypeName.BOOLEAN);
            case DATE -> typeFactory.createSqlType(SqlTypeName.DATE);
            case TIMESTAMP -> typeFactory.createSqlType(SqlTypeName.TIMESTAMP, 3);
        };
    }

    @Override
    public Statistic getStatistic()
    {
        final List<Integer> key = new ArrayList<>();
        for (final int id : def.primaryKey())
        {
            key.add(io.stardust.catalog.Keys.position(def, id));
        }
        final List<ImmutableBitSet> keys = new ArrayList<>();
        keys.add(ImmutableBitSet.of(key));
        return Statistics.of(stats.rowCount(def), keys, List.of(primaryKeyCollation()));
    }

    /** @return the order of a full scan: the primary key's columns, ascending (none are NULL). */
    RelCollation primaryKeyCollation()
    {
        final List<RelFieldCollation> fields = new ArrayList<>();
        for (final int id : def.primaryKey())
        {
            fields.add(new RelFieldCollation(io.stardust.catalog.Keys.position(def, id),
                RelFieldCollation.Direction.ASCENDING, RelFieldCollation.NullDirection.LAST));
        }
        return RelCollations.of(fields);
    }

    @Override
    public RelNode toRel(final RelOptTable.ToRelContext context, final RelOptTable relOptTable)
    {
        return StardustScan.full(context.getCluster(), relOptTable, this);
    }
}
