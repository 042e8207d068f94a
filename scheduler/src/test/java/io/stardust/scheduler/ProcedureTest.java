package io.stardust.scheduler;

import io.stardust.procedure.ArgType;
import io.stardust.procedure.ProcedureArgs;
import io.stardust.procedure.examples.Transfer;
import io.stardust.scheduler.procs.BigAllocator;
import io.stardust.scheduler.procs.IdentityHash;
import io.stardust.scheduler.procs.JoinsObject;
import io.stardust.scheduler.procs.KeepsState;
import io.stardust.scheduler.procs.Labeller;
import io.stardust.scheduler.procs.ReadsFile;
import io.stardust.scheduler.procs.Recursive;
import io.stardust.scheduler.procs.Spinner;
import io.stardust.scheduler.procs.StartsThread;
import io.stardust.scheduler.procs.Stubborn;
import io.stardust.scheduler.procs.Thrower;
import io.stardust.scheduler.procs.UsesClock;
import io.stardust.scheduler.procs.UsesLambda;
import io.stardust.scheduler.procs.UsesRandom;
import io.stardust.storage.Storage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static io.stardust.scheduler.OneShotTest.add;
import static io.stardust.scheduler.OneShotTest.counter;
import static io.stardust.scheduler.SchedulerTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Procedure calls at the log position: they commit or abort on their own (a stated condition, an exception, the step
 * budget) without touching the rest of the epoch, the same way with any worker count; and classes that could not be
 * deterministic are refused, each naming the rule.
 */
class ProcedureTest
{
    private static final long BUDGET = 100_000;

    @TempDir
    File dir;

    private Storage storage;
    private Scheduler scheduler;
    private Procedures procedures;

    @BeforeEach
    void open() throws Exception
    {
        storage = SchedulerTest.newStorage(new File(dir, "main"));
        procedures = registry();
        scheduler = new Scheduler(storage, 2).procedures(procedures);
    }

    @AfterEach
    void close()
    {
        scheduler.close();
        storage.close();
    }

    private static Procedures registry() throws Exception
    {
        final Procedures p = new Procedures(ProcedureTest.class.getClassLoader());
        register(p, "transfer", Transfer.class);
        register(p, "thrower", Thrower.class);
        register(p, "spinner", Spinner.class);
        register(p, "stubborn", Stubborn.class);
        register(p, "alloc", BigAllocator.class);
        register(p, "labeller", Labeller.class);
        return p;
    }

    private static void register(final Procedures p, final String name, final Class<?> type) throws Exception
    {
        p.add(p.load(name, 1, type.getName(), hash(type), BUDGET));
    }

    private static String hash(final Class<?> type)
    {
        return Procedures.sha256(Procedures.classBytes(type.getClassLoader(), type.getName()));
    }

    static TxnRecord call(final long txnId, final String procedure, final List<Object> args, final String... keys)
    {
        final TxnRecord.Op[] ops = new TxnRecord.Op[keys.length];
        for (int i = 0; i < keys.length; i++)
        {
            ops[i] = TxnRecord.Op.of(TxnRecord.OpKind.KEY, 0, b(keys[i]));
        }
        return TxnRecord.call(txnId, new TxnRecord.Call(procedure, 1, ProcedureArgs.encode(args), args), ops);
    }

    private long stored(final String key)
    {
        return counter(storage.latest(0, b(key)).value());
    }

    @Test
    void shouldTransferAtTheLogPositionAndAbortOnlyOnItsOwnCondition()
    {
        final EpochResult r = scheduler.execute(1, List.of(
            TxnRecord.oneShot(1, add("alice", 100)),
            call(2, "transfer", List.of(30L), "alice", "bob"),
            call(3, "transfer", List.of(80L), "alice", "bob"),
            call(4, "transfer", List.of(70L), "alice", "bob")));
        assertTrue(r.outcomes()[1].committed());
        assertEquals(AbortReason.CONDITION_FAILED, r.outcomes()[2].reason());
        assertEquals("balance 70 is below 80", r.effect(2).message());
        assertTrue(r.outcomes()[3].committed());
        assertEquals(0, stored("alice"));
        assertEquals(100, stored("bob"));
        // The values each call left at its keys come back.
        assertEquals(70, counter(r.effect(1).results()[0]));
        assertEquals(30, counter(r.effect(1).results()[1]));
        assertEquals(0, counter(r.effect(3).results()[0]));
    }

