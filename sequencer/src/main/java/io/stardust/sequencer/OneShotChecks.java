package io.stardust.sequencer;

import io.stardust.catalog.Catalog;
import io.stardust.catalog.RowUpdate;
import io.stardust.catalog.TableDef;
import io.stardust.procedure.ArgType;
import io.stardust.procedure.ProcedureArgs;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.protocol.codecs.OpKind;
import io.stardust.scheduler.Procedures;
import io.stardust.scheduler.TxnRecord;
import io.stardust.storage.KeyBytes;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The rules a one-shot transaction's ops and procedure call must keep, once {@link RecordReader} has decoded their
 * fields from a well-framed record: what each op kind takes, which tables it may name, and that a call names a
 * registered procedure version with arguments of its types over keys named once. Each broken rule is a
 * {@link RequestException} naming the op or argument.
 */
final class OneShotChecks
{
    /** The longest procedure name, in bytes. */
    static final int MAX_PROCEDURE_NAME_BYTES = 64;

    private static final OpKind[] KINDS = OpKind.values();

    private OneShotChecks()
    {
    }

    /** @return the op kind of this raw value; a {@link RequestException} when there is none. */
    static OpKind kind(final int i, final short raw)
    {
        for (final OpKind k : KINDS)
        {
            if (k != OpKind.NULL_VAL && k.value() == raw)
            {
                return k;
            }
        }
        throw new RequestException(ErrorCode.MALFORMED_MESSAGE, "op " + i + " has an unknown kind (" + raw +
            "); the kinds are " + Arrays.toString(Arrays.stream(KINDS).filter((k) -> k != OpKind.NULL_VAL)
            .toArray()));
    }

