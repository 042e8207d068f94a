package io.stardust.test;

import io.stardust.scheduler.EpochResult;
import io.stardust.scheduler.Outcome;
import io.stardust.scheduler.Scheduler;
import io.stardust.scheduler.TxnRecord;
import io.stardust.sequencer.EpochListener;
import io.stardust.storage.Storage;
import io.stardust.storage.StorageConfig;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Records what one member's sequencer decided, in log order (relations created and dropped, closed epochs), so the same log
 * can be replayed through fresh schedulers with other worker counts and compared.
 */
public final class LogRecorder implements EpochListener
{
    /** One recorded event: a relation created (txns null), or dropped (txns and tableName null), or an epoch. */
    public record Event(long epoch, List<TxnRecord> txns, int tableId, String tableName, Trace trace)
    {
    }

    /** What an epoch decided: one reason name per transaction, and the digest. */
    public record Trace(long epoch, List<String> outcomes, long digest)
    {
        static Trace of(final EpochResult result)
        {
            final List<String> outcomes = new ArrayList<>();
            for (final Outcome o : result.outcomes())
            {
                outcomes.add(o.reason() + (o.conflictKey() == null ? "" : ":" + Arrays.toString(o.conflictKey())));
            }
            return new Trace(result.epoch(), outcomes, result.digest());
        }
    }

    private final List<Event> events = new ArrayList<>();

    @Override
    public synchronized void onEpoch(final long epoch, final List<TxnRecord> txns, final EpochResult result)
    {
        events.add(new Event(epoch, txns, -1, null, Trace.of(result)));
    }

    @Override
    public synchronized void onTableCreated(final int tableId, final String name)
    {
        events.add(new Event(0, null, tableId, name, null));
    }

    @Override
    public synchronized void onRelationDropped(final int tableId)
    {
        events.add(new Event(0, null, tableId, null, null));
    }

    /** @return the last epoch recorded, or 0. */
    public synchronized long lastEpoch()
    {
        for (int i = events.size() - 1; i >= 0; i--)
        {
            if (events.get(i).txns() != null)
            {
                return events.get(i).epoch();
            }
        }
        return 0;
    }

    /**
     * Wait until {@code epoch} is recorded: listeners run after storage publishes an epoch, so a member can show
     * the epoch as applied a moment before its recorder has it.
     *
     * @param epoch epoch.
     */
    public void awaitEpoch(final long epoch)
    {
        Await.until(() -> "epoch " + epoch + " recorded (last " + lastEpoch() + ")", java.time.Duration.ofSeconds(30),
            () -> lastEpoch() >= epoch);
    }

    /** @return a copy of the events so far. */
    public synchronized List<Event> events()
    {
        return new ArrayList<>(events);
    }

    /** @return the traces of the recorded epochs. */
    public static List<Trace> traces(final List<Event> events)
    {
        final List<Trace> traces = new ArrayList<>();
        for (final Event e : events)
        {
            if (e.trace() != null)
            {
                traces.add(e.trace());
            }
        }
        return traces;
    }

    /**
     * Run recorded events through a fresh storage and scheduler.
     *
     * @param events  recorded log.
     * @param dir     empty directory for the storage files.
     * @param workers scheduler worker threads.
     * @return one trace per epoch.
     */
    public static List<Trace> replay(final List<Event> events, final File dir, final int workers)
    {
        final List<Trace> traces = new ArrayList<>();
        try (Storage storage = new Storage(new StorageConfig().directory(dir));
            Scheduler scheduler = new Scheduler(storage, workers))
        {
            for (final Event e : events)
            {
                if (e.txns() == null && e.tableName() == null)
                {
                    storage.dropTable(e.tableId());
                }
                else if (e.txns() == null)
                {
                    storage.createTable(e.tableId(), e.tableName());
                }
                else
                {
                    traces.add(Trace.of(scheduler.execute(e.epoch(), e.txns())));
                }
            }
        }
        return traces;
    }

    /**
     * Compare two runs of the same log.
     *
     * @param expected reference traces.
     * @param actual   traces to check.
     * @return null when they agree, else a description of the first difference.
     */
    public static String firstDivergence(final List<Trace> expected, final List<Trace> actual)
    {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++)
        {
            final Trace a = expected.get(i);
            final Trace b = actual.get(i);
            if (a.epoch() != b.epoch())
            {
                return "epoch numbering differs at position " + i + ": " + a.epoch() + " vs " + b.epoch();
            }
            for (int t = 0; t < Math.min(a.outcomes().size(), b.outcomes().size()); t++)
            {
                if (!a.outcomes().get(t).equals(b.outcomes().get(t)))
                {
                    return "epoch " + a.epoch() + " transaction " + t + ": " + a.outcomes().get(t) + " vs " +
                        b.outcomes().get(t);
                }
            }
            if (a.outcomes().size() != b.outcomes().size())
            {
                return "epoch " + a.epoch() + " holds " + a.outcomes().size() + " vs " + b.outcomes().size() +
                    " transactions";
            }
            if (a.digest() != b.digest())
            {
                return "epoch " + a.epoch() + " digest " + Long.toHexString(a.digest()) + " vs " +
                    Long.toHexString(b.digest());
            }
        }
        if (expected.size() != actual.size())
        {
            return "runs have " + expected.size() + " vs " + actual.size() + " epochs";
        }
        return null;
    }
}
