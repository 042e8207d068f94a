package io.stardust.server.sql;

import io.stardust.catalog.Catalog;
import io.stardust.catalog.SchemaChange;
import io.stardust.catalog.SchemaProblem;
import io.stardust.client.CommitRecord;
import io.stardust.client.ConflictException;
import io.stardust.client.RejectedException;
import io.stardust.client.StardustClient;
import io.stardust.client.StardustException;
import io.stardust.planner.Errors;
import io.stardust.planner.Snapshot;
import io.stardust.planner.SqlBackend;
import io.stardust.planner.SqlError;
import io.stardust.sequencer.ReplicaView;
import io.stardust.storage.Row;
import io.stardust.storage.SnapshotTooOldException;
import io.stardust.storage.Storage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The cluster as a member's SQL gateway sees it: reads from the member's own storage at its latest applied epoch,
 * commits and schema changes through the log with a cluster client.
 */
final class GatewayBackend implements SqlBackend
{
    /** Longest wait for this member to reach a session's catalog version or epoch. */
    static final long CATCH_UP_NS = TimeUnit.SECONDS.toNanos(5);
    private static final long COMMIT_TIMEOUT_S = 30;

    private final ReplicaView replica;
    private final Supplier<StardustClient> client;

    GatewayBackend(final ReplicaView replica, final Supplier<StardustClient> client)
    {
        this.replica = replica;
        this.client = client;
    }

    @Override
    public Catalog catalog(final long minVersion)
    {
        awaitMember(() -> replica.catalog().version() >= minVersion, () -> "catalog version " + minVersion +
            " in time (it has " + replica.catalog().version() + ")");
        return replica.catalog();
    }

    @Override
    public Snapshot snapshot(final long minEpoch)
    {
        final Storage storage = replica.storage();
        awaitMember(() -> storage.appliedEpoch() >= minEpoch, () -> "epoch " + minEpoch + " in time (it applied " +
            storage.appliedEpoch() + ")");
        return new LocalSnapshot(replica, storage.appliedEpoch());
    }