    /** An ADD's bounds must be in order. */
    static void checkBounds(final int i, final OpKind kind, final long min, final long max)
    {
        if (kind == OpKind.ADD && min > max)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "op " + i + " (ADD) has its least result " +
                min + " above its greatest " + max);
        }
    }

    /**
     * UPDATE_ROW updates rows of SQL tables; every other kind works on key-value tables.
     *
     * @param relation the table named, or null when the record was planned against an older catalog.
     */
    static void checkTable(final int i, final OpKind kind, final Catalog.Relation relation, final Catalog catalog)
    {
        final boolean sqlTable = relation != null && !relation.index() && !catalog.table(relation.table()).keyValue();
        if (kind == OpKind.UPDATE_ROW && relation != null && !sqlTable)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "op " + i + " (UPDATE_ROW) names " +
                relation.name() + ", which is " + (relation.index() ? "an index" : "a key-value table") +
                "; it updates rows of SQL tables");
        }
        if (kind != OpKind.UPDATE_ROW && relation != null && (relation.index() || sqlTable))
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "op " + i + " names " + relation.name() +
                ", which is " + (relation.index() ? "an index" : "a SQL table") + "; one-shot ops work on " +
                "key-value tables");
        }
    }

    /**
     * A KEY carries no amount or bounds; only PUT, APPEND, CHECK_EQUALS and UPDATE_ROW take a value, within the
     * replicated value limit.
     */
    static void checkAmountAndValue(final int i, final OpKind kind, final long delta, final long min, final long max,
        final int valueLength, final int maxValueBytes)
    {
        if (kind == OpKind.KEY && (delta != 0 || min != Long.MIN_VALUE || max != Long.MAX_VALUE))
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "op " + i + " (KEY) carries an amount or " +
                "bounds; a call's key takes none");
        }
        final boolean takesValue = kind == OpKind.PUT || kind == OpKind.CHECK_EQUALS || kind == OpKind.APPEND ||
            kind == OpKind.UPDATE_ROW;
        if (!takesValue && valueLength != 0)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "op " + i + " (" + kind + ") carries a value" +
                " of " + (valueLength & 0xFFFF_FFFFL) + " bytes; only PUT, APPEND, CHECK_EQUALS and UPDATE_ROW " +
                "take one");
        }
        if (valueLength > maxValueBytes || valueLength < 0)
        {
            throw new RequestException(ErrorCode.TXN_TOO_LARGE, "op " + i + " value of " +
                (valueLength & 0xFFFF_FFFFL) + " bytes exceeds the limit of " + maxValueBytes + " bytes");
        }
    }

    /** An UPDATE_ROW's assignments must be well formed and suit its table. */
    static void checkRowUpdate(final int i, final TableDef table, final byte[] value)
    {
        final List<RowUpdate.Assignment> assignments;
        try
        {
            assignments = RowUpdate.decode(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new RequestException(ErrorCode.MALFORMED_MESSAGE, "op " + i + " (UPDATE_ROW): " + ex.getMessage());
        }
        final String problem = RowUpdate.problem(table, assignments);
        if (problem != null)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "op " + i + " (UPDATE_ROW): " + problem);
        }
    }

    /** Without a call, a record's ops may not be KEY. */
    static void checkNoKeys(final TxnRecord.Op[] ops)
    {
        for (int i = 0; i < ops.length; i++)
        {
            if (ops[i].kind() == TxnRecord.OpKind.KEY)
            {
                throw new RequestException(ErrorCode.INVALID_ARGUMENT, "op " + i + " is KEY, which names a key for" +
                    " a procedure call, but the record calls no procedure");
            }
        }
    }

    /** A procedure name is 1 to 64 bytes. */
    static void checkProcedureName(final int nameLength)
    {
        if (nameLength == 0 || nameLength > MAX_PROCEDURE_NAME_BYTES)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "the call's procedure name is " + nameLength +
                " bytes; names are 1 to " + MAX_PROCEDURE_NAME_BYTES + " characters");
        }
    }

    /**
     * A call must name a registered procedure version, pass arguments of the types it takes, and name only keys
     * (KEY ops), each once.
     *
     * @param procedures the procedure versions calls may name; null when the member loaded none.
     * @return the checked call.
     */
    static TxnRecord.Call checkCall(final Procedures procedures, final String name, final int version,
        final byte[] args, final TxnRecord.Op[] ops)
    {
        final Procedures.Loaded procedure = procedures == null ? null : procedures.find(name, version);
        if (procedure == null)
        {
            final List<Integer> versions = procedures == null ? List.of() : procedures.versions(name);
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, versions.isEmpty() ?
                "unknown procedure '" + name + "': no version of it is registered" :
                "procedure '" + name + "' has no version " + version + " registered (registered: " + versions + ")");
        }
        final List<Object> values;
        try
        {
            values = ProcedureArgs.decode(args);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new RequestException(ErrorCode.MALFORMED_MESSAGE, "the call's arguments are malformed: " +
                ex.getMessage());
        }
        final ArgType[] parameters = procedure.parameters();
        if (values.size() != parameters.length)
        {
            throw new RequestException(ErrorCode.INVALID_ARGUMENT, "procedure '" + name + "' version " + version +
                " takes " + parameters.length + " argument(s) " + procedure.signature() + "; the call passed " +
                values.size());
        }
        for (int i = 0; i < parameters.length; i++)
        {
            final ArgType passed = ArgType.of(values.get(i));
            if (passed != parameters[i])
            {
                throw new RequestException(ErrorCode.INVALID_ARGUMENT, "procedure '" + name + "' version " +
                    version + " takes " + procedure.signature() + "; argument " + i + " is a " + passed +
                    ", not a " + parameters[i]);
            }
        }
        final Set<KeyBytes> keys = new HashSet<>();
        for (int i = 0; i < ops.length; i++)
        {
            if (ops[i].kind() != TxnRecord.OpKind.KEY)
            {
                throw new RequestException(ErrorCode.INVALID_ARGUMENT, "op " + i + " is " + ops[i].kind() +
                    "; a procedure call's ops are only the keys it may touch (KEY)");
            }
            if (!keys.add(new KeyBytes(ops[i].tableId(), ops[i].key())))
            {
                throw new RequestException(ErrorCode.INVALID_ARGUMENT, "key " + i + " of the call names the " +
                    "same key as an earlier one; name each key once");
            }
        }
        return new TxnRecord.Call(name, version, args, values);
    }
}
