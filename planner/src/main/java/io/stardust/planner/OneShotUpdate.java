package io.stardust.planner;

import io.stardust.catalog.Column;
import io.stardust.catalog.Keys;
import io.stardust.catalog.RowUpdate;
import io.stardust.catalog.TableDef;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.core.TableModify;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlKind;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An UPDATE that can run at its log position as a one-shot ({@code UPDATE_ROW}) instead of read-then-validate: its
 * WHERE pins the whole primary key with equalities to constants or parameters, and each SET is an integer column
 * outside the key and every index, given a value or moved by one ({@code v = ?}, {@code v = v + ?},
 * {@code v = v - 1}). Found in the logical plan; anything else keeps the validated path.
 *
 * @param keyOperands per primary-key column, in key order, what it equals.
 * @param assignments what each SET does.
 */
record OneShotUpdate(List<Operand> keyOperands, List<Assign> assignments)
{
    /** A constant (param -1) or a parameter's index. */
    record Operand(Object literal, int param)
    {
        Object value(final List<Object> params)
        {
            return param < 0 ? literal : params.get(param);
        }
    }

    /** {@code column = operand} (add false) or {@code column = column ± operand} (add true). */
    record Assign(Column column, boolean add, boolean negate, Operand operand)
    {
    }

    /**
     * @param modify        the logical UPDATE.
     * @param table         its table.
     * @param updateColumns the columns it sets.
     * @return the one-shot form, or null when the statement is not one.
     */
    static OneShotUpdate of(final TableModify modify, final TableDef table, final List<String> updateColumns)
    {
        if (table == null || table.hasRowId() || !(modify.getInput() instanceof Project project) ||
            !(project.getInput() instanceof Filter filter) || !(filter.getInput() instanceof TableScan))
        {
            return null;
        }
        final int columns = table.columns().size();
        final List<RexNode> projects = project.getProjects();
        if (projects.size() != columns + updateColumns.size())
        {
            return null;
        }
        final Map<Integer, Operand> byPosition = new HashMap<>();
        for (final RexNode conjunct : RelOptUtil.conjunctions(filter.getCondition()))
        {
            if (!(conjunct instanceof RexCall call) || call.getKind() != SqlKind.EQUALS)
            {
                return null;
            }
            RexNode left = uncast(call.getOperands().get(0));
            RexNode right = uncast(call.getOperands().get(1));
            if (right instanceof RexInputRef)
            {
                final RexNode swap = left;
                left = right;
                right = swap;
            }
            final Operand operand = operand(right);
            if (!(left instanceof RexInputRef ref) || operand == null || operand.literal() == null &&
                operand.param() < 0 || byPosition.put(ref.getIndex(), operand) != null)
            {
                return null;
            }
        }
        final List<Operand> key = new ArrayList<>();
        for (final int id : table.primaryKey())
        {
            final Operand o = byPosition.remove(Keys.position(table, id));
            if (o == null)
            {
                return null;
            }
            key.add(o);
        }
        if (!byPosition.isEmpty())
        {
            return null;
        }
        final List<Assign> assigns = new ArrayList<>();
        final List<RowUpdate.Assignment> shape = new ArrayList<>();
        for (int j = 0; j < updateColumns.size(); j++)
        {
            final Column column = table.column(updateColumns.get(j));
            final Assign assign = assign(column, Keys.position(table, column.id()), uncast(projects.get(columns + j)));
            if (assign == null)
            {
                return null;
            }
            assigns.add(assign);
            shape.add(new RowUpdate.Assignment(column.id(), assign.add() ? RowUpdate.Kind.ADD : RowUpdate.Kind.SET,
                0));
        }
        return RowUpdate.problem(table, shape) == null ? new OneShotUpdate(key, assigns) : null;
    }

