package io.stardust.conformance;

import io.stardust.client.RawReply;
import io.stardust.protocol.Versions;
import io.stardust.protocol.codecs.BooleanType;
import io.stardust.protocol.codecs.ClusterSettingsEncoder;
import io.stardust.protocol.codecs.CommitBatchEncoder;
import io.stardust.protocol.codecs.CommitRequestEncoder;
import io.stardust.protocol.codecs.CreateTableEncoder;
import io.stardust.protocol.codecs.Durability;
import io.stardust.protocol.codecs.ErrorCode;
import io.stardust.protocol.codecs.MessageHeaderEncoder;
import io.stardust.protocol.codecs.SetBatchWindowEncoder;
import io.stardust.protocol.codecs.SetEpochLimitsEncoder;
import io.stardust.protocol.codecs.WriteOp;
import org.agrona.ExpandableArrayBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A fuzzer that knows the structure of a commit record: it builds well-framed records from real tables and keys, then
 * pushes one field to an edge (reversed and empty ranges, extreme versions and epochs, duplicate keys, keys, values and
 * op counts at and just past their limits, many ranges over a large table, unknown tables and ops, deletes with values,
 * trailing bytes, and control records at the edges of their ranges). Every case states what the cluster must do with
 * it: take it (and commit or abort it), or refuse it with one error code. After each batch the {@link Target} must
 * still commit, its replicas' digests must be equal, and none may have stopped.
 * <p>
 * What it finds is a list of findings, each naming the case: a record that broke a rule but was taken, a good one
 * refused, a wrong error code, no answer, or an unhealthy cluster after a batch.
 */
public final class StructuredFuzzer
{
    /** Limits the cases push against: the cluster's replicated settings. */
    public record Limits(int maxKeyBytes, int maxValueBytes, int maxTransactionOps)
    {
    }

    /** What the fuzzer talks to: a real cluster through a client, or replicas driven by hand in a test. */
    public interface Target
    {
        /** Send one frame to the log; the future completes with the reply to {@code correlationId}. */
        CompletableFuture<RawReply> send(byte[] frame, long correlationId);

        /** @return the last epoch every replica applied (snapshot epochs are chosen against it). */
        long appliedEpoch() throws Exception;

        /** @return null when the cluster still commits, its digests agree and every replica runs; else what is wrong. */
        String health() throws Exception;
    }

    /** One frame and what must happen to it; {@code refusal} null means it must be taken. */
    public record Case(String name, byte[] frame, long correlationId, ErrorCode refusal)
    {
    }

    private static final long IDS = 0x5F5F_0000_0000_0000L;
    private static final int CASES = 23;

    private final SplittableRandom random;
    private final Limits limits;
    private final String table;
    private final String bigTable;
    private final List<byte[]> keys;
    private final List<byte[]> bigKeys;
    private long nextId = IDS;
    private int tablesCreated;
    private int[] kinds;
    final Map<String, Long> casesSent = new TreeMap<>();
    final List<String> findings = new ArrayList<>();
    long framesSent;
    /** Cases sent a second time because the first got no answer (lost to a leader change). */
    long answeredOnResend;

    /** @return cases sent a second time because the first got no answer. */
    public long answeredOnResend()
    {
        return answeredOnResend;
    }
    long refusedAsExpected;
    long takenAsExpected;

    /**
     * @param seed     every choice comes from it.
     * @param limits   the cluster's replicated limits.
     * @param table    a table with rows at {@code keys}.
     * @param keys     its keys.
     * @param bigTable a table with many rows, for ranges over it.
     * @param bigKeys  its keys, sorted.
     */
    public StructuredFuzzer(final long seed, final Limits limits, final String table, final List<byte[]> keys,
        final String bigTable, final List<byte[]> bigKeys)
    {
        this.random = new SplittableRandom(seed);
        this.limits = limits;
        this.table = table;
        this.keys = keys;
        this.bigTable = bigTable;
        this.bigKeys = bigKeys;
    }

