package io.stardust.resourcectl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OvershootLedgerTest
{
    @TempDir
    Path dir;

    @Test
    void shouldAddOvershootAndPayItBackByRunningUnder()
    {
        final OvershootLedger ledger = new OvershootLedger(60);
        ledger.record(0, 1, 110, 100);
        ledger.record(1, 1, 105, 100);
        assertEquals(15, ledger.debtJoules(), 1e-9);
        ledger.record(2, 1, 90, 100);
        assertEquals(5, ledger.debtJoules(), 1e-9);
        ledger.record(3, 1, 80, 100);
        assertEquals(0, ledger.debtJoules(), 1e-9, "paid back, and never below 0");
        assertEquals(15, ledger.overJoules(), 1e-9, "what was over stays counted");
        assertEquals(15, ledger.windowNetJoules(), 1e-9, "net: -10 -5 +10 +20");
    }

    @Test
    void shouldCarryTheDebtOverWindowsUntilPaid()
    {
        final OvershootLedger ledger = new OvershootLedger(10);
        for (int t = 0; t < 10; t++)
        {
            ledger.record(t, 1, 120, 100);
        }
        assertEquals(200, ledger.debtJoules(), 1e-9);
        for (int t = 10; t < 25; t++)
        {
            ledger.record(t, 1, 90, 100);
        }
        assertEquals(50, ledger.debtJoules(), 1e-9, "the debt of window 0 is still owed in window 2");
        assertEquals(java.util.List.of(-200.0, 100.0), ledger.closedWindowNetJoules());
        assertEquals(50, ledger.windowNetJoules(), 1e-9);
    }

    @Test
    void shouldResumeFromWhatWasSaved() throws IOException
    {
        final Path file = dir.resolve("ledger");
        final OvershootLedger ledger = new OvershootLedger(60);
        ledger.record(0, 2, 130, 100);
        ledger.record(61, 1, 90, 100);
        ledger.save(file);
        final OvershootLedger resumed = OvershootLedger.load(file, 60);
        assertEquals(50, resumed.debtJoules(), 1e-9);
        assertEquals(60, resumed.overJoules(), 1e-9);
        assertEquals(62, resumed.seconds(), 1e-9);
        assertEquals(10, resumed.windowNetJoules(), 1e-9);
        resumed.record(62, 5, 90, 100);
        assertEquals(0, resumed.debtJoules(), 1e-9);
        assertTrue(Files.notExists(dir.resolve("ledger.tmp")), "the temporary file was renamed");
    }

    @Test
    void shouldStartEmptyWithoutAFileAndRefuseABadOne() throws IOException
    {
        assertEquals(0, OvershootLedger.load(dir.resolve("absent"), 60).debtJoules());
        final Path bad = dir.resolve("bad");
        Files.writeString(bad, "hello\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OvershootLedger.load(bad, 60)).getMessage()
            .contains("not a Stardust overshoot ledger"));
        Files.writeString(bad, "stardust-ledger 1\nwindow-seconds=60.0\nseconds=x\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OvershootLedger.load(bad, 60)).getMessage()
            .contains("damaged"));
        final Path other = dir.resolve("other");
        new OvershootLedger(30).save(other);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OvershootLedger.load(other, 60)).getMessage()
            .contains("windows of 30.0 s"));
    }

    @Test
    void shouldRefuseABadPeriod()
    {
        final OvershootLedger ledger = new OvershootLedger(60);
        assertThrows(IllegalArgumentException.class, () -> ledger.record(0, 0, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> ledger.record(-1, 1, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> ledger.record(0, 1, Double.NaN, 10));
        assertThrows(IllegalArgumentException.class, () -> new OvershootLedger(0));
    }
}
