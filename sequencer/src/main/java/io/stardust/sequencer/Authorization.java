package io.stardust.sequencer;

import io.aeron.cluster.service.ClientSession;
import io.stardust.catalog.Catalog;
import io.stardust.catalog.SchemaChange;
import io.stardust.protocol.auth.Principal;
import io.stardust.scheduler.TxnRecord;

/**
 * Whether a session may have a record sequenced, by the principal it authenticated as. The principal comes with the
 * session's open event in the log, so every replica decides the same. A session without one (a cluster without
 * authentication, or the service's own records) may do anything.
 * <ul>
 *   <li>A database's owner commits to, and changes the tables of, that database only.</li>
 *   <li>Creating, dropping and moving databases, and every cluster setting, take the administrator (or a member's
 *       own client, which acts for sessions its member authenticated).</li>
 * </ul>
 */
final class Authorization
{
    private Authorization()
    {
    }

    /**
     * @param session the session that sent the record; null for the service's own.
     * @param record  the record, read and checked.
     * @param catalog the catalog it was read against.
     * @return null when the session may, else why not.
     */
    static String refusal(final ClientSession session, final RecordReader.Record record, final Catalog catalog)
    {
        final Principal p = principal(session);
        if (p == null || p.isAdmin() || record instanceof RecordReader.Nudge || record instanceof RecordReader.Batch)
        {
            return null; // a batch's records are each authorized on their own
        }
        if (record instanceof RecordReader.Commit c)
        {
            return commitRefusal(p, c.txn(), catalog);
        }
        if (record instanceof RecordReader.Schema s)
        {
            if (s.change().ofDatabase())
            {
                return "only the cluster administrator may " + s.change().describe() + "; user " + p.user() +
                    " owns database " + p.database();
            }
            final String database = Catalog.databaseOf(relationOf(s.change()));
            return p.mayUse(database) ? null : "user " + p.user() + " of database " + p.database() +
                " may not change " + relationOf(s.change()) + ", a table of database " + database;
        }
        if (record instanceof RecordReader.CreateTable)
        {
            return p.mayUse(Catalog.DEFAULT_DATABASE) ? null : "user " + p.user() + " of database " + p.database() +
                " may not create tables in the default database";
        }
        return "only the cluster administrator may change the cluster's settings; user " + p.user() + " owns " +
            "database " + p.database();
    }

    private static String commitRefusal(final Principal p, final TxnRecord txn, final Catalog catalog)
    {
        for (final TxnRecord.Write w : txn.writes())
        {
            final String why = tableRefusal(p, w.tableId(), catalog, "write");
            if (why != null)
            {
                return why;
            }
        }
        for (final TxnRecord.Read r : txn.reads())
        {
            final String why = tableRefusal(p, r.tableId(), catalog, "read");
            if (why != null)
            {
                return why;
            }
        }
        for (final TxnRecord.Range r : txn.ranges())
        {
            final String why = tableRefusal(p, r.tableId(), catalog, "read");
            if (why != null)
            {
                return why;
            }
        }
        for (final TxnRecord.Op op : txn.ops())
        {
            final String why = tableRefusal(p, op.tableId(), catalog, op.writes() ? "write" : "read");
            if (why != null)
            {
                return why;
            }
        }
        return null;
    }

    private static String tableRefusal(final Principal p, final int tableId, final Catalog catalog,
        final String verb)
    {
        final Catalog.Relation relation = catalog.relation(tableId);
        final String name = relation == null ? "#" + tableId : relation.name();
        final String database = Catalog.databaseOf(name);
        return p.mayUse(database) ? null : "user " + p.user() + " of database " + p.database() + " may not " +
            verb + " " + name + ", a table of database " + database;
    }

    private static String relationOf(final SchemaChange change)
    {
        if (change instanceof SchemaChange.CreateTable c)
        {
            return c.name();
        }
        if (change instanceof SchemaChange.DropTable d)
        {
            return d.name();
        }
        if (change instanceof SchemaChange.CreateIndex c)
        {
            return c.table();
        }
        if (change instanceof SchemaChange.DropIndex d)
        {
            return d.name();
        }
        if (change instanceof SchemaChange.AddColumn a)
        {
            return a.table();
        }
        return ((SchemaChange.DropColumn)change).table();
    }

    private static Principal principal(final ClientSession session)
    {
        if (session == null)
        {
            return null;
        }
        try
        {
            return Principal.decode(session.encodedPrincipal());
        }
        catch (final IllegalArgumentException ex)
        {
            // Only the member's own authenticator makes principals; one it cannot read grants nothing.
            return new Principal(Principal.Role.OWNER, "", "");
        }
    }
}