    /**
     * Run batches of cases against the target.
     *
     * @param target    where frames go.
     * @param batches   how many batches.
     * @param batchSize cases per batch.
     * @return the findings (empty when the target kept every rule).
     */
    public List<String> run(final Target target, final int batches, final int batchSize) throws Exception
    {
        for (int b = 0; b < batches && findings.size() < 20; b++)
        {
            final long applied = target.appliedEpoch();
            final List<Case> cases = new ArrayList<>();
            for (int i = 0; i < batchSize; i++)
            {
                cases.add(next(applied, kinds != null ? kinds[random.nextInt(kinds.length)] :
                    i == 0 ? b % CASES : random.nextInt(CASES)));
            }
            final List<CompletableFuture<RawReply>> replies = new ArrayList<>();
            for (final Case c : cases)
            {
                replies.add(target.send(c.frame(), c.correlationId()));
                casesSent.merge(c.name(), 1L, Long::sum);
                framesSent++;
            }
            for (int i = 0; i < cases.size(); i++)
            {
                judge(cases.get(i), replies.get(i), target);
            }
            final String health = target.health();
            if (health != null)
            {
                findings.add("after batch " + b + " (" + names(cases) + "): " + health);
                break;
            }
        }
        return findings;
    }

    /**
     * @param only the kinds of case to draw from (numbers of {@link #next}'s cases), for a test that aims at one rule.
     * @return this.
     */
    public StructuredFuzzer onlyKinds(final int... only)
    {
        this.kinds = only.clone();
        return this;
    }

    /** Kind number of the reversed-range case. */
    public static final int REVERSED_RANGE = 1;
    /** Kind number of the value-past-the-limit case. */
    public static final int VALUE_PAST_LIMIT = 13;

