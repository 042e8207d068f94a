package io.stardust.catalog;

import java.util.List;

/**
 * A secondary index. Its entries live in their own storage relation, keyed by the indexed columns' values followed by
 * the primary key (so entries are unique and in SQL order); the value is empty. For a unique index the planner and
 * the writer also check that no other row has the same indexed values (rows with a NULL in them never clash, as in
 * standard SQL).
 *
 * @param relationId       the storage relation holding its entries.
 * @param name             the index's name, unique in the catalog.
 * @param unique           true for CREATE UNIQUE INDEX.
 * @param columnIds        the indexed columns, in index order.
 * @param createdAtVersion the catalog version that created it.
 */
public record IndexDef(int relationId, String name, boolean unique, List<Integer> columnIds, long createdAtVersion)
{
    public IndexDef
    {
        columnIds = List.copyOf(columnIds);
    }
}
