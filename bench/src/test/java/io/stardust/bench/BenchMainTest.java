package io.stardust.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchMainTest
{
    @TempDir
    File dir;

    @Test
    void shouldReadThePeersFileWithQuotedValues() throws Exception
    {
        final File env = new File(dir, "peers.env");
        Files.writeString(env.toPath(), "# peers\nPG_STATUS=ok\nETCD_STATUS=\"unavailable: etcd-server not " +
            "installed\"\nETCD_PIDS=1,2,3\n\n");
        final Map<String, String> read = BenchMain.readEnv(env);
        assertEquals("ok", read.get("PG_STATUS"));
        assertEquals("unavailable: etcd-server not installed", read.get("ETCD_STATUS"));
        assertEquals("1,2,3", read.get("ETCD_PIDS"));
    }

    @Test
    void shouldReadNothingWhenThereIsNoPeersFile() throws Exception
    {
        assertTrue(BenchMain.readEnv(new File(dir, "missing.env")).isEmpty());
    }

    @Test
    void shouldCountTheCpuTimeOfAProcessAndItsChildren() throws Exception
    {
        // A shell whose child spins: the parent itself uses next to nothing.
        final Process p = new ProcessBuilder("sh", "-c", "sh -c 'while :; do :; done' & wait").start();
        try
        {
            final long deadline = System.nanoTime() + 20_000_000_000L;
            long cpu = 0;
            while (cpu < 200_000_000L && System.nanoTime() < deadline)
            {
                cpu = ProcessCpu.nanos(java.util.List.of(p.pid()));
                Thread.onSpinWait();
            }
            assertTrue(cpu >= 200_000_000L, "the spinning child's CPU time was not counted: " + cpu + " ns");
        }
        finally
        {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
