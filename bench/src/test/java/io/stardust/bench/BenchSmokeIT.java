package io.stardust.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.File;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmark's every part, briefly, against real Stardust member processes and the echo ceiling: a peer that is
 * not running is reported as not measured, not a failure. Measures nothing worth keeping.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BenchSmokeIT
{
    @TempDir
    File dir;

    @Test
    void shouldRunEveryKindOfRunAndWriteTheReport() throws Exception
    {
        final File out = new File(dir, "results");
        final int exit = new CommandLine(new BenchMain()).execute("--smoke", "--systems", "stardust,etcd",
            "--peers-env", new File(dir, "no-peers.env").getPath(), "--out", out.getPath());
        assertEquals(0, exit);
        final String json = Files.readString(new File(out, "results.json").toPath());
        assertTrue(json.contains("\"echoCeiling\": {\"messagesPerSecond\": "), json);
        assertTrue(json.contains("\"system\": \"etcd\", \"why\": \"etcd was not started"), json);
        for (final String kind : new String[] {"\"workload\": \"ycsb-f\", \"distribution\": \"uniform\"",
            "\"workload\": \"ycsb-f\", \"distribution\": \"zipf\"", "\"workload\": \"bank\"", "\"batchWindowUs\": 5000"})
        {
            assertTrue(json.contains(kind), "no " + kind + " in " + json);
        }
        assertTrue(!json.contains("\"committed\": 0,"), "a run committed nothing: " + json);
        assertTrue(new File(out, "report.md").length() > 0);
        assertTrue(new File(out, "latency-cdf.png").length() > 0);
        assertTrue(new File(out, "batch-window.png").length() > 0);
    }
}
