package io.stardust.protocol.auth;

import java.nio.charset.StandardCharsets;

/**
 * Who a session authenticated as: its role, its database and its user. Carried by Aeron Cluster's session-open event
 * in the log, so every replica authorizes that session's records the same way.
 *
 * @param role     what it may do.
 * @param database the database its names refer to.
 * @param user     the user.
 */
public record Principal(Role role, String database, String user)
{
    /** What a principal may do. */
    public enum Role
    {
        /** The cluster administrator: creates, drops and moves databases, turns knobs; reads and writes anything. */
        ADMIN,
        /** A database's owner: reads, writes and runs DDL in that database only. */
        OWNER,
        /** A member's own client (its SQL gateway): acts for sessions the member authenticated itself. */
        MEMBER
    }

    /** @return true when this principal may work in {@code database}'s tables. */
    public boolean mayUse(final String database)
    {
        return role != Role.OWNER || this.database.equals(database);
    }

    /** @return true for a principal that may change databases, settings and knobs. */
    public boolean isAdmin()
    {
        return role == Role.ADMIN || role == Role.MEMBER;
    }

    /** @return its bytes: {@code role\0database\0user}. */
    public byte[] encode()
    {
        return (role.name() + '\0' + database + '\0' + user).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param bytes a principal's bytes, or null/empty for none.
     * @return it, or null when there is none (a cluster without authentication).
     * @throws IllegalArgumentException when malformed.
     */
    public static Principal decode(final byte[] bytes)
    {
        if (bytes == null || bytes.length == 0)
        {
            return null;
        }
        final String[] parts = new String(bytes, StandardCharsets.UTF_8).split("\0", -1);
        if (parts.length != 3)
        {
            throw new IllegalArgumentException("malformed principal");
        }
        return new Principal(Role.valueOf(parts[0]), parts[1], parts[2]);
    }
}
