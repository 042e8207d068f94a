package io.stardust.server.sql;

import io.stardust.catalog.Catalog;
import io.stardust.catalog.Column;
import io.stardust.catalog.ColumnType;
import io.stardust.catalog.IndexDef;
import io.stardust.catalog.TableDef;
import io.stardust.planner.ResultColumn;
import org.apache.calcite.avatica.ColumnMetaData;
import org.apache.calcite.avatica.Meta;

import java.sql.DatabaseMetaData;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/** JDBC's DatabaseMetaData from the catalog: tables, columns, primary keys, indexes, types. */
final class CatalogMetadata
{
    private static final String SCHEMA = "public";

    private final java.util.function.Function<String, Catalog> catalog;

    /**
     * @param catalog the member's current catalog as a connection sees it (its database's view), by connection id.
     */
    CatalogMetadata(final java.util.function.Function<String, Catalog> catalog)
    {
        this.catalog = catalog;
    }

    Meta.MetaResultSet tables(final String connection, final Meta.Pat tableName)
    {
        final List<Object[]> rows = new ArrayList<>();
        for (final TableDef t : sqlTables(connection, tableName))
        {
            rows.add(new Object[] {null, SCHEMA, t.name(), "TABLE", "", null, null, null, null, null});
        }
        return result(connection, rows, text("TABLE_CAT"), text("TABLE_SCHEM"), text("TABLE_NAME"),
            text("TABLE_TYPE"), text("REMARKS"), text("TYPE_CAT"), text("TYPE_SCHEM"), text("TYPE_NAME"),
            text("SELF_REFERENCING_COL_NAME"), text("REF_GENERATION"));
    }

    Meta.MetaResultSet columns(final String connection, final Meta.Pat tableName, final Meta.Pat columnName)
    {
        final List<Object[]> rows = new ArrayList<>();
        final Pattern columns = pattern(columnName);
        for (final TableDef t : sqlTables(connection, tableName))
        {
            int ordinal = 0;
            for (final Column c : t.visibleColumns())
            {
                ordinal++;
                if (!columns.matcher(c.name()).matches())
                {
                    continue;
                }
                final ColumnType type = c.type();
                rows.add(new Object[] {null, SCHEMA, t.name(), c.name(), jdbcType(type), typeName(type),
                    size(type), null, type.scale(), 10,
                    c.nullable() ? DatabaseMetaData.columnNullable : DatabaseMetaData.columnNoNulls, "", null, null,
                    null, type.type() == io.stardust.catalog.SqlType.VARCHAR ? type.precision() * 4 : null, ordinal,
                    c.nullable() ? "YES" : "NO", null, null, null, null, "NO", "NO"});
            }
        }
        return result(connection, rows, text("TABLE_CAT"), text("TABLE_SCHEM"), text("TABLE_NAME"),
            text("COLUMN_NAME"), integer("DATA_TYPE"), text("TYPE_NAME"), integer("COLUMN_SIZE"),
            integer("BUFFER_LENGTH"), integer("DECIMAL_DIGITS"), integer("NUM_PREC_RADIX"), integer("NULLABLE"),
            text("REMARKS"), text("COLUMN_DEF"), integer("SQL_DATA_TYPE"), integer("SQL_DATETIME_SUB"),
            integer("CHAR_OCTET_LENGTH"), integer("ORDINAL_POSITION"), text("IS_NULLABLE"), text("SCOPE_CATALOG"),
            text("SCOPE_SCHEMA"), text("SCOPE_TABLE"), small("SOURCE_DATA_TYPE"), text("IS_AUTOINCREMENT"),
            text("IS_GENERATEDCOLUMN"));
    }

