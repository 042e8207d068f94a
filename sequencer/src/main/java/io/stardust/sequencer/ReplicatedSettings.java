package io.stardust.sequencer;

import io.stardust.protocol.codecs.Durability;
import io.stardust.storage.Storage;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Every setting that decides an outcome: which records are refused, where epochs are cut, which retries are answered
 * from memory, and when a log position counts as committed. Replicated: a value of this class changes only through
 * the log (the cluster's first {@code ClusterSettings} record, appended by the leader from its own configuration,
 * then control records), so every replica refuses and cuts the same way. A member's own configuration only seeds the
 * first record.
 * <p>
 * Before the first record is applied, the compiled-in {@link #DEFAULTS} hold: they are the same on every member that
 * runs this code.
 *
 * @param batchWindowMicros       how long an epoch stays open.
 * @param epochMaxTransactions    transactions that close an epoch early.
 * @param epochMaxBytes           bytes of records that close an epoch early.
 * @param maxTransactionBytes     largest transaction record.
 * @param maxTransactionOps       most reads, ranges and writes in one transaction.
 * @param maxKeyBytes             largest key (and range bound).
 * @param maxValueBytes           largest value.
 * @param dedupWindowTransactions recent transaction ids remembered with their decision.
 * @param durability              when a log position counts toward commit.
 */
public record ReplicatedSettings(
    long batchWindowMicros,
    int epochMaxTransactions,
    int epochMaxBytes,
    int maxTransactionBytes,
    int maxTransactionOps,
    int maxKeyBytes,
    int maxValueBytes,
    int dedupWindowTransactions,
    Durability durability)
{
    /** The settings of a log with no settings record yet. */
    public static final ReplicatedSettings DEFAULTS = new ReplicatedSettings(
        SequencerConfig.DEFAULT_BATCH_WINDOW_MICROS,
        SequencerConfig.DEFAULT_EPOCH_MAX_TRANSACTIONS,
        SequencerConfig.DEFAULT_EPOCH_MAX_BYTES,
        SequencerConfig.DEFAULT_MAX_TRANSACTION_BYTES,
        SequencerConfig.DEFAULT_MAX_TRANSACTION_OPS,
        SequencerConfig.DEFAULT_MAX_KEY_BYTES,
        SequencerConfig.DEFAULT_MAX_VALUE_BYTES,
        SequencerConfig.DEFAULT_DEDUP_WINDOW_TRANSACTIONS,
        Durability.FSYNC);

    /** Largest transaction record a cluster accepts, whatever its settings: the ingress's message bound. */
    public static final int MAX_TRANSACTION_BYTES_LIMIT = 16 * 1024 * 1024;

    /**
     * @return null when every value is allowed and storage can hold every row these limits let through, else what is
     * wrong (naming the setting).
     */
    public String problem()
    {
        final String window = SequencerConfig.batchWindowProblem(batchWindowMicros);
        if (window != null)
        {
            return window;
        }
        final String limits = SequencerConfig.checkEpochLimits(epochMaxTransactions, epochMaxBytes);
        if (limits != null)
        {
            return limits;
        }
        if (maxTransactionBytes < 1024 || maxTransactionBytes > MAX_TRANSACTION_BYTES_LIMIT)
        {
            return "max transaction bytes must be in [1024, " + MAX_TRANSACTION_BYTES_LIMIT + "], was " +
                maxTransactionBytes;
        }
        if (maxTransactionOps < 1 || maxTransactionOps > 1_000_000)
        {
            return "max transaction ops must be in [1, 1000000], was " + maxTransactionOps;
        }
        if (maxKeyBytes < 1 || maxKeyBytes > Storage.MAX_KEY_BYTES)
        {
            return "max key bytes must be in [1, " + Storage.MAX_KEY_BYTES + "] (what storage holds), was " +
                maxKeyBytes;
        }
        if (maxValueBytes < 0 || maxValueBytes > Storage.MAX_VALUE_BYTES)
        {
            return "max value bytes must be in [0, " + Storage.MAX_VALUE_BYTES + "] (what storage holds), was " +
                maxValueBytes;
        }
        if (dedupWindowTransactions < 1 || dedupWindowTransactions > 16 * 1024 * 1024)
        {
            return "dedup window must be in [1, 16777216] transactions, was " + dedupWindowTransactions;
        }
        if (durability == null || durability == Durability.NULL_VAL)
        {
            return "durability must be FSYNC or REPLICATED";
        }
        return null;
    }

    /** @return these settings with another batch window. */
    public ReplicatedSettings withBatchWindow(final long micros)
    {
        return new ReplicatedSettings(micros, epochMaxTransactions, epochMaxBytes, maxTransactionBytes,
            maxTransactionOps, maxKeyBytes, maxValueBytes, dedupWindowTransactions, durability);
    }

    /** @return these settings with other epoch limits. */
    public ReplicatedSettings withEpochLimits(final int maxTransactions, final int maxBytes)
    {
        return new ReplicatedSettings(batchWindowMicros, maxTransactions, maxBytes, maxTransactionBytes,
            maxTransactionOps, maxKeyBytes, maxValueBytes, dedupWindowTransactions, durability);
    }

    /** @return one line naming every value, for acks and logs. */
    public String describe()
    {
        return "batch window " + batchWindowMicros + " us, epochs of at most " + epochMaxTransactions +
            " transactions or " + epochMaxBytes + " bytes, transactions of at most " + maxTransactionBytes +
            " bytes and " + maxTransactionOps + " ops, keys of at most " + maxKeyBytes + " bytes, values of at most " +
            maxValueBytes + " bytes, dedup window " + dedupWindowTransactions + ", durability " + durability;
    }

    void write(final DataOutputStream out) throws IOException
    {
        out.writeLong(batchWindowMicros);
        out.writeInt(epochMaxTransactions);
        out.writeInt(epochMaxBytes);
        out.writeInt(maxTransactionBytes);
        out.writeInt(maxTransactionOps);
        out.writeInt(maxKeyBytes);
        out.writeInt(maxValueBytes);
        out.writeInt(dedupWindowTransactions);
        out.writeByte(durability.value());
    }

    static ReplicatedSettings read(final DataInputStream in) throws IOException
    {
        final ReplicatedSettings s = new ReplicatedSettings(in.readLong(), in.readInt(), in.readInt(), in.readInt(),
            in.readInt(), in.readInt(), in.readInt(), in.readInt(), Durability.get(in.readByte()));
        final String problem = s.problem();
        if (problem != null)
        {
            throw new IOException("snapshot holds impossible settings: " + problem);
        }
        return s;
    }
}
