package io.stardust.client;

import io.stardust.catalog.Catalog;

import java.util.List;

/**
 * The tables and indexes a member knows.
 *
 * @param version    the member's catalog version.
 * @param tables     its relations (tables and indexes), by id.
 * @param definition the whole catalog (columns, keys, indexes), or null from a member older than protocol version 5.
 */
public record CatalogInfo(long version, List<Table> tables, Catalog definition)
{
    /** One table or index. */
    public record Table(int id, String name, long createdAtVersion)
    {
    }
}
