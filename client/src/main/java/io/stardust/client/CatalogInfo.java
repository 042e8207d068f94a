package io.stardust.client;

import java.util.List;

/**
 * The tables a member knows.
 */
public record CatalogInfo(long version, List<Table> tables)
{
    /** One table. */
    public record Table(int id, String name, long createdAtVersion)
    {
    }
}
