package io.stardust.sequencer;

import io.stardust.protocol.Versions;

/**
 * Settings of the sequencer service. Those that decide outcomes (batch window, epoch limits, transaction, key and value
 * limits, dedup window, durability) only seed the cluster's first {@code ClusterSettings} record when this member is
 * the first leader of an empty log ({@link #seedSettings()}); once in the log they are {@link ReplicatedSettings},
 * changed only by control records, and a member's own values no longer matter, except its durability, which must
 * match the cluster's (its disk syncs are set when it starts).
 */
public final class SequencerConfig
{
    /** Default batch window of a new cluster, microseconds. */
    public static final long DEFAULT_BATCH_WINDOW_MICROS = 2_000;
    /**
     * Smallest batch window. The cluster clock counts nanoseconds, but its timers tick every millisecond: a shorter
     * window is exact while messages keep arriving (the first one past the window closes the epoch) and rounds up to
     * the next tick when none does.
     */
    public static final long MIN_BATCH_WINDOW_MICROS = 100;
    /** Largest batch window. */
    public static final long MAX_BATCH_WINDOW_MICROS = 10_000_000;
    /**
     * Default number of transactions that closes an epoch early. Small epochs keep commits flowing instead of in
     * waves (a closed-loop client's transactions otherwise all land in one epoch, wait for it, and come back
     * together). On 2 cores, single-key read-modify-writes: at 1024 in flight 94k commits/s with 10,000 (epochs held
     * 540, the window's worth), 111k with 256, 118k with 128 or 64; at 256 in flight 65k with 256, 75k with 128,
     * 77k with 64.
     */
    public static final int DEFAULT_EPOCH_MAX_TRANSACTIONS = 128;
    /** Default size in bytes of records that closes an epoch early. */
    public static final int DEFAULT_EPOCH_MAX_BYTES = 16 * 1024 * 1024;
    /** Default largest accepted transaction, bytes on the wire. */
    public static final int DEFAULT_MAX_TRANSACTION_BYTES = 1024 * 1024;
    /** Default most reads + ranges + writes in one transaction. */
    public static final int DEFAULT_MAX_TRANSACTION_OPS = 10_000;
    /** Default number of recent transaction ids remembered to answer retried commits exactly once. */
    public static final int DEFAULT_DEDUP_WINDOW_TRANSACTIONS = 256 * 1024;
    /** Default largest key. */
    public static final int DEFAULT_MAX_KEY_BYTES = 4096;
    /**
     * Default largest value, 512 KiB: half a default transaction, well under what storage holds
     * ({@link io.stardust.storage.Storage#MAX_VALUE_BYTES}, 1 MiB), so one value cannot fill a transaction and its
     * undo history stays bounded in heap. Replicated: a cluster can raise it to storage's limit.
     */
    public static final int DEFAULT_MAX_VALUE_BYTES = 512 * 1024;

    private long initialBatchWindowMicros = DEFAULT_BATCH_WINDOW_MICROS;
    private int initialEpochMaxTransactions = DEFAULT_EPOCH_MAX_TRANSACTIONS;
    private int initialEpochMaxBytes = DEFAULT_EPOCH_MAX_BYTES;
    private int maxTransactionBytes = DEFAULT_MAX_TRANSACTION_BYTES;
    private int maxTransactionOps = DEFAULT_MAX_TRANSACTION_OPS;
    private int maxKeyBytes = DEFAULT_MAX_KEY_BYTES;
    private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
    private io.stardust.protocol.codecs.Durability durability = io.stardust.protocol.codecs.Durability.FSYNC;
    private int digestHistory = 1 << 16;
    private int dedupWindowTransactions = DEFAULT_DEDUP_WINDOW_TRANSACTIONS;
    private java.io.File checkpointDirectory;

    public SequencerConfig initialBatchWindowMicros(final long micros)
    {
        this.initialBatchWindowMicros = micros;
        return this;
    }

    public long initialBatchWindowMicros()
    {
        return initialBatchWindowMicros;
    }

    public SequencerConfig initialEpochMaxTransactions(final int max)
    {
        this.initialEpochMaxTransactions = max;
        return this;
    }

    public int initialEpochMaxTransactions()
    {
        return initialEpochMaxTransactions;
    }

    public SequencerConfig initialEpochMaxBytes(final int max)
    {
        this.initialEpochMaxBytes = max;
        return this;
    }

    public int initialEpochMaxBytes()
    {
        return initialEpochMaxBytes;
    }

    /**
     * Largest transaction accepted, in bytes on the wire. Must be the same on every member: it decides
     * which records are rejected. Also bounded by the cluster's maximum message length.
     *
     * @param bytes limit.
     * @return this.
     */
    public SequencerConfig maxTransactionBytes(final int bytes)
    {
        this.maxTransactionBytes = bytes;
        return this;
    }

