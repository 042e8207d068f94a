package io.stardust.scheduler;

import io.stardust.protocol.Versions;
import io.stardust.storage.ReplicaFailedException;
import io.stardust.storage.Storage;
import io.stardust.storage.StorageConfig;
import io.stardust.storage.StorageProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulerTest
{
    private static final TxnRecord.Read[] NO_READS = new TxnRecord.Read[0];
    private static final TxnRecord.Range[] NO_RANGES = new TxnRecord.Range[0];
    private static final TxnRecord.Write[] NO_WRITES = new TxnRecord.Write[0];

    @TempDir
    File dir;

    private Storage storage;
    private Scheduler scheduler;

    @BeforeEach
    void open()
    {
        storage = newStorage(new File(dir, "main"));
        scheduler = new Scheduler(storage, 2);
    }

    @AfterEach
    void close()
    {
        scheduler.close();
        storage.close();
    }

    static Storage newStorage(final File dir)
    {
        final Storage s = new Storage(new StorageConfig().directory(dir));
        s.createTable(0, "t");
        s.createTable(1, "u");
        return s;
    }

    static byte[] b(final String s)
    {
        return s.getBytes(UTF_8);
    }

    static TxnRecord.Read read(final String key, final long version)
    {
        return new TxnRecord.Read(0, b(key), version);
    }

    static TxnRecord.Write put(final String key, final String value)
    {
        return new TxnRecord.Write(0, b(key), false, b(value));
    }

    static TxnRecord txn(final TxnRecord.Read[] reads, final TxnRecord.Write... writes)
    {
        return new TxnRecord(1, 0, reads, NO_RANGES, writes);
    }

    @Test
    void shouldCommitAndApplyWritesWithEpochAndIndexVersion()
    {
        final EpochResult result = scheduler.execute(1, List.of(
            txn(NO_READS, put("a", "1")),
            txn(NO_READS, put("b", "2"))));
        assertEquals(2, result.committed());
        assertEquals(Versions.pack(1, 1), storage.latest(0, b("b")).version());
        assertArrayEquals(b("1"), storage.latest(0, b("a")).value());
        assertEquals(1, storage.appliedEpoch());
    }

    @Test
    void shouldAbortWhenReadKeyWasOverwrittenInEarlierEpoch()
    {
        scheduler.execute(1, List.of(txn(NO_READS, put("k", "v1"))));
        scheduler.execute(2, List.of(txn(new TxnRecord.Read[] {read("k", Versions.pack(1, 0))}, put("k", "v2"))));
        // This one read the epoch-1 version, which epoch 2 replaced.
        final EpochResult result = scheduler.execute(3, List.of(
            txn(new TxnRecord.Read[] {read("other", 0), read("k", Versions.pack(1, 0))}, put("k", "v3"))));
        final Outcome outcome = result.outcomes()[0];
        assertEquals(AbortReason.STALE_READ, outcome.reason());
        assertArrayEquals(b("k"), outcome.conflictKey());
        assertArrayEquals(b("v2"), storage.latest(0, b("k")).value());
    }

    @Test
    void shouldAbortReadAfterWriteInSameEpochAndNameTheKey()
    {
        final EpochResult result = scheduler.execute(1, List.of(
            txn(NO_READS, put("x", "1")),
            txn(new TxnRecord.Read[] {read("y", 0), read("x", 0)}, put("y", "from-second"))));
        assertTrue(result.outcomes()[0].committed());
        assertEquals(AbortReason.READ_AFTER_WRITE_IN_EPOCH, result.outcomes()[1].reason());
        assertArrayEquals(b("x"), result.outcomes()[1].conflictKey());
        assertEquals(Versions.ABSENT, storage.latestVersion(0, b("y")));
    }

    @Test
    void shouldLetReadBeforeWriteInSameEpochCommit()
    {
        // The reader comes first in log order, so it serialises before the writer.
        final EpochResult result = scheduler.execute(1, List.of(
            txn(new TxnRecord.Read[] {read("x", 0)}, put("y", "1")),
            txn(NO_READS, put("x", "1"))));
        assertEquals(2, result.committed());
    }

    @Test
    void shouldApplyBlindWritesOfOneKeyInLogOrder()
    {
        scheduler.execute(1, List.of(txn(NO_READS, put("k", "first")), txn(NO_READS, put("k", "second"))));
        assertArrayEquals(b("second"), storage.latest(0, b("k")).value());
        assertEquals(Versions.pack(1, 1), storage.latestVersion(0, b("k")));
    }

    @Test
    void shouldAbortScanWhenKeyInsertedIntoRangeAfterSnapshot()
    {
        scheduler.execute(1, List.of(txn(NO_READS, put("a1", "1"))));
        scheduler.execute(2, List.of(txn(NO_READS, put("a5", "1"))));
        final TxnRecord scanAtEpoch1 = new TxnRecord(
            9, 1, NO_READS, new TxnRecord.Range[] {new TxnRecord.Range(0, b("a"), b("b"))}, new TxnRecord.Write[]
            {put("count", "1")});
        final Outcome outcome = scheduler.execute(3, List.of(scanAtEpoch1)).outcomes()[0];
        assertEquals(AbortReason.PHANTOM, outcome.reason());
        assertArrayEquals(b("a5"), outcome.conflictKey());
    }

    @Test
    void shouldAbortScanWhenEarlierTransactionOfEpochWritesIntoRange()
    {
        final TxnRecord scan = new TxnRecord(
            9, 0, NO_READS, new TxnRecord.Range[] {new TxnRecord.Range(0, b("a"), new byte[0])}, NO_WRITES);
        final TxnRecord otherTableScan = new TxnRecord(
            10, 0, NO_READS, new TxnRecord.Range[] {new TxnRecord.Range(1, b("a"), new byte[0])}, NO_WRITES);
        final EpochResult result = scheduler.execute(1, List.of(txn(NO_READS, put("zz", "1")), scan, otherTableScan));
        assertEquals(AbortReason.PHANTOM, result.outcomes()[1].reason());
        assertArrayEquals(b("zz"), result.outcomes()[1].conflictKey());
        assertTrue(result.outcomes()[2].committed(), "a write to table 0 is no phantom for a scan of table 1");
    }

    @Test
    void shouldTreatARangeWhoseStartIsPastItsEndAsEmpty()
    {
        scheduler.execute(1, List.of(txn(NO_READS, put("b", "1"))));
        final TxnRecord reversed = new TxnRecord(
            9, 1, NO_READS, new TxnRecord.Range[] {new TxnRecord.Range(0, b("c"), b("a"))}, new TxnRecord.Write[]
            {put("b", "2")});
        final EpochResult result = scheduler.execute(2, List.of(txn(NO_READS, put("b", "3")), reversed));
        assertTrue(result.outcomes()[1].committed(), "nothing is in a range from c to a");
        assertArrayEquals(b("2"), storage.latest(0, b("b")).value());
        assertNull(storage.failure());
    }

    @Test
    void shouldMarkStorageFailedWhenApplyingAnEpochThrows()
    {
        scheduler.execute(1, List.of(txn(NO_READS, put("a", "1"))));
        StorageProbe.failAfterWrites(storage, 1);
        final RuntimeException ex = assertThrows(RuntimeException.class, () -> scheduler.execute(2, List.of(
            txn(NO_READS, put("a", "2")), txn(NO_READS, put("b", "2")), txn(NO_READS, put("c", "2")))));
        final String failure = storage.failure();
        assertTrue(failure != null && failure.startsWith("epoch 2 failed: "), failure);
        assertTrue(failure.contains("injected fault"), failure);
        assertEquals(1, storage.appliedEpoch());
        final ReplicaFailedException refused = assertThrows(ReplicaFailedException.class,
            () -> storage.read(0, b("a"), 1));
        assertEquals(failure, refused.reason());
        assertThrows(ReplicaFailedException.class, () -> storage.scan(0, null, null, 1, 10, (k, r) -> { }));
        assertThrows(ReplicaFailedException.class, () -> scheduler.execute(3, List.of(txn(NO_READS, put("d", "3")))));
        assertEquals(failure, storage.failure(), "the first failure is kept: " + ex);
    }

    @Test
    void shouldRefuseARowPastTheStorageLimitsBeforeWritingAnyRowOfTheEpoch()
    {
        final TxnRecord huge = txn(NO_READS, new TxnRecord.Write(0, b("big"), false,
            new byte[Storage.MAX_VALUE_BYTES + 1]));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> scheduler.execute(1, List.of(txn(NO_READS, put("a", "1")), huge)));
        assertTrue(ex.getMessage().contains("exceeds the storage limit of 1048576 bytes"), ex.getMessage());
        assertEquals(0, StorageProbe.entries(storage, 0), "no row of the epoch was written");
        assertTrue(storage.failure().contains("exceeds the storage limit"), storage.failure());
    }

    @Test
    void shouldMakeRoomInEveryTableBeforeApplying()
    {
        final TxnRecord.Write[] writes = new TxnRecord.Write[9_000];
        for (int i = 0; i < writes.length; i++)
        {
            writes[i] = i % 3 == 0 ? new TxnRecord.Write(1, b("u" + i), false, b("x")) : put("k" + i, "v" + i);
        }
        final EpochResult result = scheduler.execute(1, List.of(txn(NO_READS, writes)));
        assertEquals(1, result.committed());
        // Sized for the epoch before it was applied: the first map file holds it, no copy to a bigger one after.
        assertEquals(1, StorageProbe.generation(storage, 0));
        assertTrue(StorageProbe.segments(storage, 0) >= 4, StorageProbe.segments(storage, 0) + " segments");
        assertEquals(1, StorageProbe.generation(storage, 1));
        assertEquals(6_000, storage.size(0));
        assertEquals(3_000, storage.size(1));
        assertArrayEquals(b("v8999"), storage.latest(0, b("k8999")).value());
    }

    @Test
    void shouldGiveIdenticalOutcomesDigestsAndStateForOneTwoAndFourWorkers()
    {
        final List<List<TxnRecord>> epochs = randomEpochs(42, 40, 200);
        final List<String> reference = new ArrayList<>();
        long referenceChecksum = 0;
        for (final int workers : new int[] {1, 2, 4})
        {
            try (Storage s = newStorage(new File(dir, "w" + workers)); Scheduler sch = new Scheduler(s, workers))
            {
                final List<String> trace = run(sch, epochs);
                if (workers == 1)
                {
                    reference.addAll(trace);
                    referenceChecksum = s.checksum();
                    final String all = String.join("\n", trace);
                    for (final AbortReason reason : AbortReason.values())
                    {
                        if (reason == AbortReason.SCHEMA_CHANGED)
                        {
                            continue; // the sequencer's decision, before an epoch runs
                        }
                        if (reason == AbortReason.PROCEDURE_FAILED || reason == AbortReason.STEP_BUDGET_EXCEEDED)
                        {
                            continue; // procedure calls' own: ProcedureTest runs them with 1, 2 and 4 workers
                        }
                        assertTrue(all.contains(" " + reason), "the workload must produce " + reason);
                    }
                }
                else
                {
                    assertEquals(reference, trace, "outcomes with " + workers + " workers");
                    assertEquals(referenceChecksum, s.checksum(), "state with " + workers + " workers");
                }
            }
        }
    }

    @Test
    void shouldChangeDigestWhenOneWrittenValueDiffers()
    {
        final List<List<TxnRecord>> epochs = randomEpochs(7, 5, 50);
        final List<List<TxnRecord>> planted = new ArrayList<>(epochs);
        final List<TxnRecord> last = new ArrayList<>(planted.get(4));
        last.set(0, txn(NO_READS, put("planted", "fault")));
        planted.set(4, last);
        try (Storage a = newStorage(new File(dir, "a")); Scheduler sa = new Scheduler(a, 1);
            Storage b = newStorage(new File(dir, "b")); Scheduler sb = new Scheduler(b, 1))
        {
            final List<String> ta = run(sa, epochs);
            final List<String> tb = run(sb, planted);
            assertEquals(ta.subList(0, 4), tb.subList(0, 4));
            assertNotEquals(sa.lastDigest(), sb.lastDigest());
        }
    }

    private static List<String> run(final Scheduler scheduler, final List<List<TxnRecord>> epochs)
    {
        final List<String> trace = new ArrayList<>();
        long epoch = 0;
        for (final List<TxnRecord> txns : epochs)
        {
            final EpochResult result = scheduler.execute(++epoch, txns);
            final StringBuilder sb = new StringBuilder("epoch=" + epoch + " aborted=" + result.aborted() + " digest=" +
                result.digest());
            for (final Outcome o : result.outcomes())
            {
                sb.append(' ').append(o.reason()).append(o.conflictKey() == null ? "" : new String(o.conflictKey(), UTF_8));
            }
            trace.add(sb.toString());
        }
        return trace;
    }

    /**
     * A contended workload: read-modify-writes whose read versions come from a model that lags by some epochs, so
     * that stale reads, same-epoch conflicts and successes all occur.
     */
    static List<List<TxnRecord>> randomEpochs(final long seed, final int epochCount, final int perEpoch)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final List<List<TxnRecord>> epochs = new ArrayList<>();
        final long[] lastWriteVersion = new long[50];
        for (int e = 1; e <= epochCount; e++)
        {
            final List<TxnRecord> txns = new ArrayList<>();
            for (int i = 0; i < perEpoch; i++)
            {
                final int k = random.nextInt(lastWriteVersion.length);
                final int k2 = random.nextInt(lastWriteVersion.length);
                final String key = "k" + k;
                // Guess the read version: usually what the model last saw, sometimes absent (stale).
                final long version = random.nextInt(4) == 0 ? 0 : lastWriteVersion[k];
                final TxnRecord.Write[] writes = random.nextInt(10) == 0 ?
                    new TxnRecord.Write[] {new TxnRecord.Write(0, b(key), true, null)} :
                    new TxnRecord.Write[] {put(key, "v" + e + "." + i), put("k" + k2, "w" + i)};
                final TxnRecord.Range[] ranges = random.nextInt(20) == 0 ?
                    new TxnRecord.Range[] {new TxnRecord.Range(0, b("k1"), b("k2"))} : NO_RANGES;
                if (i % 5 == 4)
                {
                    // One-shots in the same epochs: counters of their own, and adds to keys validated ones write
                    // (which hold no counter: their condition fails), and a check of a validated key.
                    final String counter = random.nextBoolean() ? "c" + k : key;
                    txns.add(TxnRecord.oneShot(i, TxnRecord.Op.add(0, b(counter), random.nextInt(4) - 1, 0,
                        Long.MAX_VALUE), TxnRecord.Op.of(TxnRecord.OpKind.GET, 0, b("k" + k2))));
                    continue;
                }
                txns.add(new TxnRecord(i, e - 1, new TxnRecord.Read[] {read(key, version)}, ranges, writes));
            }
            epochs.add(txns);
            // The model only learns versions at the end of every other epoch, making some reads stale.
            if (e % 2 == 0)
            {
                for (int i = 0; i < lastWriteVersion.length; i++)
                {
                    lastWriteVersion[i] = Versions.pack(e, random.nextInt(perEpoch));
                }
            }
        }
        return epochs;
    }
}
