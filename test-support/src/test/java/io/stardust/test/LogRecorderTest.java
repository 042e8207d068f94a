package io.stardust.test;

import io.stardust.scheduler.TxnRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogRecorderTest
{
    @TempDir
    File dir;

    private static List<LogRecorder.Event> log(final String plantedValue)
    {
        final List<LogRecorder.Event> events = new ArrayList<>();
        events.add(new LogRecorder.Event(0, null, 0, "t", null));
        for (int e = 1; e <= 3; e++)
        {
            final List<TxnRecord> txns = new ArrayList<>();
            for (int i = 0; i < 20; i++)
            {
                final String value = e == 3 && i == 7 && plantedValue != null ? plantedValue : "v" + e + i;
                txns.add(new TxnRecord(i, e - 1, new TxnRecord.Read[0], new TxnRecord.Range[0],
                    new TxnRecord.Write[] {new TxnRecord.Write(0, ("k" + i % 5).getBytes(UTF_8), false,
                    value.getBytes(UTF_8))}));
            }
            events.add(new LogRecorder.Event(e, txns, -1, null, null));
        }
        return events;
    }

    @Test
    void shouldAgreeWithItselfAcrossWorkerCounts()
    {
        final List<LogRecorder.Trace> one = LogRecorder.replay(log(null), new File(dir, "1"), 1);
        final List<LogRecorder.Trace> four = LogRecorder.replay(log(null), new File(dir, "4"), 4);
        assertEquals(3, one.size());
        assertNull(LogRecorder.firstDivergence(one, four));
    }

    @Test
    void shouldReportPlantedDifferentWriteAsDigestDivergence()
    {
        final List<LogRecorder.Trace> clean = LogRecorder.replay(log(null), new File(dir, "a"), 2);
        final List<LogRecorder.Trace> planted = LogRecorder.replay(log("planted"), new File(dir, "b"), 2);
        final String divergence = LogRecorder.firstDivergence(clean, planted);
        assertNotNull(divergence);
        assertTrue(divergence.startsWith("epoch 3 digest"), divergence);
    }

    @Test
    void shouldReportDifferentOutcomeBeforeDigest()
    {
        final List<LogRecorder.Trace> a = List.of(new LogRecorder.Trace(1, List.of("NONE", "STALE_READ"), 5));
        final List<LogRecorder.Trace> b = List.of(new LogRecorder.Trace(1, List.of("NONE", "NONE"), 5));
        assertEquals("epoch 1 transaction 1: STALE_READ vs NONE", LogRecorder.firstDivergence(a, b));
        assertEquals("runs have 1 vs 0 epochs", LogRecorder.firstDivergence(a, List.of()));
    }
}
