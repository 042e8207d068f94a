package io.stardust.planner;

import io.stardust.catalog.Catalog;
import io.stardust.catalog.TableDef;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.impl.AbstractSchema;

import java.util.LinkedHashMap;
import java.util.Map;

/** The SQL tables of one catalog version, for Calcite: key-value tables have no columns and are not shown. */
final class StardustSchema extends AbstractSchema
{
    private final Map<String, Table> tables = new LinkedHashMap<>();

    StardustSchema(final Catalog catalog, final TableStats stats)
    {
        for (final TableDef t : catalog.tables())
        {
            if (!t.keyValue())
            {
                tables.put(t.name(), new StardustTable(t, stats));
            }
        }
    }

    @Override
    protected Map<String, Table> getTableMap()
    {
        return tables;
    }
}