    private static Assign assign(final Column column, final int position, final RexNode e)
    {
        final Operand value = operand(e);
        if (value != null)
        {
            return new Assign(column, false, false, value);
        }
        if (!(e instanceof RexCall call) || call.getKind() != SqlKind.PLUS && call.getKind() != SqlKind.MINUS)
        {
            return null;
        }
        final RexNode a = uncast(call.getOperands().get(0));
        final RexNode b = uncast(call.getOperands().get(1));
        final boolean minus = call.getKind() == SqlKind.MINUS;
        if (a instanceof RexInputRef ref && ref.getIndex() == position && operand(b) != null)
        {
            return new Assign(column, true, minus, operand(b));
        }
        if (!minus && b instanceof RexInputRef ref && ref.getIndex() == position && operand(a) != null)
        {
            return new Assign(column, true, false, operand(a));
        }
        return null;
    }

    /** @return a constant (integral, or NULL) or a parameter; null for anything else. */
    private static Operand operand(final RexNode e)
    {
        if (e instanceof RexDynamicParam p)
        {
            return new Operand(null, p.getIndex());
        }
        if (e instanceof RexLiteral literal)
        {
            if (literal.isNull())
            {
                return new Operand(null, -1);
            }
            final org.apache.calcite.sql.type.SqlTypeName type = literal.getType().getSqlTypeName();
            if (org.apache.calcite.sql.type.SqlTypeName.CHAR_TYPES.contains(type))
            {
                return new Operand(literal.getValueAs(String.class), -1);
            }
            if (!org.apache.calcite.sql.type.SqlTypeName.EXACT_TYPES.contains(type))
            {
                return null;
            }
            final BigDecimal d = literal.getValueAs(BigDecimal.class);
            if (d == null || d.stripTrailingZeros().scale() > 0)
            {
                return null;
            }
            try
            {
                return new Operand(d.longValueExact(), -1);
            }
            catch (final ArithmeticException ex)
            {
                return null;
            }
        }
        return null;
    }

    private static RexNode uncast(final RexNode e)
    {
        RexNode n = e;
        while (n instanceof RexCall call && call.getKind() == SqlKind.CAST)
        {
            n = call.getOperands().get(0);
        }
        return n;
    }

    /**
     * @param table  the table.
     * @param params the statement's parameters.
     * @return the row's primary key.
     */
    byte[] key(final TableDef table, final List<Object> params)
    {
        final Object[] row = new Object[table.columns().size()];
        for (int i = 0; i < keyOperands.size(); i++)
        {
            final int p = Keys.position(table, table.primaryKey().get(i));
            final Column c = table.columns().get(p);
            row[p] = Values.toColumn(c.name(), c.type(), keyOperands.get(i).value(params));
            if (row[p] == null)
            {
                return null;
            }
        }
        return Keys.primaryKey(table, row);
    }

    /**
     * @return the assignments with the parameters' values.
     * @throws SqlError 22003 for a value out of its column's range, 22P02 for one that is not an integer.
     */
    List<RowUpdate.Assignment> assignments(final TableDef table, final List<Object> params)
    {
        final List<RowUpdate.Assignment> out = new ArrayList<>();
        for (final Assign a : assignments)
        {
            final Object raw = a.operand().value(params);
            if (raw == null && !a.column().nullable())
            {
                throw new SqlError(SqlError.NOT_NULL_VIOLATION, "null value in column " + a.column().name() + " of " +
                    table.name() + " violates its NOT NULL constraint");
            }
            if (raw == null)
            {
                // v = NULL, and v + NULL, leave NULL.
                out.add(new RowUpdate.Assignment(a.column().id(), RowUpdate.Kind.SET_NULL, 0));
                continue;
            }
            final Object v = Values.toColumn(a.column().name(), a.column().type(), raw);
            long n = ((Number)v).longValue();
            if (a.negate())
            {
                if (n == Long.MIN_VALUE)
                {
                    throw new SqlError(SqlError.NUMERIC_OUT_OF_RANGE, "value out of range for column " + a.column().name());
                }
                n = -n;
            }
            out.add(new RowUpdate.Assignment(a.column().id(), a.add() ? RowUpdate.Kind.ADD : RowUpdate.Kind.SET, n));
        }
        final String problem = RowUpdate.problem(table, out);
        if (problem != null)
        {
            throw new SqlError(problem.contains("NOT NULL") ? SqlError.NOT_NULL_VIOLATION : SqlError.NUMERIC_OUT_OF_RANGE, problem);
        }
        return out;
    }
}
