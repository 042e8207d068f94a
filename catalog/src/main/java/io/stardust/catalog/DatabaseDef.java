package io.stardust.catalog;

/**
 * A database (tenant): a namespace of tables with an owner, the owner's credential verifier and a serving location.
 * Its tables and indexes are relations named {@code database/name}; the {@link Catalog#DEFAULT_DATABASE default}
 * database's are unqualified and it has no entry of its own.
 *
 * @param name             the database.
 * @param owner            the user that owns it: runs DDL in it.
 * @param verifier         the owner's credential verifier (salt, iteration count and salted keys, never a password),
 *                         in the authentication module's text form; empty when created without credentials.
 * @param home             the datacenter that serves its reads, read-only transactions and SQL sessions.
 * @param createdAtVersion the catalog version that created it.
 * @param movedAtVersion   the catalog version that last set its home.
 */
public record DatabaseDef(String name, String owner, String verifier, String home, long createdAtVersion,
    long movedAtVersion)
{
    /** @return this database served from {@code datacenter}, from catalog version {@code version}. */
    DatabaseDef movedTo(final String datacenter, final long version)
    {
        return new DatabaseDef(name, owner, verifier, datacenter, createdAtVersion, version);
    }
}