    public int maxTransactionBytes()
    {
        return maxTransactionBytes;
    }

    public SequencerConfig maxTransactionOps(final int ops)
    {
        this.maxTransactionOps = ops;
        return this;
    }

    public int maxTransactionOps()
    {
        return maxTransactionOps;
    }

    public SequencerConfig maxKeyBytes(final int bytes)
    {
        this.maxKeyBytes = bytes;
        return this;
    }

    public int maxKeyBytes()
    {
        return maxKeyBytes;
    }

    /**
     * Largest value, seeding the replicated settings.
     *
     * @param bytes limit, at most {@link io.stardust.storage.Storage#MAX_VALUE_BYTES}.
     * @return this.
     */
    public SequencerConfig maxValueBytes(final int bytes)
    {
        this.maxValueBytes = bytes;
        return this;
    }

    public int maxValueBytes()
    {
        return maxValueBytes;
    }

    /**
     * When a log position counts toward commit on this member: seeds the replicated settings, and must match them.
     *
     * @param durability FSYNC or REPLICATED.
     * @return this.
     */
    public SequencerConfig durability(final io.stardust.protocol.codecs.Durability durability)
    {
        this.durability = durability;
        return this;
    }

    public io.stardust.protocol.codecs.Durability durability()
    {
        return durability;
    }

    /** @return the settings this member appends as the cluster's first, when it is the first leader. */
    public ReplicatedSettings seedSettings()
    {
        return new ReplicatedSettings(initialBatchWindowMicros, initialEpochMaxTransactions, initialEpochMaxBytes,
            maxTransactionBytes, maxTransactionOps, maxKeyBytes, maxValueBytes, dedupWindowTransactions, durability);
    }

    /**
     * How many recent epoch digests a member keeps for {@code DigestRequest}s.
     *
     * @param epochs a power of two.
     * @return this.
     */
    public SequencerConfig digestHistory(final int epochs)
    {
        this.digestHistory = epochs;
        return this;
    }

    public int digestHistory()
    {
        return digestHistory;
    }

    /**
     * How many of the most recent transaction ids are remembered with their outcome, so that a commit retried after
     * a timeout or a leader change is answered with the original decision instead of running twice. Decides state:
     * must be equal on every member.
     *
     * @param transactions window size.
     * @return this.
     */
    public SequencerConfig dedupWindowTransactions(final int transactions)
    {
        this.dedupWindowTransactions = transactions;
        return this;
    }

    public int dedupWindowTransactions()
    {
        return dedupWindowTransactions;
    }

    /**
     * @param dir where snapshots' rows are written by a background thread ({@link RowCheckpoint}); null writes them
     *            into the Aeron snapshot itself, while the cluster waits (tests of the snapshot format).
     * @return this.
     */
    public SequencerConfig checkpointDirectory(final java.io.File dir)
    {
        this.checkpointDirectory = dir;
        return this;
    }

    public java.io.File checkpointDirectory()
    {
        return checkpointDirectory;
    }

    /**
     * @return this.
     * @throws IllegalArgumentException naming the bad setting.
     */
    public SequencerConfig validate()
    {
        final String problem = seedSettings().problem();
        if (problem != null)
        {
            throw new IllegalArgumentException(problem);
        }
        if (Integer.bitCount(digestHistory) != 1)
        {
            throw new IllegalArgumentException("digestHistory must be a power of two, was " + digestHistory);
        }
        return this;
    }

    static void checkBatchWindow(final long micros)
    {
        final String problem = batchWindowProblem(micros);
        if (problem != null)
        {
            throw new IllegalArgumentException(problem);
        }
    }

    static String batchWindowProblem(final long micros)
    {
        if (micros < MIN_BATCH_WINDOW_MICROS || micros > MAX_BATCH_WINDOW_MICROS)
        {
            return "batch window must be in [" + MIN_BATCH_WINDOW_MICROS + ", " + MAX_BATCH_WINDOW_MICROS +
                "] microseconds, was " + micros;
        }
        return null;
    }

    static String checkEpochLimits(final int maxTransactions, final int maxBytes)
    {
        if (maxTransactions < 1 || maxTransactions > Versions.MAX_EPOCH_TRANSACTIONS)
        {
            return "epoch max transactions must be in [1, " + Versions.MAX_EPOCH_TRANSACTIONS + "], was " +
                maxTransactions;
        }
        if (maxBytes < 1024 || maxBytes > 256 * 1024 * 1024)
        {
            return "epoch max bytes must be in [1024, 268435456], was " + maxBytes;
        }
        return null;
    }
}