    private void judge(final Case c, final CompletableFuture<RawReply> future, final Target target)
    {
        RawReply reply;
        try
        {
            reply = future.get(30, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            // A frame in flight when the leader changes is lost: the cluster answers only what it sequenced, and a
            // raw frame is not sent again by the client. Send it once more (what a client does after a leader
            // change) and judge that answer; no answer twice is a finding. Counted, so that elections in the middle
            // of a run stay visible.
            answeredOnResend++;
            try
            {
                reply = target.send(c.frame(), c.correlationId()).get(30, TimeUnit.SECONDS);
                framesSent++;
            }
            catch (final Exception again)
            {
                findings.add(c.name() + ": no answer, twice (" + ex + "; " + again + ")");
                return;
            }
        }
        final boolean refused = reply.errorCode() != null;
        if (c.refusal() == null && refused)
        {
            findings.add(c.name() + ": a good record was refused: " + reply.errorCode() + " " + reply.message());
        }
        else if (c.refusal() != null && !refused)
        {
            findings.add(c.name() + ": a record that breaks a rule was taken (" + reply.message() + "); expected " +
                c.refusal());
        }
        else if (refused && reply.errorCode() != c.refusal())
        {
            findings.add(c.name() + ": refused with " + reply.errorCode() + " (" + reply.message() + "), expected " +
                c.refusal());
        }
        else if (refused)
        {
            refusedAsExpected++;
        }
        else
        {
            takenAsExpected++;
        }
    }

    private static String names(final List<Case> cases)
    {
        final Map<String, Integer> counts = new TreeMap<>();
        cases.forEach(c -> counts.merge(c.name(), 1, Integer::sum));
        return counts.toString();
    }

    /** One case of kind {@code kind} against snapshot {@code s}. */
    public Case next(final long s, final int kind)
    {
        final long id = nextId++;
        return switch (kind)
        {
            case 0 -> commit("good-commit", id, s, null, c -> c.read(key(), 0, 0).put(key(), value(16)));
            case 1 -> commit("reversed-range", id, s, ErrorCode.INVALID_ARGUMENT, c ->
            {
                final byte[] hi = bigKeys.get(bigKeys.size() - 1 - random.nextInt(bigKeys.size() / 2));
                final byte[] lo = bigKeys.get(random.nextInt(bigKeys.size() / 2));
                c.range(bigTable, hi, lo).put(key(), value(4));
            });
            case 2 -> commit("empty-and-open-ranges", id, s, null, c ->
            {
                final byte[] k = bigKeys.get(random.nextInt(bigKeys.size()));
                c.range(bigTable, k, k).range(bigTable, new byte[0], new byte[0]).range(bigTable, k, new byte[0])
                    .put(key(), value(4));
            });
            case 3 -> commit("many-ranges", id, s, null, c ->
            {
                // Hundreds of ranges over the large table: narrow ones at random places, a few over all of it, and
                // the same range named many times (validated once).
                final int n = Math.min(limits.maxTransactionOps() - 1, 200 + random.nextInt(800));
                for (int i = 0; i < n; i++)
                {
                    final int from = random.nextInt(bigKeys.size() - 1);
                    if (i % 100 == 0)
                    {
                        c.range(bigTable, new byte[0], new byte[0]);
                    }
                    else
                    {
                        c.range(bigTable, bigKeys.get(from), bigKeys.get(from + 1));
                    }
                }
                c.put(key(), value(4));
            });
            case 4 -> commit("read-version-after-snapshot", id, s, ErrorCode.INVALID_ARGUMENT,
                c -> c.read(key(), s + 1 + random.nextInt(1000), 0).put(key(), value(4)));
            case 5 -> commit("read-version-extreme", id, s, ErrorCode.INVALID_ARGUMENT, c ->
            {
                final long[] epochs = {-1, Long.MIN_VALUE, Long.MAX_VALUE, 0};
                final int[] indexes = {-1, Versions.MAX_EPOCH_TRANSACTIONS, Integer.MAX_VALUE, 7};
                final int pick = random.nextInt(epochs.length);
                c.read(key(), epochs[pick], pick == 3 ? indexes[3] : indexes[random.nextInt(3)]).put(key(), value(4));
            });
            case 6 -> commit("snapshot-epoch-extreme", id,
                new long[] {-1, s + 1_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE}[random.nextInt(4)],
                ErrorCode.INVALID_ARGUMENT, c -> c.put(key(), value(4)));
            case 7 -> commitWithCatalog("catalog-version-unseen", id, s,
                new long[] {-1, 1_000_000_000, Long.MAX_VALUE}[random.nextInt(3)], c -> c.put(key(), value(4)));
            case 8 -> commit("key-written-twice", id, s, ErrorCode.INVALID_ARGUMENT, c ->
            {
                final byte[] k = key();
                c.put(k, value(4)).put(k.clone(), value(8));
            });
            case 9 -> commit("key-read-twice", id, s, ErrorCode.INVALID_ARGUMENT, c ->
            {
                final byte[] k = key();
                c.read(k, 0, 0).read(k.clone(), 0, 0).put(key(), value(4));
            });
            case 10 -> commit("key-at-limit", id, s, null, c -> c.put(filled(limits.maxKeyBytes()), value(4)));
            case 11 -> commit("key-past-limit", id, s, ErrorCode.TXN_TOO_LARGE,
                c -> c.put(filled(limits.maxKeyBytes() + 1), value(4)));
            case 12 -> commit("value-at-limit", id, s, null, c -> c.put(key(), value(limits.maxValueBytes())));
            case 13 -> commit("value-past-limit", id, s, ErrorCode.TXN_TOO_LARGE,
                c -> c.put(key(), value(limits.maxValueBytes() + 1)));
            case 14 -> commit("ops-at-limit", id, s, null, c ->
            {
                for (int i = 0; i < limits.maxTransactionOps(); i++)
                {
                    c.put(("ops-" + i).getBytes(StandardCharsets.UTF_8), value(1));
                }
            });
            case 15 -> commit("ops-past-limit", id, s, ErrorCode.TXN_TOO_LARGE, c ->
            {
                for (int i = 0; i <= limits.maxTransactionOps(); i++)
                {
                    c.put(("ops-" + i).getBytes(StandardCharsets.UTF_8), value(1));
                }
            });
            case 16 -> commit("empty-key", id, s, ErrorCode.INVALID_ARGUMENT, c -> c.put(new byte[0], value(4)));
            case 17 -> commit("unknown-table", id, s, ErrorCode.UNKNOWN_TABLE,
                c -> c.putIn("fuzz_no_such_table_" + random.nextInt(1000), key(), value(4)));
            case 18 -> commit("delete-with-value", id, s, ErrorCode.INVALID_ARGUMENT, c -> c.delete(key(), value(3)));
            case 19 -> commit("strict-read-without-writes", id, s, null, c -> c.read(key(), 0, 0));
            case 20 ->
            {
                final Case good = commit("trailing-bytes", id, s, ErrorCode.MALFORMED_MESSAGE,
                    c -> c.put(key(), value(4)));
                yield new Case(good.name(), Arrays.copyOf(good.frame(), good.frame().length + 1 +
                    random.nextInt(16)), id, ErrorCode.MALFORMED_MESSAGE);
            }
            case 21 -> control(id);
            default -> batchOfCommits(id, s);
        };
    }

    /** Control records at the edges of their ranges; the one that is taken creates a fresh table. */
    private Case control(final long id)
    {
        final ExpandableArrayBuffer b = new ExpandableArrayBuffer(256);
        final MessageHeaderEncoder h = new MessageHeaderEncoder();
        switch (random.nextInt(6))
        {
            case 0:
                return new Case("batch-window-out-of-range", frame(b, new SetBatchWindowEncoder()
                    .wrapAndApplyHeader(b, 0, h).correlationId(id).requestId(id)
                    .batchWindowMicros(new long[] {99, 10_000_001, -1, Long.MAX_VALUE}[random.nextInt(4)])
                    .encodedLength()), id, ErrorCode.INVALID_ARGUMENT);
            case 1:
                return new Case("epoch-limits-out-of-range", frame(b, new SetEpochLimitsEncoder()
                    .wrapAndApplyHeader(b, 0, h).correlationId(id).requestId(id)
                    .maxTransactions(new int[] {0, -1, Versions.MAX_EPOCH_TRANSACTIONS + 1}[random.nextInt(3)])
                    .maxBytes(1 << 20).encodedLength()), id, ErrorCode.INVALID_ARGUMENT);
            case 2:
                return new Case("table-name-too-long", frame(b, new CreateTableEncoder().wrapAndApplyHeader(b, 0, h)
                    .correlationId(id).requestId(id).name("t" + "x".repeat(64)).encodedLength()), id,
                    ErrorCode.INVALID_ARGUMENT);
            case 3:
                return new Case("table-exists", frame(b, new CreateTableEncoder().wrapAndApplyHeader(b, 0, h)
                    .correlationId(id).requestId(id).name(table).encodedLength()), id, ErrorCode.TABLE_EXISTS);
            case 4:
                return new Case("initial-settings-from-a-client", frame(b, settings(b, h, id, true, 2_000)), id,
                    ErrorCode.INVALID_ARGUMENT);
            default:
                return new Case("new-table", frame(b, new CreateTableEncoder().wrapAndApplyHeader(b, 0, h)
                    .correlationId(id).requestId(id).name("fuzz_t" + (tablesCreated++) + "_" + (id & 0xFFFF))
                    .encodedLength()), id, null);
        }
    }

    private static int settings(final ExpandableArrayBuffer b, final MessageHeaderEncoder h, final long id,
        final boolean initial, final long window)
    {
        return new ClusterSettingsEncoder().wrapAndApplyHeader(b, 0, h).correlationId(id).requestId(id)
            .initial(initial ? BooleanType.TRUE : BooleanType.FALSE).batchWindowMicros(window)
            .epochMaxTransactions(128).epochMaxBytes(1 << 20).maxTransactionBytes(1 << 20).maxTransactionOps(10)
            .maxKeyBytes(16).maxValueBytes(16).dedupWindowTransactions(16).durability(Durability.FSYNC)
            .encodedLength();
    }

    /** A CommitBatch of one good commit and one that reads a version after its snapshot: answered one by one. */
    private Case batchOfCommits(final long id, final long s)
    {
        final Case good = commit("batch-good", id, s, null, c -> c.put(key(), value(8)));
        final long badId = nextId++;
        final Case bad = commit("batch-bad", badId, s, ErrorCode.INVALID_ARGUMENT,
            c -> c.read(key(), s + 5, 0).put(key(), value(8)));
        final ExpandableArrayBuffer b = new ExpandableArrayBuffer(1024);
        final CommitBatchEncoder e = new CommitBatchEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder());
        final CommitBatchEncoder.RecordsEncoder records = e.recordsCount(2);
        records.next().putRecord(bad.frame(), 0, bad.frame().length);
        records.next().putRecord(good.frame(), 0, good.frame().length);
        // The batch's first record is refused on its own; the reply to the good one is the one judged here.
        return new Case("batch-of-commits", frame(b, e.encodedLength()), id, null);
    }