    Meta.MetaResultSet primaryKeys(final String connection, final String table)
    {
        final List<Object[]> rows = new ArrayList<>();
        final TableDef t = table == null ? null : catalog.apply(connection).table(table);
        if (t != null && !t.keyValue() && !t.hasRowId())
        {
            short seq = 0;
            for (final Column c : t.primaryKeyColumns())
            {
                rows.add(new Object[] {null, SCHEMA, t.name(), c.name(), ++seq, t.name() + "_pkey"});
            }
        }
        return result(connection, rows, text("TABLE_CAT"), text("TABLE_SCHEM"), text("TABLE_NAME"),
            text("COLUMN_NAME"), small("KEY_SEQ"), text("PK_NAME"));
    }

    Meta.MetaResultSet indexes(final String connection, final String table, final boolean uniqueOnly)
    {
        final List<Object[]> rows = new ArrayList<>();
        final TableDef t = table == null ? null : catalog.apply(connection).table(table);
        if (t != null && !t.keyValue())
        {
            for (final IndexDef index : t.indexes())
            {
                if (uniqueOnly && !index.unique())
                {
                    continue;
                }
                short ordinal = 0;
                for (final Column c : t.columns(index.columnIds()))
                {
                    rows.add(new Object[] {null, SCHEMA, t.name(), !index.unique(), null, index.name(),
                        DatabaseMetaData.tableIndexOther, ++ordinal, c.name(), "A", null, null, null});
                }
            }
        }
        return result(connection, rows, text("TABLE_CAT"), text("TABLE_SCHEM"), text("TABLE_NAME"),
            bool("NON_UNIQUE"), text("INDEX_QUALIFIER"), text("INDEX_NAME"), small("TYPE"),
            small("ORDINAL_POSITION"), text("COLUMN_NAME"), text("ASC_OR_DESC"), bigint("CARDINALITY"),
            bigint("PAGES"), text("FILTER_CONDITION"));
    }

    Meta.MetaResultSet schemas(final String connection)
    {
        return result(connection, List.<Object[]>of(new Object[] {SCHEMA, null}), text("TABLE_SCHEM"),
            text("TABLE_CATALOG"));
    }

    Meta.MetaResultSet tableTypes(final String connection)
    {
        return result(connection, List.<Object[]>of(new Object[] {"TABLE"}), text("TABLE_TYPE"));
    }

    Meta.MetaResultSet types(final String connection)
    {
        final List<Object[]> rows = new ArrayList<>();
        final Object[][] types = {
            {"BIGINT", Types.BIGINT, 19}, {"BOOLEAN", Types.BOOLEAN, 1}, {"DATE", Types.DATE, 10},
            {"DECIMAL", Types.DECIMAL, ColumnType.MAX_DECIMAL_PRECISION}, {"DOUBLE", Types.DOUBLE, 15},
            {"INTEGER", Types.INTEGER, 10}, {"SMALLINT", Types.SMALLINT, 5}, {"TIMESTAMP", Types.TIMESTAMP, 23},
            {"VARCHAR", Types.VARCHAR, ColumnType.MAX_VARCHAR_LENGTH}};
        for (final Object[] t : types)
        {
            final boolean text = t[0].equals("VARCHAR");
            rows.add(new Object[] {t[0], t[1], t[2], text ? "'" : null, text ? "'" : null,
                t[0].equals("DECIMAL") ? "precision,scale" : text ? "length" : null,
                (short)DatabaseMetaData.typeNullable, text, (short)DatabaseMetaData.typeSearchable, false, false,
                false, t[0], (short)0, (short)(t[0].equals("DECIMAL") ? ColumnType.MAX_DECIMAL_PRECISION : 0), null,
                null, 10});
        }
        return result(connection, rows, text("TYPE_NAME"), integer("DATA_TYPE"), integer("PRECISION"),
            text("LITERAL_PREFIX"), text("LITERAL_SUFFIX"), text("CREATE_PARAMS"), small("NULLABLE"),
            bool("CASE_SENSITIVE"), small("SEARCHABLE"), bool("UNSIGNED_ATTRIBUTE"), bool("FIXED_PREC_SCALE"),
            bool("AUTO_INCREMENT"), text("LOCAL_TYPE_NAME"), small("MINIMUM_SCALE"), small("MAXIMUM_SCALE"),
            integer("SQL_DATA_TYPE"), integer("SQL_DATETIME_SUB"), integer("NUM_PREC_RADIX"));
    }

