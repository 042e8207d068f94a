package io.stardust.server.auth;

import io.stardust.catalog.Catalog;
import io.stardust.catalog.DatabaseDef;
import io.stardust.protocol.auth.Principal;
import io.stardust.protocol.auth.Scram;
import io.stardust.protocol.auth.ScramServer;

import java.util.function.Supplier;

/**
 * Where a member finds verifiers: the administrator's and the members' from the auth file, a database owner's from
 * the replicated catalog (so a database created through the log can be logged in to on every member once applied).
 */
public final class Credentials implements ScramServer.Lookup
{
    private final AuthFile file;
    private final Scram.Verifier memberVerifier;
    private final Supplier<Catalog> catalog;

    /**
     * @param file    the auth file.
     * @param catalog the replica's current catalog.
     */
    public Credentials(final AuthFile file, final Supplier<Catalog> catalog)
    {
        this.file = file;
        this.catalog = catalog;
        // The members' key as a password: a fixed salt is fine, the key itself is random.
        this.memberVerifier = Scram.verifier(file.memberKey(), "stardust-members".getBytes(
            java.nio.charset.StandardCharsets.UTF_8), Scram.ITERATIONS);
    }

    /** @return the auth file. */
    public AuthFile file()
    {
        return file;
    }

    @Override
    public ScramServer.Entry find(final String database, final String user)
    {
        final Catalog current = catalog.get();
        final boolean exists = Catalog.DEFAULT_DATABASE.equals(database) || current.database(database) != null;
        if (!exists)
        {
            return null;
        }
        if (user.equals(file.adminUser()))
        {
            return new ScramServer.Entry(file.adminVerifier(), new Principal(Principal.Role.ADMIN, database, user));
        }
        if (user.equals(AuthFile.MEMBER_USER))
        {
            return new ScramServer.Entry(memberVerifier, new Principal(Principal.Role.MEMBER, database, user));
        }
        final DatabaseDef db = current.database(database);
        if (db == null || !db.owner().equals(user) || db.verifier().isEmpty())
        {
            return null;
        }
        try
        {
            return new ScramServer.Entry(Scram.Verifier.decode(db.verifier()),
                new Principal(Principal.Role.OWNER, database, user));
        }
        catch (final IllegalArgumentException ex)
        {
            return null;
        }
    }

    /**
     * @param exchange a finished exchange that failed.
     * @return why, as the client should hear it: the database does not exist, or the password (or user) is wrong.
     */
    public String refusal(final ScramServer exchange)
    {
        final String database = exchange.database();
        if (!Catalog.DEFAULT_DATABASE.equals(database) && catalog.get().database(database) == null)
        {
            return "database \"" + database + "\" does not exist";
        }
        return "password authentication failed for user \"" + exchange.user() + "\" of database \"" + database +
            "\"";
    }
}