    @Test
    void shouldAbortOnlyAThrowingCallAndLeaveNothingOfIt()
    {
        final EpochResult r = scheduler.execute(1, List.of(
            TxnRecord.oneShot(1, add("k", 5)),
            call(2, "thrower", List.of(), "k"),
            TxnRecord.oneShot(3, add("k", 1))));
        assertTrue(r.outcomes()[0].committed());
        assertEquals(AbortReason.PROCEDURE_FAILED, r.outcomes()[1].reason());
        assertTrue(r.effect(1).message().contains("java.lang.IllegalStateException: planted failure"),
            r.effect(1).message());
        assertTrue(r.outcomes()[2].committed());
        assertEquals(6, stored("k"));
        assertEquals(6, counter(r.effect(2).results()[0]));
    }

    @Test
    void shouldAbortACallThatRunsPastItsStepBudgetAndGoOnWithTheEpoch()
    {
        final EpochResult r = scheduler.execute(1, List.of(
            call(1, "spinner", List.of(), "k"),
            TxnRecord.oneShot(2, add("k", 1)),
            call(3, "stubborn", List.of(0L), "s"),
            call(4, "stubborn", List.of(1L), "s"),
            call(5, "alloc", List.of(10L), "a"),
            call(6, "alloc", List.of(100_000_000L), "a")));
        assertEquals(AbortReason.STEP_BUDGET_EXCEEDED, r.outcomes()[0].reason());
        assertEquals("spinner version 1 ran past its step budget of " + BUDGET, r.effect(0).message());
        assertTrue(r.outcomes()[1].committed());
        assertEquals(1, stored("k"));
        // Catching its own abort or the budget's exception changes nothing: the call still aborts.
        assertEquals(AbortReason.CONDITION_FAILED, r.outcomes()[2].reason());
        assertEquals("first thoughts", r.effect(2).message());
        assertEquals(AbortReason.STEP_BUDGET_EXCEEDED, r.outcomes()[3].reason());
        assertFalse(storage.latest(0, b("s")).isLive());
        // An allocation is charged by its size before it happens.
        assertTrue(r.outcomes()[4].committed());
        assertEquals(AbortReason.STEP_BUDGET_EXCEEDED, r.outcomes()[5].reason());
        assertArrayEquals(new byte[] {10}, storage.latest(0, b("a")).value());
    }

    @Test
    void shouldRunAnAllowedProcedureWithTextLoopsAndHelpers()
    {
        final EpochResult r = scheduler.execute(1, List.of(
            call(1, "labeller", List.of("x", 3L), "p", "q"),
            call(2, "labeller", List.of("y", 1L), "q"),
            call(3, "labeller", List.of("z", 40L), "p")));
        assertTrue(r.outcomes()[0].committed());
        assertEquals("x:0;x:1;x:2;y:0;", new String(storage.latest(0, b("q")).value(), StandardCharsets.UTF_8));
        // Past 200 bytes the value is deleted.
        assertTrue(r.outcomes()[2].committed());
        assertFalse(storage.latest(0, b("p")).isLive());
        assertEquals("x:0;x:1;x:2;", new String(r.effect(0).results()[0], StandardCharsets.UTF_8));
    }

    @Test
    void shouldGiveTheSameOutcomesMessagesAndDigestsWithOneTwoAndFourWorkers() throws Exception
    {
        final SplittableRandom random = new SplittableRandom(7);
        final List<List<TxnRecord>> epochs = new ArrayList<>();
        for (int e = 0; e < 20; e++)
        {
            final List<TxnRecord> txns = new ArrayList<>();
            for (int i = 0; i < 150; i++)
            {
                txns.add(randomTxn(random, e, i));
            }
            epochs.add(txns);
        }
        String first = null;
        for (final OneShotExecution mode : OneShotExecution.values())
        for (final int workers : new int[] {1, 2, 4})
        {
            try (Storage s = SchedulerTest.newStorage(new File(dir, "w" + workers + mode));
                Scheduler sch = new Scheduler(s, workers).procedures(registry()).oneShotExecution(mode))
            {
                final StringBuilder trace = new StringBuilder();
                for (int e = 0; e < epochs.size(); e++)
                {
                    final EpochResult r = sch.execute(e + 1, epochs.get(e));
                    trace.append(r.digest()).append(':');
                    for (int i = 0; i < r.outcomes().length; i++)
                    {
                        trace.append(r.outcomes()[i].reason().ordinal());
                        final OneShotEffect effect = r.effect(i);
                        if (effect != null)
                        {
                            trace.append(effect.message());
                            for (final byte[] v : effect.results() == null ? new byte[0][] : effect.results())
                            {
                                trace.append(v == null ? "-" : Arrays.toString(v));
                            }
                        }
                    }
                    trace.append('\n');
                }
                if (first == null)
                {
                    first = trace.toString();
                    for (final AbortReason reason : List.of(AbortReason.CONDITION_FAILED,
                        AbortReason.PROCEDURE_FAILED, AbortReason.STEP_BUDGET_EXCEEDED, AbortReason.STALE_READ))
                    {
                        assertTrue(first.contains(String.valueOf(reason.ordinal())), "the epochs hold " + reason);
                    }
                }
                else
                {
                    assertEquals(first, trace.toString(), "outcomes, messages and digests with " + workers +
                        " workers, " + mode);
                }
            }
        }
    }