    /** @return a result with these (text) columns and no rows. */
    Meta.MetaResultSet empty(final String connection, final String... names)
    {
        final ResultColumn[] columns = new ResultColumn[names.length];
        for (int i = 0; i < names.length; i++)
        {
            columns[i] = text(names[i]);
        }
        return result(connection, List.of(), columns);
    }

    private List<TableDef> sqlTables(final String connection, final Meta.Pat name)
    {
        final Pattern tables = pattern(name);
        final List<TableDef> out = new ArrayList<>();
        for (final TableDef t : catalog.apply(connection).tables())
        {
            if (!t.keyValue() && tables.matcher(t.name()).matches())
            {
                out.add(t);
            }
        }
        return out;
    }

    private static Meta.MetaResultSet result(
        final String connection, final List<Object[]> rows, final ResultColumn... columns)
    {
        final List<ColumnMetaData> meta = new ArrayList<>();
        for (int i = 0; i < columns.length; i++)
        {
            meta.add(GatewayMeta.column(i, columns[i]));
        }
        final Meta.Signature signature = Meta.Signature.create(meta, "", List.of(), Meta.CursorFactory.ARRAY,
            Meta.StatementType.SELECT);
        return Meta.MetaResultSet.create(connection, -1, true, signature,
            Meta.Frame.create(0, true, new ArrayList<>(rows)));
    }

    /** A LIKE pattern ({@code %} and {@code _}, {@code \} escaping) as a regular expression; null matches all. */
    static Pattern pattern(final Meta.Pat pat)
    {
        if (pat == null || pat.s == null)
        {
            return Pattern.compile(".*", Pattern.DOTALL);
        }
        final StringBuilder regex = new StringBuilder();
        final String s = pat.s;
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length())
            {
                regex.append(Pattern.quote(String.valueOf(s.charAt(++i))));
            }
            else if (c == '%')
            {
                regex.append(".*");
            }
            else if (c == '_')
            {
                regex.append('.');
            }
            else
            {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    private static int jdbcType(final ColumnType type)
    {
        return switch (type.type())
        {
            case BIGINT -> Types.BIGINT;
            case INTEGER -> Types.INTEGER;
            case SMALLINT -> Types.SMALLINT;
            case DOUBLE -> Types.DOUBLE;
            case DECIMAL -> Types.DECIMAL;
            case VARCHAR -> Types.VARCHAR;
            case BOOLEAN -> Types.BOOLEAN;
            case DATE -> Types.DATE;
            case TIMESTAMP -> Types.TIMESTAMP;
        };
    }

    private static String typeName(final ColumnType type)
    {
        return type.type().name();
    }

    private static int size(final ColumnType type)
    {
        return switch (type.type())
        {
            case BIGINT -> 19;
            case INTEGER -> 10;
            case SMALLINT -> 5;
            case DOUBLE -> 15;
            case DECIMAL, VARCHAR -> type.precision();
            case BOOLEAN -> 1;
            case DATE -> 10;
            case TIMESTAMP -> 23;
        };
    }

    private static ResultColumn text(final String name)
    {
        return new ResultColumn(name, Types.VARCHAR, "VARCHAR", 0, 0, true, "", "");
    }

    private static ResultColumn integer(final String name)
    {
        return new ResultColumn(name, Types.INTEGER, "INTEGER", 0, 0, true, "", "");
    }

    private static ResultColumn small(final String name)
    {
        return new ResultColumn(name, Types.SMALLINT, "SMALLINT", 0, 0, true, "", "");
    }

    private static ResultColumn bigint(final String name)
    {
        return new ResultColumn(name, Types.BIGINT, "BIGINT", 0, 0, true, "", "");
    }

    private static ResultColumn bool(final String name)
    {
        return new ResultColumn(name, Types.BOOLEAN, "BOOLEAN", 0, 0, true, "", "");
    }
}
