package io.stardust.planner;

import io.stardust.catalog.IndexDef;
import io.stardust.catalog.TableDef;

/**
 * What the planner knows of a table's data, for costs: its row count and how many distinct values the leading
 * columns of an index have. A member's gateway answers from its storage and refreshes as the table changes; tests
 * give fixed figures.
 */
public interface TableStats
{
    /** Figures for an empty database: every table small, every index selective. */
    TableStats DEFAULT = new TableStats()
    {
        @Override
        public double rowCount(final TableDef table)
        {
            return 100;
        }

        @Override
        public double distinct(final TableDef table, final IndexDef index, final int columns)
        {
            return 100;
        }
    };

    /**
     * @param table a table.
     * @return about how many rows it has (at least 1).
     */
    double rowCount(TableDef table);

    /**
     * @param table   a table.
     * @param index   one of its indexes, or null for the primary key.
     * @param columns how many leading columns.
     * @return about how many distinct values those columns have (at least 1).
     */
    double distinct(TableDef table, IndexDef index, int columns);
}