    /**
     * Wait, at most {@link #CATCH_UP_NS}, for this member to reach what a session has seen.
     *
     * @param reached true once it has.
     * @param what    what it did not reach, for the error.
     */
    private void awaitMember(final java.util.function.BooleanSupplier reached, final Supplier<String> what)
    {
        final long deadline = System.nanoTime() + CATCH_UP_NS;
        while (!reached.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new SqlError(SqlError.CONNECTION_FAILURE, "member " + replica.memberId() + " did not reach " +
                    what.get() + "; connect to another member");
            }
            LockSupport.parkNanos(100_000);
        }
    }

    @Override
    public long commit(final Commit commit)
    {
        final List<CommitRecord.Read> reads = new ArrayList<>();
        for (final Read r : commit.reads())
        {
            reads.add(new CommitRecord.Read(r.relation(), r.key(), r.version()));
        }
        final List<CommitRecord.Range> ranges = new ArrayList<>();
        for (final Range r : commit.ranges())
        {
            ranges.add(new CommitRecord.Range(r.relation(), r.start(), r.end()));
        }
        final List<CommitRecord.Write> writes = new ArrayList<>();
        for (final Write w : commit.writes())
        {
            writes.add(new CommitRecord.Write(w.relation(), w.key(), w.value()));
        }
        try
        {
            return client.get().commit(new CommitRecord(commit.catalogVersion(), commit.snapshotEpoch(), reads,
                ranges, writes)).get(COMMIT_TIMEOUT_S, TimeUnit.SECONDS).epoch();
        }
        catch (final ExecutionException ex)
        {
            throw commitError(ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new SqlError(SqlError.CONNECTION_FAILURE, "the commit got no answer in " + COMMIT_TIMEOUT_S +
                " s; its outcome is unknown");
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new SqlError(SqlError.CONNECTION_FAILURE, "interrupted while committing; the outcome is unknown");
        }
    }

    @Override
    public RowUpdated updateRow(final long catalogVersion, final String relation, final byte[] key,
        final byte[] assignments)
    {
        final io.stardust.client.OneShotResult r;
        try
        {
            r = client.get().oneShot().catalogVersion(catalogVersion).updateRow(relation, key, assignments).commit()
                .get(COMMIT_TIMEOUT_S, TimeUnit.SECONDS);
        }
        catch (final ExecutionException ex)
        {
            throw commitError(ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new SqlError(SqlError.CONNECTION_FAILURE, "the update got no answer in " + COMMIT_TIMEOUT_S +
                " s; its outcome is unknown");
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new SqlError(SqlError.CONNECTION_FAILURE, "interrupted while updating; the outcome is unknown");
        }
        if (!r.committed())
        {
            throw new SqlError(SqlError.NUMERIC_OUT_OF_RANGE, "value out of range: the update of " + relation +
                " leaves a column outside its type's range, at its log position; nothing was changed");
        }
        return new RowUpdated(r.values().get(0) == null ? 0 : 1, r.epoch());
    }

    private static SqlError commitError(final Throwable cause)
    {
        if (cause instanceof ConflictException c)
        {
            final String what = switch (c.reason())
            {
                case SCHEMA_CHANGED -> "schema changed while the transaction ran (" + c.table() + "), retry";
                case PHANTOM -> "a row was written into a range the transaction read (" + c.table() + "), retry";
                default -> "a row the transaction read was written by another, retry";
            };
            return new SqlError(SqlError.SERIALIZATION_FAILURE, "could not serialize access: " + what + " (" +
                c.getMessage() + ")");
        }
        if (cause instanceof RejectedException r)
        {
            return new SqlError(r.code() == io.stardust.protocol.codecs.ErrorCode.TXN_TOO_LARGE ? "54000" :
                SqlError.SYNTAX_OR_ACCESS, "the cluster refused the commit: " + r.getMessage());
        }
        return new SqlError(SqlError.CONNECTION_FAILURE, "commit failed: " + cause.getMessage() +
            "; its outcome is unknown");
    }

    @Override
    public long changeSchema(final SchemaChange change)
    {
        try
        {
            return client.get().changeSchema(change).get(COMMIT_TIMEOUT_S, TimeUnit.SECONDS).catalogVersion();
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof RejectedException r)
            {
                throw Errors.schema(switch (r.code())
                {
                    case TABLE_EXISTS -> SchemaProblem.Kind.EXISTS;
                    case UNKNOWN_TABLE -> SchemaProblem.Kind.UNKNOWN;
                    default -> SchemaProblem.Kind.INVALID;
                }, r.getMessage());
            }
            throw new SqlError(SqlError.CONNECTION_FAILURE, change.describe() + " failed: " +
                ex.getCause().getMessage());
        }
        catch (final TimeoutException | StardustException ex)
        {
            throw new SqlError(SqlError.CONNECTION_FAILURE, change.describe() + " got no answer: " + ex.getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new SqlError(SqlError.CONNECTION_FAILURE, "interrupted");
        }
    }

    /** Reads of this member's storage at one applied epoch. */
    private static final class LocalSnapshot implements Snapshot
    {
        private final ReplicaView replica;
        private final long epoch;

        LocalSnapshot(final ReplicaView replica, final long epoch)
        {
            this.replica = replica;
            this.epoch = epoch;
        }

        @Override
        public long epoch()
        {
            return epoch;
        }

        @Override
        public Row get(final String relation, final byte[] key)
        {
            try
            {
                final io.stardust.storage.Row row = replica.storage().read(id(relation), key, epoch);
                return new Row(key, row.isLive() ? row.value() : null, row.version());
            }
            catch (final SnapshotTooOldException ex)
            {
                throw tooOld();
            }
        }

        @Override
        public List<Row> scan(final String relation, final byte[] start, final byte[] end, final int limit)
        {
            final List<Row> rows = new ArrayList<>();
            try
            {
                replica.storage().scan(id(relation), start, end, epoch, limit,
                    (key, row) -> rows.add(new Row(key, row.value(), row.version())));
            }
            catch (final SnapshotTooOldException ex)
            {
                throw tooOld();
            }
            return rows;
        }

        private int id(final String relation)
        {
            final Catalog.Relation r = replica.catalog().relation(relation);
            if (r == null)
            {
                throw new SqlError(SqlError.SERIALIZATION_FAILURE, relation + " was dropped while the transaction " +
                    "ran: schema changed, retry");
            }
            return r.id();
        }

        private SqlError tooOld()
        {
            return new SqlError(SqlError.SERIALIZATION_FAILURE, "the transaction's snapshot (epoch " + epoch +
                ") is no longer kept by member " + replica.memberId() + ": it ran too long; retry");
        }
    }
}