    // ----- commit records -----

    /** Builds the groups of one commit record. */
    final class Commit
    {
        final List<Object[]> reads = new ArrayList<>();
        final List<Object[]> ranges = new ArrayList<>();
        final List<Object[]> writes = new ArrayList<>();

        Commit read(final byte[] key, final long epoch, final int index)
        {
            reads.add(new Object[] {table, key, epoch, index});
            return this;
        }

        Commit range(final String in, final byte[] start, final byte[] end)
        {
            ranges.add(new Object[] {in, start, end});
            return this;
        }

        Commit put(final byte[] key, final byte[] value)
        {
            return putIn(table, key, value);
        }

        Commit putIn(final String in, final byte[] key, final byte[] value)
        {
            writes.add(new Object[] {in, key, value, WriteOp.PUT});
            return this;
        }

        Commit delete(final byte[] key, final byte[] value)
        {
            writes.add(new Object[] {table, key, value, WriteOp.DELETE});
            return this;
        }
    }

    private Case commit(final String name, final long id, final long snapshotEpoch, final ErrorCode refusal,
        final java.util.function.Consumer<Commit> body)
    {
        return commitFrame(name, id, snapshotEpoch, 0, refusal, body);
    }

    private Case commitWithCatalog(final String name, final long id, final long s, final long catalogVersion,
        final java.util.function.Consumer<Commit> body)
    {
        return commitFrame(name, id, s, catalogVersion, ErrorCode.INVALID_ARGUMENT, body);
    }