    private static TxnRecord randomTxn(final SplittableRandom random, final int epoch, final int i)
    {
        final String a = "k" + random.nextInt(10);
        final String c = "k" + (random.nextInt(9) + 1 + Integer.parseInt(a.substring(1))) % 10;
        return switch (random.nextInt(8))
        {
            case 0 -> new TxnRecord(i, epoch, new TxnRecord.Read[] {new TxnRecord.Read(0, b(a), 0)},
                new TxnRecord.Range[0], new TxnRecord.Write[] {new TxnRecord.Write(0, b(c), false,
                ByteBuffer.allocate(8).putLong(random.nextInt(50)).array())});
            case 1, 2 -> TxnRecord.oneShot(i, add(a, random.nextInt(20)));
            case 3, 4 -> call(i, "transfer", List.of((long)random.nextInt(30)), a, c);
            case 5 -> call(i, "thrower", List.of(), a);
            case 6 -> random.nextInt(10) == 0 ? call(i, "spinner", List.of(), a) :
                call(i, "alloc", List.of((long)random.nextInt(100)), "a" + a);
            default -> call(i, "stubborn", List.of((long)random.nextInt(2)), a);
        };
    }

    @Test
    void shouldRefuseWhatCannotBeDeterministicNamingTheRule()
    {
        refused(UsesClock.class, "java.lang.System");
        refused(UsesRandom.class, "java.lang.Math.random");
        refused(StartsThread.class, "java.lang.Thread");
        refused(ReadsFile.class, "java.io.File");
        refused(Recursive.class, "recursion is refused");
        refused(IdentityHash.class, "java.lang.Object.hashCode");
        refused(KeepsState.class, "static field calls");
        refused(UsesLambda.class, "invokedynamic");
        refused(JoinsObject.class, "identity hash");
    }

    private static void refused(final Class<?> type, final String rule)
    {
        final Procedures.Refused ex = assertThrows(Procedures.Refused.class, () -> Procedures.define("p", 1,
            type.getName(), Procedures.classBytes(type.getClassLoader(), type.getName()), BUDGET));
        assertTrue(ex.getMessage().contains(rule), type.getSimpleName() + ": " + ex.getMessage());
        assertTrue(ex.getMessage().startsWith("procedure p version 1 (" + type.getName() + ") is refused: "),
            ex.getMessage());
    }

    @Test
    void shouldRefuseToLoadAClassThatIsMissingOrDiffersFromItsRegistration() throws Exception
    {
        final Procedures p = new Procedures(ProcedureTest.class.getClassLoader());
        final Procedures.NotHere missing = assertThrows(Procedures.NotHere.class,
            () -> p.load("t", 1, "com.example.Absent", "0".repeat(64), BUDGET));
        assertTrue(missing.getMessage().contains("class com.example.Absent is not deployed on this member"),
            missing.getMessage());
        final Procedures.NotHere differs = assertThrows(Procedures.NotHere.class,
            () -> p.load("t", 1, Transfer.class.getName(), "ab".repeat(32), BUDGET));
        assertTrue(differs.getMessage().contains("has sha256 " + hash(Transfer.class) + ", but it was registered " +
            "with " + "ab".repeat(32)), differs.getMessage());
        final Procedures.Loaded loaded = p.load("t", 1, Transfer.class.getName(), hash(Transfer.class), BUDGET);
        assertArrayEquals(new ArgType[] {ArgType.LONG}, loaded.parameters());
        assertEquals("(LONG)", loaded.signature());
        assertNotNull(loaded.instance());
    }
}