    private Case commitFrame(final String name, final long id, final long snapshotEpoch, final long catalogVersion,
        final ErrorCode refusal, final java.util.function.Consumer<Commit> body)
    {
        final Commit c = new Commit();
        body.accept(c);
        final ExpandableArrayBuffer b = new ExpandableArrayBuffer(4096);
        final CommitRequestEncoder e = new CommitRequestEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder())
            .correlationId(id).txnId(id).catalogVersion(catalogVersion).snapshotEpoch(snapshotEpoch)
            .resend(BooleanType.FALSE);
        final CommitRequestEncoder.ReadsEncoder reads = e.readsCount(c.reads.size());
        for (final Object[] r : c.reads)
        {
            final byte[] key = (byte[])r[1];
            reads.next().versionEpoch((Long)r[2]).versionIndex((Integer)r[3]).table((String)r[0])
                .putKey(key, 0, key.length);
        }
        final CommitRequestEncoder.RangesEncoder ranges = e.rangesCount(c.ranges.size());
        for (final Object[] r : c.ranges)
        {
            final byte[] start = (byte[])r[1];
            final byte[] end = (byte[])r[2];
            ranges.next().table((String)r[0]).putStartKey(start, 0, start.length).putEndKey(end, 0, end.length);
        }
        final CommitRequestEncoder.WritesEncoder writes = e.writesCount(c.writes.size());
        for (final Object[] w : c.writes)
        {
            final byte[] key = (byte[])w[1];
            final byte[] value = (byte[])w[2];
            writes.next().op((WriteOp)w[3]).table((String)w[0]).putKey(key, 0, key.length)
                .putValue(value, 0, value.length);
        }
        e.opsCount(0); // a whole version 7 frame: bytes after it are trailing, not a group
        return new Case(name, frame(b, e.encodedLength()), id, refusal);
    }

    private static byte[] frame(final ExpandableArrayBuffer b, final int bodyLength)
    {
        return Arrays.copyOf(b.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + bodyLength);
    }

    private byte[] key()
    {
        return keys.get(random.nextInt(keys.size())).clone();
    }

    private byte[] value(final int length)
    {
        final byte[] v = new byte[length];
        for (int i = 0; i < Math.min(length, 64); i++)
        {
            v[i] = (byte)random.nextInt(256);
        }
        return v;
    }

    private byte[] filled(final int length)
    {
        final byte[] k = new byte[length];
        Arrays.fill(k, (byte)('a' + random.nextInt(26)));
        return k;
    }
}
